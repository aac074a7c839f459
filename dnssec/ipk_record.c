/*
 * IPSECKEY key field encodings and the record's text/JSON forms.  The
 * RDATA wire form is produced by libldns from the presentation form,
 * so the record we print and the record we send are parsed by the same
 * (independent) codec.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "oe_ipseckey.h"
#include "oe_log.h"
#include "ipk_record.h"
#include "ipk_util.h"

bool
ipk_rsa_rfc3110(const uint8_t *exp, size_t exp_len, const uint8_t *mod,
    size_t mod_len, struct ipk_pubkey *out)
{
	char err[128];
	int n;

	memset(out, 0, sizeof(*out));
	n = oe_rsa_key_to_rfc3110(out->key, sizeof(out->key), mod, mod_len,
	    exp, exp_len, err, sizeof(err));
	if (n < 0) {
		oe_err("RSA key: %s", err);
		return false;
	}
	out->algorithm = IPK_ALG_RSA;
	out->key_len = (size_t)n;
	return true;
}

bool
ipk_ecdsa_point(const uint8_t *point, size_t len, struct ipk_pubkey *out)
{
	/* Uncompressed point only; P-256 (65) or P-384 (97) octets. */
	if ((len != 65 && len != 97) || point[0] != 0x04)
		return false;
	memset(out, 0, sizeof(*out));
	out->algorithm = IPK_ALG_ECDSA;
	memcpy(out->key, point + 1, len - 1);
	out->key_len = len - 1;
	return true;
}

static void
to_oe_key(const struct ipk_pubkey *key, struct oe_ipseckey *k)
{
	memset(k, 0, sizeof(*k));
	k->algorithm = key->algorithm;
	k->alg_known = key->algorithm == IPK_ALG_RSA ||
	    key->algorithm == IPK_ALG_ECDSA;
	k->key_len = key->key_len;
	memcpy(k->key, key->key, key->key_len);
}

bool
ipk_pubkey_check(const struct ipk_pubkey *key, char *err, size_t errlen)
{
	struct oe_ipseckey k;
	struct oe_rsa_pub rsa;

	if (key->algorithm != IPK_ALG_RSA && key->algorithm != IPK_ALG_ECDSA) {
		snprintf(err, errlen, "unsupported algorithm %u (only 2 RSA "
		    "and 3 ECDSA)", key->algorithm);
		return false;
	}
	if (key->key_len > sizeof(k.key)) {
		snprintf(err, errlen, "key field too long");
		return false;
	}
	to_oe_key(key, &k);
	if (oe_ipseckey_key_check(&k, err, errlen) != 0)
		return false;
	/* Publishing policy, stricter than what a peer may accept. */
	if (key->algorithm == IPK_ALG_RSA &&
	    (oe_rsa_key_from_rfc3110(&rsa, key->key, key->key_len, NULL, 0) != 0
	    || rsa.bits < 2048)) {
		snprintf(err, errlen, "RSA key: modulus shorter than 2048 "
		    "bits");
		return false;
	}
	return true;
}

unsigned
ipk_pubkey_bits(const struct ipk_pubkey *key)
{
	struct oe_rsa_pub rsa;

	if (key->algorithm == IPK_ALG_ECDSA)
		return (unsigned)(key->key_len * 4);
	if (key->algorithm == IPK_ALG_RSA &&
	    oe_rsa_key_from_rfc3110(&rsa, key->key, key->key_len, NULL, 0) == 0)
		return rsa.bits;
	return 0;
}

bool
ipk_name_normalize(const char *in, char *out, size_t outlen,
    const char **why)
{
	ldns_rdf *rdf = NULL;
	char *text = NULL;
	bool ok = false;
	size_t len;

	if (in == NULL || in[0] == '\0') {
		*why = "empty name";
		return false;
	}
	if (ldns_str2rdf_dname(&rdf, in) != LDNS_STATUS_OK || rdf == NULL) {
		*why = "not a valid domain name";
		goto out;
	}
	if (ldns_rdf_size(rdf) > LDNS_MAX_DOMAINLEN) {
		*why = "name longer than 255 octets";
		goto out;
	}
	text = ldns_rdf2str(rdf);
	if (text == NULL || (len = strlen(text)) + 1 > outlen) {
		*why = "name too long";
		goto out;
	}
	memcpy(out, text, len + 1);
	ok = true;
out:
	ldns_rdf_deep_free(rdf);
	free(text);
	return ok;
}

bool
ipk_gateway_parse(const char *in, struct ipk_record *rec, const char **why)
{
	uint8_t buf[16];

	if (in == NULL || in[0] == '\0' || strcmp(in, ".") == 0) {
		rec->gateway_type = IPK_GW_NONE;
		rec->gateway[0] = '\0';
		return true;
	}
	if (inet_pton(AF_INET, in, buf) == 1) {
		rec->gateway_type = IPK_GW_IPV4;
		inet_ntop(AF_INET, buf, rec->gateway, sizeof(rec->gateway));
		return true;
	}
	if (inet_pton(AF_INET6, in, buf) == 1) {
		rec->gateway_type = IPK_GW_IPV6;
		inet_ntop(AF_INET6, buf, rec->gateway, sizeof(rec->gateway));
		return true;
	}
	/* A gateway name must look like one, not a mistyped address. */
	if (strspn(in, "0123456789.") == strlen(in) || strchr(in, ':')) {
		*why = "gateway is neither an IPv4/IPv6 address nor a name";
		return false;
	}
	if (!ipk_name_normalize(in, rec->gateway, sizeof(rec->gateway), why))
		return false;
	rec->gateway_type = IPK_GW_NAME;
	return true;
}

char *
ipk_pubkey_to_0s(const struct ipk_pubkey *key)
{
	char *b64 = ipk_b64_encode(key->key, key->key_len), *s = NULL;

	if (b64 != NULL && asprintf(&s, "0s%s", b64) < 0)
		s = NULL;
	free(b64);
	return s;
}

/* RDATA in presentation form, through the project's IPSECKEY codec. */
static char *
rdata_text(const struct ipk_record *rec)
{
	struct oe_ipseckey k;
	char err[160], *buf;

	if (rec->key.key_len > sizeof(k.key))
		return NULL;
	to_oe_key(&rec->key, &k);
	k.precedence = rec->precedence;
	if (oe_ipseckey_gateway_from_text(&k, rec->gateway_type,
	    rec->gateway_type == IPK_GW_NONE ? NULL : rec->gateway, err,
	    sizeof(err)) != 0) {
		oe_err("%s: gateway %s: %s", rec->name, rec->gateway, err);
		return NULL;
	}
	buf = malloc(OE_IPSECKEY_TEXT_MAX);
	if (buf == NULL)
		return NULL;
	if (oe_ipseckey_to_text(&k, buf, OE_IPSECKEY_TEXT_MAX, err,
	    sizeof(err)) < 0) {
		oe_err("%s: cannot encode IPSECKEY: %s", rec->name, err);
		free(buf);
		return NULL;
	}
	return buf;
}

char *
ipk_record_to_text(const struct ipk_record *rec)
{
	char *rdata = rdata_text(rec), *s = NULL;

	if (rdata == NULL)
		return NULL;
	if (asprintf(&s, "%s\t%u\tIN\tIPSECKEY\t%s", rec->name, rec->ttl,
	    rdata) < 0)
		s = NULL;
	free(rdata);
	return s;
}

ldns_rr *
ipk_record_to_rr(const struct ipk_record *rec)
{
	ldns_rr *rr = NULL;
	ldns_status st;
	char *text = ipk_record_to_text(rec);

	if (text == NULL)
		return NULL;
	st = ldns_rr_new_frm_str(&rr, text, 0, NULL, NULL);
	if (st != LDNS_STATUS_OK) {
		oe_err("cannot build IPSECKEY record \"%s\": %s", text,
		    ldns_get_errorstr_by_id(st));
		rr = NULL;
	}
	free(text);
	return rr;
}

char *
ipk_record_to_json(const struct ipk_record *rec, const char *ckaid_hex)
{
	char *b64 = ipk_b64_encode(rec->key.key, rec->key.key_len);
	char *text = ipk_record_to_text(rec), *out = NULL;
	json_t *o = NULL;

	if (b64 == NULL || text == NULL)
		goto out;
	/* Field names follow the trigger protocol's "records" objects. */
	o = json_pack("{s:s, s:I, s:s, s:s, s:i, s:i, s:o, s:i, s:s, s:i, s:s}",
	    "name", rec->name, "ttl", (json_int_t)rec->ttl,
	    "class", "IN", "type", "IPSECKEY",
	    "precedence", rec->precedence, "gateway_type", rec->gateway_type,
	    "gateway", rec->gateway_type == IPK_GW_NONE ? json_null() :
	    json_string(rec->gateway),
	    "algorithm", rec->key.algorithm, "key", b64,
	    "key_bits", (int)ipk_pubkey_bits(&rec->key), "record", text);
	if (o == NULL)
		goto out;
	if (ckaid_hex != NULL &&
	    json_object_set_new(o, "ckaid", json_string(ckaid_hex)) != 0)
		goto out;
	out = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
out:
	json_decref(o);
	free(b64);
	free(text);
	return out;
}

char *
ipk_pubfile_format(const struct ipk_pubkey *key, const char *comment)
{
	char *b64 = ipk_b64_encode(key->key, key->key_len), *s = NULL;

	if (b64 == NULL)
		return NULL;
	if (asprintf(&s, "# oe-ipseckey public key%s%s\nalgorithm %u\nkey %s\n",
	    comment ? ": " : "", comment ? comment : "", key->algorithm,
	    b64) < 0)
		s = NULL;
	free(b64);
	return s;
}

static bool
pubfile_line(const char *label, unsigned lineno, char *line,
    struct ipk_record *rec, bool *have_alg, bool *have_key)
{
	const char *why = NULL;
	char *word, *arg;
	uint64_t v;
	uint8_t *raw;
	size_t raw_len = 0;

	word = ipk_trim(line);
	if (word[0] == '\0' || word[0] == '#')
		return true;
	arg = word + strcspn(word, " \t");
	if (*arg != '\0')
		*arg++ = '\0';
	arg = ipk_trim(arg);
	if (arg[0] == '\0') {
		oe_err("%s:%u: \"%s\" needs a value", label, lineno, word);
		return false;
	}
	if (strcmp(word, "algorithm") == 0) {
		if (*have_alg || !ipk_parse_uint(arg, 2, 3, &v)) {
			oe_err("%s:%u: algorithm must appear once and be 2 "
			    "(RSA) or 3 (ECDSA), got \"%s\"", label, lineno, arg);
			return false;
		}
		rec->key.algorithm = (uint8_t)v;
		*have_alg = true;
	} else if (strcmp(word, "key") == 0) {
		raw = *have_key ? NULL : ipk_b64_decode(arg, &raw_len);
		if (raw == NULL || raw_len > sizeof(rec->key.key)) {
			oe_err("%s:%u: key must appear once as base64 of at "
			    "most %u octets", label, lineno, IPK_KEY_MAX);
			free(raw);
			return false;
		}
		memcpy(rec->key.key, raw, raw_len);
		rec->key.key_len = raw_len;
		free(raw);
		*have_key = true;
	} else if (strcmp(word, "gateway") == 0) {
		if (!ipk_gateway_parse(arg, rec, &why)) {
			oe_err("%s:%u: gateway \"%s\": %s", label, lineno, arg,
			    why);
			return false;
		}
	} else if (strcmp(word, "precedence") == 0) {
		if (!ipk_parse_uint(arg, 0, 255, &v)) {
			oe_err("%s:%u: precedence must be 0..255, got \"%s\"",
			    label, lineno, arg);
			return false;
		}
		rec->precedence = (uint8_t)v;
	} else {
		oe_err("%s:%u: unknown keyword \"%s\"", label, lineno, word);
		return false;
	}
	return true;
}

bool
ipk_pubfile_parse_buf(const char *label, const char *buf,
    struct ipk_record *rec)
{
	bool have_alg = false, have_key = false, ok = false;
	char why[160];
	char *copy, *line, *next;
	unsigned lineno = 0;

	copy = strdup(buf);
	if (copy == NULL)
		return false;
	rec->precedence = 10;
	rec->gateway_type = IPK_GW_NONE;
	rec->gateway[0] = '\0';
	for (line = copy; line != NULL; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		lineno++;
		if (!pubfile_line(label, lineno, line, rec, &have_alg,
		    &have_key))
			goto out;
	}
	if (!have_alg || !have_key) {
		oe_err("%s:%u: missing \"%s\" line", label, lineno,
		    have_alg ? "key" : "algorithm");
		goto out;
	}
	if (!ipk_pubkey_check(&rec->key, why, sizeof(why))) {
		oe_err("%s: %s", label, why);
		goto out;
	}
	ok = true;
out:
	free(copy);
	return ok;
}

bool
ipk_pubfile_parse(const char *path, struct ipk_record *rec)
{
	char buf[8192];
	size_t n;
	FILE *fp;
	bool ok;

	fp = fopen(path, "r");
	if (fp == NULL) {
		oe_err("%s: %s", path, strerror(errno));
		return false;
	}
	n = fread(buf, 1, sizeof(buf), fp);
	if (ferror(fp) || n == sizeof(buf) || memchr(buf, '\0', n) != NULL) {
		oe_err("%s: unreadable, too large (max %zu octets) or binary",
		    path, sizeof(buf) - 1);
		fclose(fp);
		return false;
	}
	fclose(fp);
	buf[n] = '\0';
	ok = ipk_pubfile_parse_buf(path, buf, rec);
	return ok;
}
