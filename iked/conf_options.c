/*
 * The options table (see conf_options.h) and the generic code that
 * stores a key's value into the configuration structs by the row's
 * type and offset.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "conf.h"
#include "conf_options.h"
#include "conf_value.h"

#ifndef OE_SYSCONFDIR
#define OE_SYSCONFDIR "/etc/oe"
#endif
#ifndef OE_LOCALSTATEDIR
#define OE_LOCALSTATEDIR "/var/lib/oe"
#endif
#ifndef OE_RUNDIR
#define OE_RUNDIR "/run/oe"
#endif

#define IKEV1_REFUSED \
	"IKEv1 is not supported: oe-iked speaks IKEv2 only (use ikev2=insist)"
#define PSK_REFUSED \
	"pre-shared keys are not supported: opportunistic peers share no secret " \
	"(use null, rsasig or ecdsa)"

static const struct conf_enum e_bool[] = {
	{ "yes", 1, NULL }, { "no", 0, NULL }, { NULL, 0, NULL } };
static const struct conf_enum e_type[] = {
	{ "tunnel", CONF_TYPE_TUNNEL, NULL },
	{ "transport", CONF_TYPE_TRANSPORT, NULL },
	{ "passthrough", CONF_TYPE_PASSTHROUGH, NULL },
	{ "drop", CONF_TYPE_DROP, NULL },
	{ "reject", CONF_TYPE_REJECT, NULL },
	{ NULL, 0, NULL } };
static const struct conf_enum e_ikev2[] = {
	{ "insist", CONF_IKEV2_INSIST, NULL },
	{ "yes", CONF_IKEV2_INSIST, NULL },
	{ "no", 0, IKEV1_REFUSED },
	{ "never", 0, IKEV1_REFUSED },
	{ "permit", 0, IKEV1_REFUSED },
	{ "propose", 0, IKEV1_REFUSED },
	{ NULL, 0, NULL } };
static const struct conf_enum e_auto[] = {
	{ "ignore", CONF_AUTO_IGNORE, NULL },
	{ "add", CONF_AUTO_ADD, NULL },
	{ "ondemand", CONF_AUTO_ONDEMAND, NULL },
	{ "route", CONF_AUTO_ONDEMAND, NULL },
	{ "start", CONF_AUTO_START, NULL },
	{ "up", CONF_AUTO_START, NULL },
	{ NULL, 0, NULL } };
static const struct conf_enum e_negshunt[] = {
	{ "hold", CONF_SHUNT_HOLD, NULL },
	{ "passthrough", CONF_SHUNT_PASSTHROUGH, NULL },
	{ "drop", CONF_SHUNT_DROP, NULL },
	{ NULL, 0, NULL } };
static const struct conf_enum e_failshunt[] = {
	{ "none", CONF_SHUNT_NONE, NULL },
	{ "passthrough", CONF_SHUNT_PASSTHROUGH, NULL },
	{ "drop", CONF_SHUNT_DROP, NULL },
	{ "reject", CONF_SHUNT_REJECT, NULL },
	{ NULL, 0, NULL } };
static const struct conf_enum e_dpdaction[] = {
	{ "hold", CONF_DPD_HOLD, NULL },
	{ "clear", CONF_DPD_CLEAR, NULL },
	{ "restart", CONF_DPD_RESTART, NULL },
	{ NULL, 0, NULL } };
static const struct conf_enum e_encaps[] = {
	{ "auto", CONF_ENCAPS_AUTO, NULL },
	{ "yes", CONF_ENCAPS_YES, NULL },
	{ "no", CONF_ENCAPS_NO, NULL },
	{ NULL, 0, NULL } };
static const struct conf_enum e_sendca[] = {
	{ "none", CONF_SENDCA_NONE, NULL },
	{ "issuer", CONF_SENDCA_ISSUER, NULL },
	{ "all", CONF_SENDCA_ALL, NULL },
	{ NULL, 0, NULL } };
static const struct conf_enum e_auth[] = {
	{ "null", CONF_AUTH_NULL, NULL },
	{ "rsasig", CONF_AUTH_RSASIG, NULL },
	{ "rsa", CONF_AUTH_RSASIG, NULL },
	{ "ecdsa", CONF_AUTH_ECDSA, NULL },
	{ "secret", 0, PSK_REFUSED },
	{ "eaponly", 0, "EAP is not supported" },
	{ NULL, 0, NULL } };
static const struct conf_enum e_authby[] = {
	{ "null", CONF_AUTHBY_NULL, NULL },
	{ "rsasig", CONF_AUTHBY_RSASIG, NULL },
	{ "ecdsa", CONF_AUTHBY_ECDSA, NULL },
	{ "rsa-sha2", CONF_AUTHBY_RSA_SHA2, NULL },
	{ "rsa-sha2_256", CONF_AUTHBY_RSA_SHA2, NULL },
	{ "rsa-sha2_384", CONF_AUTHBY_RSA_SHA2, NULL },
	{ "rsa-sha2_512", CONF_AUTHBY_RSA_SHA2, NULL },
	{ "ecdsa-sha2", CONF_AUTHBY_ECDSA, NULL },
	{ "ecdsa-sha2_256", CONF_AUTHBY_ECDSA, NULL },
	{ "ecdsa-sha2_384", CONF_AUTHBY_ECDSA, NULL },
	{ "ecdsa-sha2_512", CONF_AUTHBY_ECDSA, NULL },
	{ "never", CONF_AUTHBY_NEVER, NULL },
	{ "secret", 0, PSK_REFUSED },
	{ "rsa-sha1", 0, "SHA-1 signatures are not allowed (RFC 8247)" },
	{ NULL, 0, NULL } };
static const struct conf_enum e_protostack[] = {
	{ "xfrm", CONF_STACK_XFRM, NULL },
	{ "netkey", CONF_STACK_XFRM, NULL },
	{ "none", CONF_STACK_NONE, NULL },
	{ NULL, 0, NULL } };
static const struct conf_enum e_loglevel[] = {
	{ "err", LOG_ERR, NULL },
	{ "warning", LOG_WARNING, NULL },
	{ "notice", LOG_NOTICE, NULL },
	{ "info", LOG_INFO, NULL },
	{ "debug", LOG_DEBUG, NULL },
	{ NULL, 0, NULL } };

#define CONN(f)		offsetof(struct conf_conn, f), sizeof(((struct conf_conn *)0)->f)
#define SETUP(f)	offsetof(struct conf_setup, f), sizeof(((struct conf_setup *)0)->f)
#define ROW(name, sec, type, loc, def, en, lo, hi, fl, feat, help) \
	{ name, sec, type, loc, def, en, lo, hi, fl, feat, help }
#define C(name, type, field, def, en, lo, hi, fl, feat, help) \
	ROW(name, CONF_SEC_CONN, type, CONN(field), def, en, lo, hi, fl, feat, help)
/* One row per end: leftFOO and rightFOO. */
#define END(suffix, type, field, def, en, lo, hi, fl, feat, help) \
	C("left" suffix, type, left.field, def, en, lo, hi, fl, feat, help), \
	C("right" suffix, type, right.field, def, en, lo, hi, fl, feat, help)
#define S(name, type, field, def, en, lo, hi, fl, help) \
	ROW(name, CONF_SEC_SETUP, type, SETUP(field), def, en, lo, hi, fl, NULL, help)

#define DAY	86400u
#define F_CERT	"certificates"
#define F_POOL	"address pools (IKEv2 configuration payload)"
#define F_CAT	"client address translation"

const struct conf_option conf_options[] = {
	/* ---- conn: the ends ---- */
	END("", CONF_V_HOST, host, NULL, NULL, 0, 0, 0, NULL,
	    "the end's address: an address (no host names), %defaultroute, %any, "
	    "%opportunisticgroup (targets from the policy group, OE) or %group"),
	END("id", CONF_V_ID, id, NULL, NULL, 0, 0, 0, NULL,
	    "the end's IKE identity: %null, %fromcert, %any, @fqdn, an address "
	    "or a DN; default: the end's address"),
	END("subnet", CONF_V_CIDR, subnet, NULL, NULL, 0, 0, 0, NULL,
	    "network behind the end (ADDRESS/PREFIX); default: the end itself"),
	END("auth", CONF_V_ENUM, auth, NULL, e_auth, 0, 0, 0, NULL,
	    "how this end proves its identity; default: from authby"),
	END("rsasigkey", CONF_V_SIGKEY, sigkey, NULL, NULL, 0, 0, 0, NULL,
	    "where the end's public key comes from: %dnsondemand (IPSECKEY), "
	    "%dns, %cert, or 0s<base64> (RFC 3110); default: DNS for OE peers"),
	END("cert", CONF_V_STRING, cert, NULL, NULL, 0, 0, 0, F_CERT,
	    "NSS nickname of the end's certificate"),
	END("ca", CONF_V_STRING, ca, NULL, NULL, 0, 0, 0, F_CERT,
	    "CA the end's certificate must chain to; %same: the other end's CA"),
	END("modecfgclient", CONF_V_BOOL, modecfgclient, "no", e_bool, 0, 0, 0, F_POOL,
	    "the end receives an address from the peer's pool"),
	END("addresspool", CONF_V_POOL, pool, NULL, NULL, 0, 0, 0, F_POOL,
	    "addresses to lease to peers: LOW-HIGH or a CIDR"),
	END("cat", CONF_V_BOOL, cat, "no", e_bool, 0, 0, 0, F_CAT,
	    "translate the end's leased address to its real one (oppo-nat)"),
	END("updown", CONF_V_STRING, updown, NULL, NULL, 0, 0, CONF_F_IGNORED, NULL,
	    "script run when SAs come and go (libreswan); oe-iked runs no scripts"),

	/* ---- conn: authentication and policy ---- */
	C("authby", CONF_V_AUTHBY, authby, "rsasig,ecdsa", e_authby, 0, 0, 0, NULL,
	    "authentication methods for both ends (list); leftauth/rightauth "
	    "override"),
	C("type", CONF_V_ENUM, type, "tunnel", e_type, 0, 0, 0, NULL,
	    "tunnel or transport mode, or a shunt: passthrough, drop, reject"),
	C("ikev2", CONF_V_ENUM, ikev2, "insist", e_ikev2, 0, 0, 0, NULL,
	    "IKE version: only IKEv2 (insist, yes)"),
	C("auto", CONF_V_ENUM, autostart, "ignore", e_auto, 0, 0, 0, NULL,
	    "what to do at load: ignore, add (respond only), ondemand (on traffic "
	    "or DNS trigger; route is a synonym), start"),
	C("negotiationshunt", CONF_V_ENUM, negotiationshunt, "hold", e_negshunt,
	    0, 0, CONF_F_SA_SAFE, NULL,
	    "what happens to traffic while IKE negotiates"),
	C("failureshunt", CONF_V_ENUM, failureshunt, "none", e_failshunt,
	    0, 0, CONF_F_SA_SAFE, NULL,
	    "what happens to traffic after IKE failed (none: keep trying)"),
	C("narrowing", CONF_V_BOOL, narrowing, "no", e_bool, 0, 0, 0, NULL,
	    "accept traffic selectors narrower than ours"),
	C("pfs", CONF_V_BOOL, pfs, "yes", e_bool, 0, 0, CONF_F_SA_SAFE, NULL,
	    "fresh Diffie-Hellman for every Child SA rekey"),
	C("ike", CONF_V_IKE, ike, CONF_IKE_DEFAULT, NULL, 0, 0, 0, NULL,
	    "IKE SA proposals: CIPHERS[-PRFS][-GROUPS] separated by commas, "
	    "alternatives joined by +"),
	C("esp", CONF_V_ESP, esp, CONF_ESP_DEFAULT, NULL, 0, 0, 0, NULL,
	    "ESP proposals: CIPHERS[-INTEGS][;PFSGROUPS] separated by commas"),

	/* ---- conn: timers ---- */
	C("ikelifetime", CONF_V_SECONDS, ikelifetime, "8h", NULL, 60, DAY,
	    CONF_F_SA_SAFE, NULL,
	    "IKE SA lifetime before rekey"),
	C("salifetime", CONF_V_SECONDS, salifetime, "8h", NULL, 60, DAY,
	    CONF_F_SA_SAFE, NULL,
	    "Child SA lifetime before rekey"),
	C("rekeymargin", CONF_V_SECONDS, rekeymargin, "9m", NULL, 0, DAY,
	    CONF_F_SA_SAFE, NULL,
	    "how long before expiry the initiator rekeys (the responder "
	    "at half of it, should the initiator not have)"),
	C("rekeyfuzz", CONF_V_PERCENT, rekeyfuzz, "100%", NULL, 0, 1000,
	    CONF_F_SA_SAFE, NULL,
	    "random increase of rekeymargin, percent"),
	C("retransmit-timeout", CONF_V_SECONDS, retransmit_timeout, "60s", NULL,
	    1, 3600, CONF_F_SA_SAFE, NULL,
	    "give up an exchange after this long"),
	C("retransmit-interval", CONF_V_MSEC, retransmit_interval, "500", NULL,
	    50, 30000, CONF_F_SA_SAFE, NULL,
	    "first retransmission delay in milliseconds (doubles each time)"),
	C("dpddelay", CONF_V_SECONDS, dpddelay, "0", NULL, 0, 3600, CONF_F_SA_SAFE,
	    NULL, "liveness check interval; 0: off"),
	C("dpdtimeout", CONF_V_SECONDS, dpdtimeout, "120s", NULL, 0, 3600,
	    CONF_F_SA_SAFE, NULL,
	    "declare the peer dead after this long without an answer"),
	C("dpdaction", CONF_V_ENUM, dpdaction, "hold", e_dpdaction, 0, 0,
	    CONF_F_SA_SAFE, NULL,
	    "what to do with a dead peer: hold, clear, restart"),
	C("keyingtries", CONF_V_UINT, keyingtries, "0", NULL, 0, 1000,
	    CONF_F_SA_SAFE, NULL,
	    "negotiation attempts before failureshunt; 0: forever"),
	C("idletimeout", CONF_V_SECONDS, idletimeout, "0", NULL, 0, 7 * DAY,
	    CONF_F_OURS | CONF_F_SA_SAFE, NULL,
	    "(oe) delete an SA idle this long (no traffic); 0: never"),

	/* ---- conn: kernel ---- */
	C("priority", CONF_V_UINT, priority, "0", NULL, 0, 0x7fffffffu,
	    CONF_F_SA_SAFE, NULL,
	    "XFRM policy priority (lower wins); 0: computed from prefix and ports"),
	C("replay-window", CONF_V_UINT, replay_window, "128", NULL, 0, 2048,
	    CONF_F_SA_SAFE, NULL,
	    "ESP anti-replay window in packets; 0: off"),
	C("encapsulation", CONF_V_ENUM, encapsulation, "auto", e_encaps, 0, 0,
	    CONF_F_SA_SAFE,
	    NULL, "ESP in UDP: auto (when NAT is detected), yes, no"),
	C("nat-keepalive", CONF_V_BOOL, nat_keepalive, "yes", e_bool, 0, 0,
	    CONF_F_SA_SAFE, NULL, "send NAT keepalives when behind NAT"),
	/* Not a feature key: sendca=none asks for nothing; conns with
	 * certificates are disabled through leftcert/rightca/%fromcert. */
	C("sendca", CONF_V_ENUM, sendca, "issuer", e_sendca, 0, 0, 0, NULL,
	    "which CA certificates to send with ours (only with certificates)"),
	{ "also", CONF_SEC_CONN, CONF_V_ALSO, 0, 0, NULL, NULL, 0, 0,
	    CONF_F_MULTI, NULL,
	    "take the keys of another conn; keys set here win (may repeat)" },

	/* ---- config setup ---- */
	S("loglevel", CONF_V_ENUM, loglevel, "info", e_loglevel, 0, 0, CONF_F_OURS,
	    "most verbose level logged"),
	S("nssdb", CONF_V_PATH, nssdb, "sql:" OE_LOCALSTATEDIR "/nss", NULL, 0, 0,
	    CONF_F_RESTART,
	    "NSS database (keys, certificates); also --nssdb, OE_NSSDB"),
	S("listen", CONF_V_ADDRLIST, listen, NULL, NULL, 0, 0, CONF_F_RESTART,
	    "addresses to accept IKE on, comma separated; default: all"),
	S("ikeport", CONF_V_UINT, ikeport, "500", NULL, 1, 65535, CONF_F_RESTART,
	    "UDP port for IKE"),
	S("nat-ikeport", CONF_V_UINT, nat_ikeport, "4500", NULL, 1, 65535,
	    CONF_F_RESTART, "UDP port for IKE and ESP after NAT detection"),
	S("trigger-socket", CONF_V_PATH, trigger_socket, OE_RUNDIR "/trigger.sock",
	    NULL, 0, 0, CONF_F_OURS | CONF_F_RESTART,
	    "socket the resolver module sends DNS triggers to"),
	S("ctl-socket", CONF_V_PATH, ctl_socket, OE_RUNDIR "/iked.ctl", NULL, 0, 0,
	    CONF_F_OURS | CONF_F_RESTART, "oectl control socket"),
	S("ctl-group", CONF_V_STRING, ctl_group, NULL, NULL, 0, 0, CONF_F_OURS,
	    "group allowed on the control socket besides root"),
	S("max-halfopen-ike", CONF_V_UINT, max_halfopen, "50000", NULL, 1, 1000000,
	    0, "half-open IKE SAs before new ones are refused"),
	S("ddos-ike-threshold", CONF_V_UINT, ddos_threshold, "25000", NULL, 0,
	    1000000, 0, "half-open IKE SAs before cookies are required (0: always)"),
	S("protostack", CONF_V_ENUM, protostack, "xfrm", e_protostack, 0, 0,
	    CONF_F_RESTART, "kernel backend: xfrm, or none (IKE only, for tests)"),
	S("policies-dir", CONF_V_PATH, policies_dir, OE_SYSCONFDIR "/policies", NULL,
	    0, 0, CONF_F_OURS | CONF_F_RELDIR,
	    "directory of policy group files; a relative path is relative to "
	    "the directory of iked.conf"),
	S("shuntlifetime", CONF_V_SECONDS, shuntlifetime, "15m", NULL, 1, DAY, 0,
	    "how long a failure shunt stays before the trap governs the peer "
	    "again (a change applies to new shunts)"),
	S("dns-resolver", CONF_V_ADDRLIST, dns_resolver, NULL, NULL, 0, 0,
	    CONF_F_LOOPBACK,
	    "local validating resolver (loopback only; the first address is "
	    "used) the responder asks for the IPSECKEY of an initiator that "
	    "signs with an FQDN it has no key for; default: none, no lookups"),
	S("dns-resolver-port", CONF_V_UINT, dns_resolver_port, "53", NULL, 1,
	    65535, 0, "UDP port of dns-resolver="),
};

const size_t conf_noptions = sizeof(conf_options) / sizeof(conf_options[0]);

const struct conf_option *
conf_option_find(const char *name, enum conf_section section)
{
	size_t i;

	for (i = 0; i < conf_noptions; i++)
		if (conf_options[i].section == section &&
		    strcmp(conf_options[i].name, name) == 0)
			return &conf_options[i];
	return NULL;
}

bool
conf_option_in_other_section(const char *name, enum conf_section section)
{
	return conf_option_find(name, section == CONF_SEC_CONN ?
	    CONF_SEC_SETUP : CONF_SEC_CONN) != NULL;
}

/* Levenshtein distance, capped: names are short (bounded to 63). */
static size_t
edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, prev, tmp, best;
	size_t row[64];

	if (la >= 64 || lb >= 64)
		return 64;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = row[j];
			best = prev + (a[i - 1] == b[j - 1] ? 0 : 1);
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = tmp;
		}
	}
	return row[lb];
}

const char *
conf_option_suggest(const char *name, enum conf_section section)
{
	const char *best = NULL;
	size_t i, d, bestd = 3;

	for (i = 0; i < conf_noptions; i++) {
		if (conf_options[i].section != section)
			continue;
		d = edit_distance(name, conf_options[i].name);
		if (d < bestd) {
			bestd = d;
			best = conf_options[i].name;
		}
	}
	return best;
}

void
conf_option_allowed(const struct conf_option *opt, char *buf, size_t len)
{
	const struct conf_enum *e;
	size_t used = 0;
	int n;

	buf[0] = '\0';
	switch (opt->type) {
	case CONF_V_ENUM:
	case CONF_V_AUTHBY:
	case CONF_V_BOOL:
		for (e = opt->enums; e && e->name; e++) {
			if (e->refused)
				continue;
			n = snprintf(buf + used, len - used, "%s%s", used ? "|" : "",
			    e->name);
			if (n < 0 || (size_t)n >= len - used)
				break;
			used += (size_t)n;
		}
		if (opt->type == CONF_V_AUTHBY)
			(void)conf_strlcat(buf, " (comma-separated list)", len);
		break;
	case CONF_V_UINT:
	case CONF_V_PERCENT:
		snprintf(buf, len, "%u..%u%s", opt->min, opt->max,
		    opt->type == CONF_V_PERCENT ? "%" : "");
		break;
	case CONF_V_SECONDS:
		snprintf(buf, len, "%u..%u seconds (units ms, s, m, h, d)", opt->min,
		    opt->max);
		break;
	case CONF_V_MSEC:
		snprintf(buf, len, "%u..%u milliseconds (units ms, s, m)", opt->min,
		    opt->max);
		break;
	case CONF_V_STRING:	snprintf(buf, len, "text"); break;
	case CONF_V_PATH:	snprintf(buf, len, "path"); break;
	case CONF_V_HOST:	snprintf(buf, len, "address|%%defaultroute|%%any|"
				    "%%opportunisticgroup|%%group"); break;
	case CONF_V_ID:		snprintf(buf, len, "%%null|%%fromcert|%%any|@fqdn|"
				    "address|DN"); break;
	case CONF_V_CIDR:	snprintf(buf, len, "address/prefix"); break;
	case CONF_V_SIGKEY:	snprintf(buf, len, "%%dnsondemand|%%dns|%%cert|"
				    "0s<base64>"); break;
	case CONF_V_POOL:	snprintf(buf, len, "low-high|address/prefix"); break;
	case CONF_V_IKE:
	case CONF_V_ESP:	snprintf(buf, len, "proposal list"); break;
	case CONF_V_ADDRLIST:	snprintf(buf, len, "address[,address...]"); break;
	case CONF_V_ALSO:	snprintf(buf, len, "conn name"); break;
	}
}

static int
apply_enum(const struct conf_option *opt, int *out, const char *value,
    char *err, size_t errlen)
{
	const struct conf_enum *e;
	char allowed[256];

	for (e = opt->enums; e->name; e++) {
		if (strcmp(e->name, value) != 0)
			continue;
		if (e->refused) {
			snprintf(err, errlen, "%s=%s is refused: %s", opt->name, value,
			    e->refused);
			return -1;
		}
		*out = e->value;
		return 0;
	}
	conf_option_allowed(opt, allowed, sizeof(allowed));
	snprintf(err, errlen, "unknown value \"%s\" for %s (expected %s)", value,
	    opt->name, allowed);
	return -1;
}

/* "a,b": no empty items, no leading or trailing comma. */
static bool
list_ok(const char *s)
{
	return *s != '\0' && *s != ',' && s[strlen(s) - 1] != ',' &&
	    strstr(s, ",,") == NULL;
}

static int
apply_authby(const struct conf_option *opt, int *out, const char *value,
    char *err, size_t errlen)
{
	char buf[256], *tok, *save = NULL;
	int bit, bits = 0;

	if (strlen(value) >= sizeof(buf) || !list_ok(value)) {
		snprintf(err, errlen, "bad authby list (expected e.g. rsasig,ecdsa)");
		return -1;
	}
	strcpy(buf, value);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (apply_enum(opt, &bit, tok, err, errlen) == -1)
			return -1;
		bits |= bit;
	}
	if ((bits & CONF_AUTHBY_NEVER) && bits != CONF_AUTHBY_NEVER) {
		snprintf(err, errlen, "authby=never cannot be combined with other methods");
		return -1;
	}
	*out = bits;
	return 0;
}

static int
apply_string(const struct conf_option *opt, char *out, const char *value,
    char *err, size_t errlen)
{
	const char *p;

	if (strlen(value) >= opt->size) {
		snprintf(err, errlen, "value of %s too long (at most %zu characters)",
		    opt->name, opt->size - 1);
		return -1;
	}
	for (p = value; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			snprintf(err, errlen, "control character in the value of %s",
			    opt->name);
			return -1;
		}
	if (opt->type == CONF_V_PATH) {
		const char *path = strncmp(value, "sql:", 4) == 0 ? value + 4 : value;

		if (*path != '/' && !(opt->flags & CONF_F_RELDIR)) {
			snprintf(err, errlen, "%s must be an absolute path (got \"%s\")",
			    opt->name, value);
			return -1;
		}
		if (*path == '\0') {
			snprintf(err, errlen, "%s: empty path", opt->name);
			return -1;
		}
	}
	strcpy(out, value);
	return 0;
}

static int
apply_addrlist(struct conf_addrlist *out, const char *value, char *err,
    size_t errlen)
{
	char buf[CONF_LISTEN_MAX * 48], *tok, *save = NULL;

	memset(out, 0, sizeof(*out));
	if (strlen(value) >= sizeof(buf) || !list_ok(value)) {
		snprintf(err, errlen, "bad address list (expected ADDRESS[,ADDRESS...])");
		return -1;
	}
	strcpy(buf, value);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (out->n >= CONF_LISTEN_MAX) {
			snprintf(err, errlen, "too many addresses (at most %d)",
			    CONF_LISTEN_MAX);
			return -1;
		}
		if (conf_parse_addr(&out->a[out->n], tok, err, errlen) == -1)
			return -1;
		out->n++;
	}
	return 0;
}

/*
 * A resolver whose AD bit we trust must be on this host: on any other
 * path, anyone in between could set it.
 */
static int
addrlist_loopback_only(const struct conf_addrlist *l, const char *name,
    char *err, size_t errlen)
{
	static const uint8_t v6[16] = { [15] = 1 };
	size_t i;

	for (i = 0; i < l->n; i++) {
		const uint8_t *b = oe_addr_bytes(&l->a[i]);

		if ((l->a[i].family == AF_INET && b[0] == 127) ||
		    (l->a[i].family == AF_INET6 && memcmp(b, v6, 16) == 0))
			continue;
		snprintf(err, errlen, "%s= takes loopback addresses only "
		    "(127.0.0.0/8 or ::1): its answers' AD bit is trusted", name);
		return -1;
	}
	return 0;
}

int
conf_option_apply(const struct conf_option *opt, void *base, const char *value,
    char *err, size_t errlen)
{
	void *dst = (char *)base + opt->off;
	uint32_t u;
	int iv;

	switch (opt->type) {
	case CONF_V_STRING:
	case CONF_V_PATH:
		return apply_string(opt, dst, value, err, errlen);
	case CONF_V_BOOL:
		if (apply_enum(opt, &iv, value, err, errlen) == -1)
			return -1;
		*(bool *)dst = iv != 0;
		return 0;
	case CONF_V_ENUM:
		return apply_enum(opt, dst, value, err, errlen);
	case CONF_V_AUTHBY:
		return apply_authby(opt, dst, value, err, errlen);
	case CONF_V_UINT:
		if (conf_parse_uint(&u, value, opt->min, opt->max, err, errlen) == -1)
			return -1;
		memcpy(dst, &u, sizeof(u));
		return 0;
	case CONF_V_SECONDS:
	case CONF_V_MSEC:
		if (conf_parse_duration(&u, value, opt->type == CONF_V_SECONDS ? 1000 : 1,
		    opt->min, opt->max, err, errlen) == -1)
			return -1;
		memcpy(dst, &u, sizeof(u));
		return 0;
	case CONF_V_PERCENT:
		if (conf_parse_percent(&u, value, opt->min, opt->max, err, errlen) == -1)
			return -1;
		memcpy(dst, &u, sizeof(u));
		return 0;
	case CONF_V_HOST:
		return conf_parse_host(dst, value, err, errlen);
	case CONF_V_ID:
		return conf_parse_id(dst, value, err, errlen);
	case CONF_V_CIDR:
		return conf_parse_cidr(dst, value, err, errlen);
	case CONF_V_SIGKEY:
		return conf_parse_sigkey(dst, value, err, errlen);
	case CONF_V_POOL:
		return conf_parse_pool(dst, value, err, errlen);
	case CONF_V_IKE:
	case CONF_V_ESP:
		return conf_proposals_parse(dst, value, opt->type == CONF_V_IKE ?
		    CONF_PROP_IKE : CONF_PROP_ESP, err, errlen);
	case CONF_V_ADDRLIST:
		if (apply_addrlist(dst, value, err, errlen) == -1)
			return -1;
		return (opt->flags & CONF_F_LOOPBACK) ?
		    addrlist_loopback_only(dst, opt->name, err, errlen) : 0;
	case CONF_V_ALSO:
		return 0;	/* the parser resolves also= */
	}
	snprintf(err, errlen, "internal: unknown value type for %s", opt->name);
	return -1;
}

int
conf_options_defaults(enum conf_section section, void *base, char *err,
    size_t errlen)
{
	size_t i;
	char lerr[CONF_MSG_LEN];

	memset(base, 0, section == CONF_SEC_CONN ? sizeof(struct conf_conn) :
	    sizeof(struct conf_setup));
	for (i = 0; i < conf_noptions; i++) {
		const struct conf_option *opt = &conf_options[i];

		if (opt->section != section || opt->def == NULL)
			continue;
		if (conf_option_apply(opt, base, opt->def, lerr, sizeof(lerr)) == -1) {
			snprintf(err, errlen, "internal: default of %s: %s", opt->name, lerr);
			return -1;
		}
	}
	return 0;
}
