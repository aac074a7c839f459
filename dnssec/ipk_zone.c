/*
 * Zone editing and signing.  The input zone is parsed by libldns, the
 * hosts' IPSECKEY RRsets are replaced, old DNSSEC records removed, and
 * the zone is signed with a KSK and a ZSK and written through a
 * temporary file, so a failed run leaves the old output untouched.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "oe_log.h"
#include "ipk_util.h"
#include "ipk_zone.h"

static bool
name_in_zone(const ldns_rdf *name, const ldns_rdf *origin)
{
	return ldns_dname_compare(name, origin) == 0 ||
	    ldns_dname_is_subdomain(name, origin);
}

/*
 * libldns counts the newlines it has consumed, which may run past the
 * offending record (blank lines, a missing final newline).  Point at
 * the last line with content at or before its count instead.
 */
static int
error_line(const char *path, int ldns_line, char *text, size_t textlen)
{
	char buf[1024];
	int n = 0, best = ldns_line > 0 ? ldns_line : 1;
	FILE *fp = fopen(path, "r");

	text[0] = '\0';
	if (fp == NULL)
		return best;
	while (fgets(buf, sizeof(buf), fp) != NULL) {
		const char *p = buf + strspn(buf, " \t");
		bool whole = strchr(buf, '\n') != NULL;

		n++;
		if (n > ldns_line + (whole ? 0 : 1))
			break;
		if (*p != '\0' && *p != '\n' && *p != '\r' && *p != ';') {
			best = n;
			/* Keep the start of the line, for the message. */
			size_t len = strcspn(buf, "\r\n");
			if (len >= textlen)
				len = textlen - 1;
			memcpy(text, buf, len);
			text[len] = '\0';
		}
		/* Skip the rest of an over-long line. */
		while (!whole && fgets(buf, sizeof(buf), fp) != NULL &&
		    strchr(buf, '\n') == NULL)
			;
	}
	fclose(fp);
	return best;
}

bool
ipk_zone_load(const char *path, const char *origin_arg, ldns_zone **zone_out,
    ldns_rdf **origin_out)
{
	ldns_rdf *origin = NULL;
	ldns_zone *zone = NULL;
	ldns_rr_list *rrs;
	ldns_status st;
	int line = 0;
	size_t i;
	FILE *fp = NULL;
	bool ok = false;
	char text[81];

	*zone_out = NULL;
	*origin_out = NULL;
	if (origin_arg != NULL &&
	    ldns_str2rdf_dname(&origin, origin_arg) != LDNS_STATUS_OK) {
		oe_err("--origin %s: not a valid domain name", origin_arg);
		return false;
	}
	fp = fopen(path, "r");
	if (fp == NULL) {
		oe_err("%s: %s", path, strerror(errno));
		goto out;
	}
	st = ldns_zone_new_frm_fp_l(&zone, fp, origin, 3600,
	    LDNS_RR_CLASS_IN, &line);
	if (st != LDNS_STATUS_OK) {
		line = error_line(path, line, text, sizeof(text));
		oe_err("%s:%d: %s: \"%s\"", path, line,
		    ldns_get_errorstr_by_id(st), text);
		zone = NULL;
		goto out;
	}
	if (ldns_zone_soa(zone) == NULL) {
		oe_err("%s: no SOA record", path);
		goto out;
	}
	if (origin != NULL && ldns_dname_compare(origin,
	    ldns_rr_owner(ldns_zone_soa(zone))) != 0) {
		oe_err("%s: SOA owner differs from --origin %s", path,
		    origin_arg);
		goto out;
	}
	ldns_rdf_deep_free(origin);
	origin = ldns_rdf_clone(ldns_rr_owner(ldns_zone_soa(zone)));
	rrs = ldns_zone_rrs(zone);
	for (i = 0; i < ldns_rr_list_rr_count(rrs); i++) {
		ldns_rr *rr = ldns_rr_list_rr(rrs, i);
		char *name;

		/* (libldns itself drops a second SOA; be safe anyway.) */
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA) {
			oe_err("%s: more than one SOA record", path);
			goto out;
		}
		if (!name_in_zone(ldns_rr_owner(rr), origin)) {
			name = ldns_rdf2str(ldns_rr_owner(rr));
			oe_err("%s: record for %s is outside the zone", path,
			    name ? name : "?");
			free(name);
			goto out;
		}
	}
	*zone_out = zone;
	*origin_out = origin;
	zone = NULL;
	origin = NULL;
	ok = true;
out:
	if (fp != NULL)
		fclose(fp);
	if (zone != NULL)
		ldns_zone_deep_free(zone);
	ldns_rdf_deep_free(origin);
	return ok;
}

static bool
is_dnssec_type(ldns_rr_type t)
{
	return t == LDNS_RR_TYPE_RRSIG || t == LDNS_RR_TYPE_NSEC ||
	    t == LDNS_RR_TYPE_NSEC3 || t == LDNS_RR_TYPE_NSEC3PARAMS ||
	    t == LDNS_RR_TYPE_DNSKEY;
}

/* Keep the RRs for which drop() is false; frees the others. */
static bool
filter_rrs(ldns_zone *zone, bool (*drop)(const ldns_rr *, const void *),
    const void *arg)
{
	ldns_rr_list *old = ldns_zone_rrs(zone), *keep;
	size_t i;

	keep = ldns_rr_list_new();
	if (keep == NULL)
		return false;
	for (i = 0; i < ldns_rr_list_rr_count(old); i++) {
		ldns_rr *rr = ldns_rr_list_rr(old, i);

		if (drop(rr, arg))
			ldns_rr_free(rr);
		else if (!ldns_rr_list_push_rr(keep, rr))
			abort();	/* only fails on allocation */
	}
	ldns_rr_list_free(old);
	ldns_zone_set_rrs(zone, keep);
	return true;
}

static bool
drop_dnssec(const ldns_rr *rr, const void *arg)
{
	(void)arg;
	return is_dnssec_type(ldns_rr_get_type(rr));
}

void
ipk_zone_strip_dnssec(ldns_zone *zone)
{
	filter_rrs(zone, drop_dnssec, NULL);
}

/* Absolute owner name of a host argument, relative to origin. */
static bool
host_name(const char *label, const char *base, const ldns_rdf *origin,
    char *out, size_t outlen)
{
	char *origin_text = ldns_rdf2str(origin), *full = NULL;
	const char *why = "out of memory";
	size_t len = strlen(base);
	bool ok = false;

	if (origin_text == NULL)
		goto out;
	if (strcmp(base, "@") == 0)
		full = strdup(origin_text);
	else if (len > 0 && base[len - 1] == '.')
		full = strdup(base);
	else if (asprintf(&full, "%s.%s", base, strcmp(origin_text, ".") ?
	    origin_text : "") < 0)
		full = NULL;
	if (full == NULL)
		goto out;
	/* A name with an empty label or a '\' would be surprising. */
	if (strstr(base, "..") != NULL || strchr(base, '\\') != NULL ||
	    base[0] == '.') {
		why = "empty label or escape in host name";
		goto out;
	}
	ok = ipk_name_normalize(full, out, outlen, &why);
out:
	if (!ok)
		oe_err("%s: host name \"%s\": %s", label, base, why);
	free(origin_text);
	free(full);
	return ok;
}

static bool
host_placement_ok(const char *label, const struct ipk_record *rec,
    const ldns_zone *zone, const ldns_rdf *origin)
{
	ldns_rr_list *rrs = ldns_zone_rrs(zone);
	ldns_rdf *name = NULL;
	bool ok = false;
	size_t i;

	if (ldns_str2rdf_dname(&name, rec->name) != LDNS_STATUS_OK)
		return false;
	if (!name_in_zone(name, origin)) {
		oe_err("%s: %s is outside the zone", label, rec->name);
		goto out;
	}
	for (i = 0; i < ldns_rr_list_rr_count(rrs); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(rrs, i);
		const ldns_rdf *owner = ldns_rr_owner(rr);

		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_NS &&
		    ldns_dname_compare(owner, origin) != 0 &&
		    name_in_zone(name, owner)) {
			oe_err("%s: %s is at or below a delegation; its "
			    "IPSECKEY belongs in the child zone", label,
			    rec->name);
			goto out;
		}
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_CNAME &&
		    ldns_dname_compare(owner, name) == 0) {
			oe_err("%s: %s is a CNAME; it cannot have other "
			    "records", label, rec->name);
			goto out;
		}
	}
	ok = true;
out:
	ldns_rdf_deep_free(name);
	return ok;
}

static bool
add_host(const char *label, const char *base, const char *file,
    const struct ipk_zone_opts *opts, const ldns_zone *zone,
    const ldns_rdf *origin, struct ipk_record *recs, size_t *n)
{
	struct ipk_record *rec;
	size_t i;

	if (*n >= IPK_ZONE_MAX_HOSTS) {
		oe_err("%s: more than %d hosts", label, IPK_ZONE_MAX_HOSTS);
		return false;
	}
	rec = &recs[*n];
	memset(rec, 0, sizeof(*rec));
	if (!host_name(label, base, origin, rec->name, sizeof(rec->name)) ||
	    !ipk_pubfile_parse(file, rec) ||
	    !host_placement_ok(label, rec, zone, origin))
		return false;
	rec->ttl = opts->ttl;
	for (i = 0; i < *n; i++) {
		if (strcasecmp(recs[i].name, rec->name) == 0) {
			oe_err("%s: %s is given twice", label, rec->name);
			return false;
		}
	}
	(*n)++;
	return true;
}

static int
pub_filter(const struct dirent *d)
{
	size_t len = strlen(d->d_name);

	return d->d_name[0] != '.' && len > 4 &&
	    strcmp(d->d_name + len - 4, ".pub") == 0;
}

static bool
hosts_from_dir(const struct ipk_zone_opts *opts, const ldns_zone *zone,
    const ldns_rdf *origin, struct ipk_record *recs, size_t *n)
{
	struct dirent **list = NULL;
	char path[PATH_MAX], base[NAME_MAX + 1];
	int count, i;
	bool ok = false;

	count = scandir(opts->keys_dir, &list, pub_filter, alphasort);
	if (count < 0) {
		oe_err("--keys %s: %s", opts->keys_dir, strerror(errno));
		return false;
	}
	for (i = 0; i < count; i++) {
		size_t len = strlen(list[i]->d_name) - 4;

		memcpy(base, list[i]->d_name, len);
		base[len] = '\0';
		if ((size_t)snprintf(path, sizeof(path), "%s/%s",
		    opts->keys_dir, list[i]->d_name) >= sizeof(path)) {
			oe_err("--keys %s: path too long", opts->keys_dir);
			goto out;
		}
		if (!add_host(path, base, path, opts, zone, origin, recs, n))
			goto out;
	}
	ok = true;
out:
	for (i = 0; i < count; i++)
		free(list[i]);
	free(list);
	return ok;
}

bool
ipk_zone_collect_hosts(const struct ipk_zone_opts *opts,
    const ldns_zone *zone, const ldns_rdf *origin, struct ipk_record **recs,
    size_t *n_recs)
{
	struct ipk_record *r;
	char label[64 + NAME_MAX];
	size_t n = 0, i;

	*recs = NULL;
	*n_recs = 0;
	r = calloc(IPK_ZONE_MAX_HOSTS, sizeof(*r));
	if (r == NULL)
		return false;
	if (opts->keys_dir != NULL &&
	    !hosts_from_dir(opts, zone, origin, r, &n))
		goto fail;
	for (i = 0; i < opts->n_host_args; i++) {
		const char *arg = opts->host_args[i], *eq = strchr(arg, '=');
		char base[LDNS_MAX_DOMAINLEN + 2];

		snprintf(label, sizeof(label), "--host %.*s", NAME_MAX, arg);
		if (eq == NULL || eq == arg || eq[1] == '\0' ||
		    (size_t)(eq - arg) >= sizeof(base)) {
			oe_err("%s: expected NAME=PUBKEYFILE", label);
			goto fail;
		}
		memcpy(base, arg, (size_t)(eq - arg));
		base[eq - arg] = '\0';
		if (!add_host(label, base, eq + 1, opts, zone, origin, r, &n))
			goto fail;
	}
	if (n == 0) {
		oe_err("no hosts: give --keys DIR with <host>.pub files or "
		    "--host NAME=PUBKEYFILE");
		goto fail;
	}
	*recs = r;
	*n_recs = n;
	return true;
fail:
	free(r);
	return false;
}

struct ipseckey_owners {
	const struct ipk_record *recs;
	size_t n;
};

static bool
drop_old_ipseckey(const ldns_rr *rr, const void *arg)
{
	const struct ipseckey_owners *o = arg;
	char *owner;
	bool drop = false;
	size_t i;

	if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_IPSECKEY)
		return false;
	owner = ldns_rdf2str(ldns_rr_owner(rr));
	for (i = 0; owner != NULL && i < o->n && !drop; i++)
		drop = strcasecmp(owner, o->recs[i].name) == 0;
	free(owner);
	return drop;
}

bool
ipk_zone_set_ipseckeys(ldns_zone *zone, const struct ipk_record *recs,
    size_t n_recs)
{
	struct ipseckey_owners owners = { recs, n_recs };
	size_t i;

	if (!filter_rrs(zone, drop_old_ipseckey, &owners))
		return false;
	for (i = 0; i < n_recs; i++) {
		ldns_rr *rr = ipk_record_to_rr(&recs[i]);

		if (rr == NULL)
			return false;
		if (!ldns_zone_push_rr(zone, rr)) {
			ldns_rr_free(rr);
			return false;
		}
	}
	return true;
}

bool
ipk_serial_parse(const char *s, enum ipk_serial *out)
{
	static const char *const names[] = { "keep", "increment", "unixtime",
	    "datecounter" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = (enum ipk_serial)i;
			return true;
		}
	}
	return false;
}

/*
 * New serial, so secondaries and caches see the re-signed zone.  The
 * rdf is replaced here rather than by ldns_rr_soa_increment*(), which
 * in libldns 1.8.3 frees the old rdf without its data.
 */
static bool
bump_serial(ldns_zone *zone, enum ipk_serial how, time_t now)
{
	ldns_rr *soa = ldns_zone_soa(zone);
	ldns_rdf *old = ldns_rr_rdf(soa, 2), *new;
	void *when = (void *)(intptr_t)now;
	uint32_t serial;

	if (how == IPK_SERIAL_KEEP)
		return true;
	if (old == NULL || ldns_rdf_size(old) != 4)
		return false;
	serial = ldns_rdf2native_int32(old);
	/* ldns's helpers never go backwards: +1 when not newer. */
	switch (how) {
	case IPK_SERIAL_UNIXTIME:
		serial = ldns_soa_serial_unixtime(serial, when);
		break;
	case IPK_SERIAL_DATECOUNTER:
		serial = ldns_soa_serial_datecounter(serial, when);
		break;
	case IPK_SERIAL_INCREMENT:
	default:
		serial = ldns_soa_serial_increment(serial, NULL);
		break;
	}
	new = ldns_native2rdf_int32(LDNS_RDF_TYPE_INT32, serial);
	if (new == NULL)
		return false;
	old = ldns_rr_set_rdf(soa, new, 2);
	ldns_rdf_deep_free(old);
	return true;
}

/* --- signing keys ------------------------------------------------- */

static bool
key_load(const char *path, const char *role, ldns_key **out)
{
	ldns_status st;
	int line = 1;
	FILE *fp;

	*out = NULL;
	fp = fopen(path, "r");
	if (fp == NULL) {
		oe_err("--%s %s: %s", role, path, strerror(errno));
		return false;
	}
	st = ldns_key_new_frm_fp_l(out, fp, &line);
	fclose(fp);
	if (st != LDNS_STATUS_OK) {
		oe_err("%s:%d: not an ldns private key file: %s", path, line,
		    ldns_get_errorstr_by_id(st));
		*out = NULL;
		return false;
	}
	return true;
}

static bool
key_save(const char *priv_path, const ldns_key *k, const ldns_rr *dnskey)
{
	struct ipk_atomic af;
	char *pub_path = NULL, *text = NULL;
	bool ok = false;

	if (!ipk_atomic_open(&af, priv_path, 0600))
		return false;
	ldns_key_print(af.fp, k);
	if (!ipk_atomic_commit(&af))
		return false;
	text = ldns_rr2str(dnskey);
	if (text == NULL || asprintf(&pub_path, "%.*s.key",
	    (int)(strlen(priv_path) - strlen(".private")), priv_path) < 0) {
		pub_path = NULL;
		goto out;
	}
	ok = ipk_write_file(pub_path, text, 0644);
out:
	free(text);
	free(pub_path);
	return ok;
}

/*
 * Prepare a signing key: owner, flags, validity, key tag.  The role,
 * not the file, decides the flags, so any ldns private key can serve.
 */
static bool
key_prepare(ldns_key *k, const ldns_rdf *origin, bool ksk, time_t now,
    uint32_t valid, ldns_rr **dnskey)
{
	ldns_key_set_pubkey_owner(k, ldns_rdf_clone(origin));
	ldns_key_set_flags(k, LDNS_KEY_ZONE_KEY | (ksk ? LDNS_KEY_SEP_KEY : 0));
	/* An hour of slack for resolvers whose clocks run behind. */
	ldns_key_set_inception(k, (uint32_t)(now - 3600));
	ldns_key_set_expiration(k, (uint32_t)now + valid);
	*dnskey = ldns_key2rr(k);
	if (*dnskey == NULL)
		return false;
	ldns_key_set_keytag(k, ldns_calc_keytag(*dnskey));
	return true;
}

static bool
signing_key(const struct ipk_zone_opts *opts, const char *out_path,
    const ldns_rdf *origin, bool ksk, ldns_key **key, ldns_rr **dnskey)
{
	const char *given = ksk ? opts->ksk_path : opts->zsk_path;
	const char *role = ksk ? "ksk" : "zsk";
	char *path = NULL;
	struct stat st;
	time_t now = opts->now ? opts->now : time(NULL);
	bool ok = false, fresh = false;

	*key = NULL;
	*dnskey = NULL;
	if (given != NULL) {
		if (!key_load(given, role, key))
			return false;
	} else {
		/* Kept beside the output so a re-run keeps the same DS. */
		if (asprintf(&path, "%s.%s.private", out_path, role) < 0)
			return false;
		if (stat(path, &st) == 0) {
			if (!key_load(path, role, key))
				goto out;
		} else {
			*key = ldns_key_new_frm_algorithm(
			    LDNS_SIGN_ECDSAP256SHA256, 256);
			if (*key == NULL) {
				oe_err("cannot generate a %s", role);
				goto out;
			}
			fresh = true;
		}
	}
	if (!key_prepare(*key, origin, ksk, now, opts->valid, dnskey)) {
		oe_err("cannot use the %s", role);
		goto out;
	}
	if (fresh) {
		if (!key_save(path, *key, *dnskey))
			goto out;
		oe_info("%s: new %s (ECDSAP256SHA256, tag %u)", path, role,
		    ldns_key_keytag(*key));
	}
	ok = true;
out:
	if (!ok) {
		if (*key != NULL)
			ldns_key_deep_free(*key);
		ldns_rr_free(*dnskey);
		*key = NULL;
		*dnskey = NULL;
	}
	free(path);
	return ok;
}

/* --- signing ------------------------------------------------------ */

static ldns_dnssec_zone *
to_dnssec_zone(const ldns_zone *zone)
{
	ldns_dnssec_zone *dz = ldns_dnssec_zone_new();
	ldns_rr_list *rrs = ldns_zone_rrs(zone);
	ldns_rr *rr;
	size_t i;

	if (dz == NULL)
		return NULL;
	rr = ldns_rr_clone(ldns_zone_soa(zone));
	if (rr == NULL || ldns_dnssec_zone_add_rr(dz, rr) != LDNS_STATUS_OK)
		goto fail;
	for (i = 0; i < ldns_rr_list_rr_count(rrs); i++) {
		rr = ldns_rr_clone(ldns_rr_list_rr(rrs, i));
		if (rr == NULL || ldns_dnssec_zone_add_rr(dz, rr) !=
		    LDNS_STATUS_OK)
			goto fail;
	}
	return dz;
fail:
	ldns_rr_free(rr);
	ldns_dnssec_zone_deep_free(dz);
	return NULL;
}

static bool
sign_and_write(const struct ipk_zone_opts *opts, const char *out_path,
    ldns_dnssec_zone *dz, ldns_key_list *keys)
{
	ldns_rr_list *new_rrs = ldns_rr_list_new();
	struct ipk_atomic af;
	ldns_status st;
	bool ok = false;

	if (new_rrs == NULL)
		return false;
	ldns_dnssec_zone_mark_glue(dz);
	/* NSEC3: SHA-1, no opt-out, 0 iterations, no salt (RFC 9276). */
	if (opts->nsec3)
		st = ldns_dnssec_zone_sign_nsec3_flg(dz, new_rrs, keys,
		    ldns_dnssec_default_replace_signatures, NULL, 1, 0, 0, 0,
		    NULL, 0);
	else
		st = ldns_dnssec_zone_sign_flg(dz, new_rrs, keys,
		    ldns_dnssec_default_replace_signatures, NULL, 0);
	if (st != LDNS_STATUS_OK) {
		oe_err("signing failed: %s", ldns_get_errorstr_by_id(st));
		goto out;
	}
	if (!ipk_atomic_open(&af, out_path, 0644))
		goto out;
	ldns_dnssec_zone_print(af.fp, dz);
	ok = ipk_atomic_commit(&af);
out:
	/* The new records belong to the zone now; free only the list. */
	ldns_rr_list_free(new_rrs);
	return ok;
}

static bool
print_ds(const ldns_rr *ksk_dnskey)
{
	ldns_rr *ds = ldns_key_rr2ds(ksk_dnskey, LDNS_SHA256);

	if (ds == NULL)
		return false;
	ldns_rr_print(stdout, ds);
	fflush(stdout);
	ldns_rr_free(ds);
	return true;
}

bool
ipk_zone_run(const struct ipk_zone_opts *opts)
{
	ldns_zone *zone = NULL;
	ldns_rdf *origin = NULL;
	ldns_dnssec_zone *dz = NULL;
	ldns_key_list *keys = NULL;
	ldns_key *ksk = NULL, *zsk = NULL;
	ldns_rr *ksk_rr = NULL, *zsk_rr = NULL;
	struct ipk_record *recs = NULL;
	char *out_path = NULL;
	size_t n_recs = 0;
	bool ok = false;

	if (opts->out_path != NULL)
		out_path = strdup(opts->out_path);
	else if (asprintf(&out_path, "%s.signed", opts->in_path) < 0)
		out_path = NULL;
	if (out_path == NULL)
		return false;
	if (!ipk_zone_load(opts->in_path, opts->origin, &zone, &origin) ||
	    !ipk_zone_collect_hosts(opts, zone, origin, &recs, &n_recs))
		goto out;
	ipk_zone_strip_dnssec(zone);
	if (!ipk_zone_set_ipseckeys(zone, recs, n_recs))
		goto out;
	if (!bump_serial(zone, opts->serial, opts->now ? opts->now :
	    time(NULL))) {
		oe_err("%s: cannot change the SOA serial", opts->in_path);
		goto out;
	}
	if (!signing_key(opts, out_path, origin, true, &ksk, &ksk_rr) ||
	    !signing_key(opts, out_path, origin, false, &zsk, &zsk_rr))
		goto out;
	keys = ldns_key_list_new();
	if (keys == NULL || !ldns_key_list_push_key(keys, ksk))
		goto out;
	ksk = NULL;
	if (!ldns_key_list_push_key(keys, zsk))
		goto out;
	zsk = NULL;
	dz = to_dnssec_zone(zone);
	if (dz == NULL)
		goto out;
	if (ldns_dnssec_zone_add_rr(dz, ldns_rr_clone(ksk_rr)) !=
	    LDNS_STATUS_OK || ldns_dnssec_zone_add_rr(dz,
	    ldns_rr_clone(zsk_rr)) != LDNS_STATUS_OK)
		goto out;
	if (!sign_and_write(opts, out_path, dz, keys))
		goto out;
	oe_info("%s: signed with %s, %zu host record(s), valid %u s",
	    out_path, opts->nsec3 ? "NSEC3" : "NSEC", n_recs, opts->valid);
	ok = print_ds(ksk_rr);
out:
	if (ksk != NULL)
		ldns_key_deep_free(ksk);
	if (zsk != NULL)
		ldns_key_deep_free(zsk);
	if (keys != NULL)
		ldns_key_list_free(keys);
	ldns_rr_free(ksk_rr);
	ldns_rr_free(zsk_rr);
	if (dz != NULL)
		ldns_dnssec_zone_deep_free(dz);
	if (zone != NULL)
		ldns_zone_deep_free(zone);
	ldns_rdf_deep_free(origin);
	free(recs);
	free(out_path);
	return ok;
}
