/*
 * oe-ipseckey: make the host key, print its IPSECKEY record, sign a
 * zone holding the hosts' records, or update a primary server.
 * Each subcommand parses its own options and calls one module.
 */
#include "config.h"

#include <arpa/inet.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oe_log.h"
#include "ipk_hostkey.h"
#include "ipk_record.h"
#include "ipk_tsig.h"
#include "ipk_update.h"
#include "ipk_util.h"
#include "ipk_zone.h"

static const char usage_text[] =
"usage: oe-ipseckey [-v] COMMAND [options]\n"
"  init     [--nssdb DIR]\n"
"  newkey   (--rsa BITS | --ecdsa p256|p384) [--nssdb DIR] [--nickname N]\n"
"  show     [--name FQDN] [--gateway ADDR] [--precedence N] [--ttl N]\n"
"           [--json | --export | --libreswan] [--pub FILE] [--nssdb DIR]\n"
"  export-pub [-o FILE] [--gateway ADDR] [--precedence N] [--nssdb DIR]\n"
"  zone     ZONEFILE (--keys DIR | --host NAME=PUBFILE ...) [-o OUT]\n"
"           [--origin ZONE] [--ksk FILE --zsk FILE] [--nsec3]\n"
"           [--valid 30d] [--ttl N] [--serial keep|increment|unixtime|datecounter]\n"
"  update   --server ADDR --zone ZONE --tsig FILE [--name FQDN]\n"
"           [--port N] [--gateway ADDR] [--precedence N] [--ttl N]\n"
"           [--pub FILE] [--wait SECONDS] [--no-rrsig] [--nssdb DIR]\n"
"See oe-ipseckey(8).\n";

static int
usage(void)
{
	fputs(usage_text, stderr);
	return 2;
}

/* Options that say which key and which record (show, export, update). */
struct key_opts {
	const char	*nssdb;
	const char	*nickname;
	const char	*pub_path;
	const char	*name;
	const char	*gateway;
	const char	*precedence;
	const char	*ttl;
};

enum {
	OPT_NSSDB = 256, OPT_NICKNAME, OPT_PUB, OPT_NAME, OPT_GATEWAY,
	OPT_PRECEDENCE, OPT_TTL, OPT_JSON, OPT_EXPORT, OPT_LIBRESWAN,
	OPT_RSA, OPT_ECDSA, OPT_KEYS, OPT_HOST, OPT_ORIGIN, OPT_KSK, OPT_ZSK,
	OPT_NSEC3, OPT_VALID, OPT_SERVER, OPT_ZONE, OPT_TSIG, OPT_PORT,
	OPT_WAIT, OPT_NO_RRSIG, OPT_HELP, OPT_SERIAL,
};

/* Options shared by the key-using commands; true if handled. */
static bool
key_opt(int c, struct key_opts *ko)
{
	switch (c) {
	case OPT_NSSDB:		ko->nssdb = optarg; return true;
	case OPT_NICKNAME:	ko->nickname = optarg; return true;
	case OPT_PUB:		ko->pub_path = optarg; return true;
	case OPT_NAME:		ko->name = optarg; return true;
	case OPT_GATEWAY:	ko->gateway = optarg; return true;
	case OPT_PRECEDENCE:	ko->precedence = optarg; return true;
	case OPT_TTL:		ko->ttl = optarg; return true;
	default:		return false;
	}
}

#define KEY_LONGOPTS \
	{ "nssdb", required_argument, NULL, OPT_NSSDB }, \
	{ "nickname", required_argument, NULL, OPT_NICKNAME }, \
	{ "pub", required_argument, NULL, OPT_PUB }, \
	{ "name", required_argument, NULL, OPT_NAME }, \
	{ "gateway", required_argument, NULL, OPT_GATEWAY }, \
	{ "precedence", required_argument, NULL, OPT_PRECEDENCE }, \
	{ "ttl", required_argument, NULL, OPT_TTL }, \
	{ "help", no_argument, NULL, OPT_HELP }

static bool
default_name(char *out, size_t outlen)
{
	char host[256];
	const char *why;

	if (gethostname(host, sizeof(host) - 1) != 0)
		return false;
	host[sizeof(host) - 1] = '\0';
	/* A bare host name would become a top-level domain: ask instead. */
	if (strchr(host, '.') == NULL) {
		oe_err("host name \"%s\" is not a domain name; give --name "
		    "FQDN", host);
		return false;
	}
	if (!ipk_name_normalize(host, out, outlen, &why)) {
		oe_err("host name \"%s\": %s; give --name", host, why);
		return false;
	}
	return true;
}

/*
 * Build the record from the options: the key from --pub or from the
 * NSS database, then name, gateway, precedence and TTL.
 */
static bool
record_from_opts(const struct key_opts *ko, bool need_name,
    struct ipk_record *rec, uint8_t ckaid[20], bool *have_ckaid)
{
	const char *why = NULL;
	uint64_t v;
	char *dir = NULL;
	bool ok = false;

	memset(rec, 0, sizeof(*rec));
	rec->precedence = 10;
	rec->ttl = 300;
	*have_ckaid = false;
	if (ko->pub_path != NULL) {
		if (!ipk_pubfile_parse(ko->pub_path, rec))
			return false;
	} else {
		dir = ipk_nssdb_dir(ko->nssdb);
		if (dir == NULL || !ipk_hostkey_load(dir, ko->nickname ?
		    ko->nickname : IPK_HOSTKEY_NICKNAME, &rec->key, ckaid))
			goto out;
		*have_ckaid = true;
	}
	if (ko->name != NULL) {
		if (!ipk_name_normalize(ko->name, rec->name,
		    sizeof(rec->name), &why)) {
			oe_err("--name %s: %s", ko->name, why);
			goto out;
		}
	} else if (need_name && !default_name(rec->name, sizeof(rec->name)))
		goto out;
	if (ko->gateway != NULL &&
	    !ipk_gateway_parse(ko->gateway, rec, &why)) {
		oe_err("--gateway %s: %s", ko->gateway, why);
		goto out;
	}
	if (ko->precedence != NULL) {
		if (!ipk_parse_uint(ko->precedence, 0, 255, &v)) {
			oe_err("--precedence %s: must be 0..255",
			    ko->precedence);
			goto out;
		}
		rec->precedence = (uint8_t)v;
	}
	if (ko->ttl != NULL) {
		if (!ipk_parse_uint(ko->ttl, 0, 2147483647, &v)) {
			oe_err("--ttl %s: must be 0..2147483647", ko->ttl);
			goto out;
		}
		rec->ttl = (uint32_t)v;
	}
	ok = true;
out:
	free(dir);
	return ok;
}

static int
cmd_init(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "nssdb", required_argument, NULL, OPT_NSSDB },
		{ NULL, 0, NULL, 0 }
	};
	const char *nssdb = NULL;
	char *dir;
	int c, rc;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (c != OPT_NSSDB)
			return usage();
		nssdb = optarg;
	}
	if (optind != argc)
		return usage();
	dir = ipk_nssdb_dir(nssdb);
	if (dir == NULL)
		return 1;
	rc = ipk_nssdb_init(dir) ? 0 : 1;
	free(dir);
	return rc;
}

static int
cmd_newkey(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "rsa", required_argument, NULL, OPT_RSA },
		{ "ecdsa", required_argument, NULL, OPT_ECDSA },
		{ "nssdb", required_argument, NULL, OPT_NSSDB },
		{ "nickname", required_argument, NULL, OPT_NICKNAME },
		{ NULL, 0, NULL, 0 }
	};
	const char *nssdb = NULL, *nickname = IPK_HOSTKEY_NICKNAME;
	const char *rsa = NULL, *ecdsa = NULL;
	enum ipk_keytype type = IPK_KEY_RSA;
	struct ipk_pubkey pub;
	uint8_t ckaid[20];
	uint64_t bits = 0;
	char *dir = NULL, *hex = NULL;
	int c, rc = 1;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case OPT_RSA: rsa = optarg; break;
		case OPT_ECDSA: ecdsa = optarg; break;
		case OPT_NSSDB: nssdb = optarg; break;
		case OPT_NICKNAME: nickname = optarg; break;
		default: return usage();
		}
	}
	if (optind != argc || (rsa == NULL) == (ecdsa == NULL)) {
		oe_err("newkey needs exactly one of --rsa BITS or --ecdsa "
		    "p256|p384");
		return 2;
	}
	if (rsa != NULL && (!ipk_parse_uint(rsa, 1, 65536, &bits) ||
	    bits < 2048)) {
		oe_err("--rsa %s: refused; RSA keys must be at least 2048 bits",
		    rsa);
		return 1;
	}
	if (ecdsa != NULL) {
		if (strcmp(ecdsa, "p256") == 0)
			type = IPK_KEY_EC_P256;
		else if (strcmp(ecdsa, "p384") == 0)
			type = IPK_KEY_EC_P384;
		else {
			oe_err("--ecdsa %s: curve must be p256 or p384", ecdsa);
			return 1;
		}
	}
	if (nickname[0] == '\0' || strlen(nickname) > 64) {
		oe_err("--nickname: 1..64 characters");
		return 1;
	}
	dir = ipk_nssdb_dir(nssdb);
	if (dir == NULL || !ipk_hostkey_generate(dir, nickname, type,
	    (unsigned)bits, &pub, ckaid))
		goto out;
	hex = ipk_hex(ckaid, sizeof(ckaid));
	oe_info("%s: host key \"%s\" made: %s %u bits, CKA_ID %s", dir,
	    nickname, pub.algorithm == IPK_ALG_RSA ? "RSA" : "ECDSA",
	    ipk_pubkey_bits(&pub), hex ? hex : "?");
	rc = 0;
out:
	free(hex);
	free(dir);
	return rc;
}

enum show_form { SHOW_TEXT, SHOW_JSON, SHOW_EXPORT, SHOW_LIBRESWAN };

static char *
render(enum show_form form, const struct ipk_record *rec, const char *hex)
{
	char *s = NULL, *line;

	switch (form) {
	case SHOW_JSON:
		line = ipk_record_to_json(rec, hex);
		if (line != NULL && asprintf(&s, "%s\n", line) < 0)
			s = NULL;
		free(line);
		return s;
	case SHOW_EXPORT:
		/* Keep the optional fields the zone owner should use. */
		line = ipk_pubfile_format(&rec->key,
		    rec->name[0] != '\0' ? rec->name : NULL);
		if (line == NULL)
			return NULL;
		if (asprintf(&s, "%s%s%s%s%sprecedence %u\n", line,
		    rec->gateway_type != IPK_GW_NONE ? "gateway " : "",
		    rec->gateway_type != IPK_GW_NONE ? rec->gateway : "",
		    rec->gateway_type != IPK_GW_NONE ? "\n" : "",
		    "", rec->precedence) < 0)
			s = NULL;
		free(line);
		return s;
	case SHOW_LIBRESWAN:
		line = ipk_pubkey_to_0s(&rec->key);
		if (line != NULL && asprintf(&s, "%s\n", line) < 0)
			s = NULL;
		free(line);
		return s;
	case SHOW_TEXT:
	default:
		line = ipk_record_to_text(rec);
		if (line != NULL && asprintf(&s, "%s\n", line) < 0)
			s = NULL;
		free(line);
		return s;
	}
}

static int
show_common(int argc, char **argv, bool export_cmd)
{
	static const struct option lo[] = {
		KEY_LONGOPTS,
		{ "json", no_argument, NULL, OPT_JSON },
		{ "export", no_argument, NULL, OPT_EXPORT },
		{ "libreswan", no_argument, NULL, OPT_LIBRESWAN },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	struct key_opts ko = { 0 };
	struct ipk_record rec;
	enum show_form form = export_cmd ? SHOW_EXPORT : SHOW_TEXT;
	const char *out_path = NULL;
	uint8_t ckaid[20];
	bool have_ckaid;
	char *hex = NULL, *text = NULL;
	int c, nforms = 0, rc = 1;

	while ((c = getopt_long(argc, argv, "o:", lo, NULL)) != -1) {
		if (key_opt(c, &ko))
			continue;
		switch (c) {
		case OPT_JSON: form = SHOW_JSON; nforms++; break;
		case OPT_EXPORT: form = SHOW_EXPORT; nforms++; break;
		case OPT_LIBRESWAN: form = SHOW_LIBRESWAN; nforms++; break;
		case 'o': out_path = optarg; break;
		default: return usage();
		}
	}
	if (optind != argc || nforms > 1 || (export_cmd && nforms > 0)) {
		oe_err("at most one of --json, --export, --libreswan");
		return 2;
	}
	/* The exported key file and 0s form carry no owner name. */
	if (!record_from_opts(&ko, form == SHOW_TEXT || form == SHOW_JSON,
	    &rec, ckaid, &have_ckaid))
		return 1;
	if (have_ckaid)
		hex = ipk_hex(ckaid, sizeof(ckaid));
	text = render(form, &rec, hex);
	if (text == NULL)
		goto out;
	if (out_path != NULL)
		rc = ipk_write_file(out_path, text, 0644) ? 0 : 1;
	else
		rc = fputs(text, stdout) == EOF || fflush(stdout) ? 1 : 0;
out:
	free(text);
	free(hex);
	return rc;
}

static int
cmd_zone(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "keys", required_argument, NULL, OPT_KEYS },
		{ "host", required_argument, NULL, OPT_HOST },
		{ "origin", required_argument, NULL, OPT_ORIGIN },
		{ "output", required_argument, NULL, 'o' },
		{ "ksk", required_argument, NULL, OPT_KSK },
		{ "zsk", required_argument, NULL, OPT_ZSK },
		{ "nsec3", no_argument, NULL, OPT_NSEC3 },
		{ "valid", required_argument, NULL, OPT_VALID },
		{ "ttl", required_argument, NULL, OPT_TTL },
		{ "serial", required_argument, NULL, OPT_SERIAL },
		{ NULL, 0, NULL, 0 }
	};
	struct ipk_zone_opts zo = { .valid = 30 * 86400, .ttl = 300 };
	uint64_t v;
	int c;

	while ((c = getopt_long(argc, argv, "o:", lo, NULL)) != -1) {
		switch (c) {
		case OPT_KEYS: zo.keys_dir = optarg; break;
		case OPT_HOST:
			if (zo.n_host_args >= IPK_ZONE_MAX_HOSTS) {
				oe_err("--host: more than %d", IPK_ZONE_MAX_HOSTS);
				return 1;
			}
			zo.host_args[zo.n_host_args++] = optarg;
			break;
		case OPT_ORIGIN: zo.origin = optarg; break;
		case 'o': zo.out_path = optarg; break;
		case OPT_KSK: zo.ksk_path = optarg; break;
		case OPT_ZSK: zo.zsk_path = optarg; break;
		case OPT_NSEC3: zo.nsec3 = true; break;
		case OPT_SERIAL:
			if (!ipk_serial_parse(optarg, &zo.serial)) {
				oe_err("--serial %s: keep, increment, unixtime "
				    "or datecounter", optarg);
				return 1;
			}
			break;
		case OPT_VALID:
			if (!ipk_parse_duration(optarg, &zo.valid) ||
			    zo.valid < 3600) {
				oe_err("--valid %s: a duration like 30d, at "
				    "least 1h", optarg);
				return 1;
			}
			break;
		case OPT_TTL:
			if (!ipk_parse_uint(optarg, 0, 2147483647, &v)) {
				oe_err("--ttl %s: must be 0..2147483647",
				    optarg);
				return 1;
			}
			zo.ttl = (uint32_t)v;
			break;
		default: return usage();
		}
	}
	if (optind + 1 != argc) {
		oe_err("zone needs exactly one ZONEFILE");
		return 2;
	}
	if ((zo.ksk_path == NULL) != (zo.zsk_path == NULL)) {
		oe_err("--ksk and --zsk go together");
		return 2;
	}
	zo.in_path = argv[optind];
	return ipk_zone_run(&zo) ? 0 : 1;
}

static int
cmd_update(int argc, char **argv)
{
	static const struct option lo[] = {
		KEY_LONGOPTS,
		{ "server", required_argument, NULL, OPT_SERVER },
		{ "zone", required_argument, NULL, OPT_ZONE },
		{ "tsig", required_argument, NULL, OPT_TSIG },
		{ "port", required_argument, NULL, OPT_PORT },
		{ "wait", required_argument, NULL, OPT_WAIT },
		{ "no-rrsig", no_argument, NULL, OPT_NO_RRSIG },
		{ NULL, 0, NULL, 0 }
	};
	struct ipk_update_opts uo = { .port = 53, .wait = 10,
	    .require_rrsig = true };
	struct key_opts ko = { 0 };
	struct ipk_record rec;
	struct ipk_tsig tsig;
	char zone[LDNS_MAX_DOMAINLEN + 2];
	uint8_t addr[16];
	const char *tsig_path = NULL, *zone_arg = NULL, *why;
	uint8_t ckaid[20];
	bool have_ckaid, ok;
	uint64_t v;
	int c;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (key_opt(c, &ko))
			continue;
		switch (c) {
		case OPT_SERVER: uo.server = optarg; break;
		case OPT_ZONE: zone_arg = optarg; break;
		case OPT_TSIG: tsig_path = optarg; break;
		case OPT_PORT:
			if (!ipk_parse_uint(optarg, 1, 65535, &v)) {
				oe_err("--port %s: must be 1..65535", optarg);
				return 1;
			}
			uo.port = (uint16_t)v;
			break;
		case OPT_WAIT:
			if (!ipk_parse_uint(optarg, 0, 600, &v)) {
				oe_err("--wait %s: must be 0..600", optarg);
				return 1;
			}
			uo.wait = (uint32_t)v;
			break;
		case OPT_NO_RRSIG: uo.require_rrsig = false; break;
		default: return usage();
		}
	}
	if (optind != argc || uo.server == NULL || zone_arg == NULL ||
	    tsig_path == NULL) {
		oe_err("update needs --server, --zone and --tsig");
		return 2;
	}
	/* The server is an address: a name would need a resolver we trust. */
	if (inet_pton(AF_INET, uo.server, addr) != 1 &&
	    inet_pton(AF_INET6, uo.server, addr) != 1) {
		oe_err("--server %s: not an IPv4 or IPv6 address", uo.server);
		return 1;
	}
	if (!ipk_name_normalize(zone_arg, zone, sizeof(zone), &why)) {
		oe_err("--zone %s: %s", zone_arg, why);
		return 1;
	}
	uo.zone = zone;
	if (!record_from_opts(&ko, true, &rec, ckaid, &have_ckaid))
		return 1;
	if (!ipk_tsig_parse_file(tsig_path, &tsig))
		return 1;
	ok = ipk_update_run(&uo, &tsig, &rec);
	ipk_tsig_clear(&tsig);
	return ok ? 0 : 1;
}

int
main(int argc, char **argv)
{
	const char *cmd;
	int prio = LOG_INFO;

	oe_log_init("oe-ipseckey", LOG_INFO);
	while (argc > 1 && (strcmp(argv[1], "-v") == 0 ||
	    strcmp(argv[1], "-q") == 0)) {
		prio = argv[1][1] == 'v' ? LOG_DEBUG : LOG_WARNING;
		argv++;
		argc--;
	}
	oe_log_set_priority(prio);
	if (argc < 2)
		return usage();
	cmd = argv[1];
	argv++;
	argc--;
	optind = 1;
	if (strcmp(cmd, "init") == 0)
		return cmd_init(argc, argv);
	if (strcmp(cmd, "newkey") == 0)
		return cmd_newkey(argc, argv);
	if (strcmp(cmd, "show") == 0)
		return show_common(argc, argv, false);
	if (strcmp(cmd, "export-pub") == 0)
		return show_common(argc, argv, true);
	if (strcmp(cmd, "zone") == 0)
		return cmd_zone(argc, argv);
	if (strcmp(cmd, "update") == 0)
		return cmd_update(argc, argv);
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 ||
	    strcmp(cmd, "help") == 0) {
		fputs(usage_text, stdout);
		return 0;
	}
	oe_err("unknown command \"%s\"", cmd);
	return usage();
}
