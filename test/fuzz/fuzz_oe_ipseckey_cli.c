/*
 * libFuzzer target for the text files oe-ipseckey reads from others:
 * TSIG key files (dnssec/ipk_tsig.c, BIND, Knot and one-line forms)
 * and public key exchange files "<host>.pub" (dnssec/ipk_record.c).
 * Every input is tried as both.
 *
 * Properties checked:
 *  - the file entry points (ipk_tsig_parse_file, ipk_pubfile_parse)
 *    agree with the buffer ones on the same text (through a memfd);
 *  - a parsed TSIG key has an absolute name, a known algorithm in
 *    ldns form and a base64 secret of 16+ octets, and written back as a
 *    BIND key clause (or the one-line form when the name does not fit
 *    a quoted string) parses to the same key;
 *  - a parsed pub file re-emitted by ipk_pubfile_format() plus its
 *    gateway and precedence lines parses to the same record, and the
 *    IPSECKEY record built from it through libldns decodes with the
 *    shared codec (shared/oe_ipseckey.c) to the same key, algorithm,
 *    precedence and gateway type: what the tool publishes is what the
 *    daemon reads.
 *
 * Built by test/fuzz/run (test/Makefile.am: fuzz/fuzz_oe_ipseckey_cli).
 */
#include "config.h"

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <syslog.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "oe_log.h"
#include "oe_ipseckey.h"
#include "ipk_record.h"
#include "ipk_tsig.h"
#include "ipk_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Above both file readers' limits (4096 and 8192 octets). */
#define INPUT_MAX	10000

static int memfd = -1;
static char memfd_path[64];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* Parse errors are expected by the million; keep stderr for crashes. */
	oe_log_set_priority(LOG_CRIT);
	memfd = memfd_create("fuzz-ipk", MFD_CLOEXEC);
	if (memfd >= 0)
		snprintf(memfd_path, sizeof(memfd_path), "/proc/self/fd/%d",
		    memfd);
	return 0;
}

/* The input as the only content of the memfd; false if unavailable. */
static bool
memfd_set(const uint8_t *data, size_t size)
{
	if (memfd < 0 || ftruncate(memfd, 0) != 0 ||
	    pwrite(memfd, data, size, 0) != (ssize_t)size)
		return false;
	return true;
}

static bool
tsig_eq(const struct ipk_tsig *a, const struct ipk_tsig *b)
{
	return strcmp(a->name, b->name) == 0 &&
	    strcmp(a->algorithm, b->algorithm) == 0 &&
	    strcmp(a->secret, b->secret) == 0;
}

static void
check_tsig(const struct ipk_tsig *t)
{
	static struct ipk_tsig t2;
	static char text[2048];
	uint8_t *raw;
	size_t len = 0, nlen = strlen(t->name);
	int n;

	if (nlen == 0 || t->name[nlen - 1] != '.' ||
	    strncmp(t->algorithm, "hmac-", 5) != 0 ||
	    t->algorithm[strlen(t->algorithm) - 1] != '.')
		abort();
	if ((raw = ipk_b64_decode(t->secret, &len)) == NULL || len < 16)
		abort();
	free(raw);
	if (strpbrk(t->name, "\" \t\n;{}#") == NULL &&
	    strpbrk(t->secret, "\"\n") == NULL)
		n = snprintf(text, sizeof(text), "key \"%s\" {\n\talgorithm %s;\n"
		    "\tsecret \"%s\";\n};\n", t->name, t->algorithm, t->secret);
	else if (strchr(t->name, ':') == NULL && strpbrk(t->secret, ":\n") ==
	    NULL)
		n = snprintf(text, sizeof(text), "%s:%s:%s\n", t->algorithm,
		    t->name, t->secret);
	else
		return;
	if (n < 0 || (size_t)n >= sizeof(text))
		abort();
	if (!ipk_tsig_parse_buf("re-emitted", text, &t2)) {
		fprintf(stderr, "re-emitted TSIG key refused:\n%s", text);
		abort();
	}
	if (!tsig_eq(t, &t2))
		abort();
	ipk_tsig_clear(&t2);
}

static void
check_tsig_input(const uint8_t *data, size_t size, const char *text)
{
	static struct ipk_tsig t, tf;
	bool ok, okf;

	ok = ipk_tsig_parse_buf("fuzz", text, &t);
	if (ok)
		check_tsig(&t);
	/* The file reader refuses NULs and files of 4096+ octets. */
	if (size < 4096 && memchr(data, '\0', size) == NULL &&
	    memfd_set(data, size)) {
		okf = ipk_tsig_parse_file(memfd_path, &tf);
		if (okf != ok || (ok && !tsig_eq(&t, &tf)))
			abort();
	}
	ipk_tsig_clear(&t);
	ipk_tsig_clear(&tf);
}

/* The RDATA libldns builds for rec, decoded by the shared codec. */
static void
check_rr(const struct ipk_record *rec)
{
	static struct oe_ipseckey k;
	ldns_buffer *buf = NULL;
	char err[256];
	ldns_rr *rr;

	if ((rr = ipk_record_to_rr(rec)) == NULL) {
		fprintf(stderr, "accepted pub file gives no IPSECKEY record "
		    "(gateway \"%s\")\n", rec->gateway);
		abort();
	}
	if ((buf = ldns_buffer_new(4096)) == NULL)
		goto out;
	if (ldns_rr_rdata2buffer_wire(buf, rr) != LDNS_STATUS_OK)
		abort();
	if (oe_ipseckey_parse_wire(&k, ldns_buffer_begin(buf),
	    ldns_buffer_position(buf), err, sizeof(err)) != 0) {
		fprintf(stderr, "published RDATA refused by the daemon's "
		    "codec: %s\n", err);
		abort();
	}
	if (k.algorithm != rec->key.algorithm ||
	    k.precedence != rec->precedence ||
	    k.gateway_type != rec->gateway_type ||
	    k.key_len != rec->key.key_len ||
	    memcmp(k.key, rec->key.key, k.key_len) != 0)
		abort();
	if (oe_ipseckey_key_check(&k, err, sizeof(err)) != 0) {
		fprintf(stderr, "published key refused by the daemon's codec: "
		    "%s\n", err);
		abort();
	}
out:
	ldns_buffer_free(buf);
	ldns_rr_free(rr);
}

static bool
record_eq(const struct ipk_record *a, const struct ipk_record *b)
{
	return a->precedence == b->precedence &&
	    a->gateway_type == b->gateway_type &&
	    strcmp(a->gateway, b->gateway) == 0 &&
	    a->key.algorithm == b->key.algorithm &&
	    a->key.key_len == b->key.key_len &&
	    memcmp(a->key.key, b->key.key, a->key.key_len) == 0;
}

static void
check_pub(struct ipk_record *rec)
{
	static struct ipk_record r2;
	char *s, *text = NULL;

	if (rec->key.key_len == 0 || rec->key.key_len > IPK_KEY_MAX ||
	    (rec->key.algorithm != IPK_ALG_RSA &&
	    rec->key.algorithm != IPK_ALG_ECDSA) ||
	    (rec->gateway_type == IPK_GW_NONE) != (rec->gateway[0] == '\0'))
		abort();
	if ((s = ipk_pubfile_format(&rec->key, "fuzz")) == NULL)
		return;
	if (asprintf(&text, "%sprecedence %u\n%s%s%s", s, rec->precedence,
	    rec->gateway_type != IPK_GW_NONE ? "gateway " : "",
	    rec->gateway, rec->gateway_type != IPK_GW_NONE ? "\n" : "") < 0)
		text = NULL;
	free(s);
	if (text == NULL)
		return;
	memset(&r2, 0, sizeof(r2));
	if (!ipk_pubfile_parse_buf("re-emitted", text, &r2) ||
	    !record_eq(rec, &r2)) {
		fprintf(stderr, "re-emitted pub file differs:\n%s", text);
		abort();
	}
	free(text);
	snprintf(rec->name, sizeof(rec->name), "host.oe.test.");
	rec->ttl = 300;
	check_rr(rec);
}

static void
check_pub_input(const uint8_t *data, size_t size, const char *text)
{
	static struct ipk_record rec, recf;
	bool ok, okf;

	memset(&rec, 0, sizeof(rec));
	ok = ipk_pubfile_parse_buf("fuzz", text, &rec);
	if (size < 8192 && memchr(data, '\0', size) == NULL &&
	    memfd_set(data, size)) {
		memset(&recf, 0, sizeof(recf));
		okf = ipk_pubfile_parse(memfd_path, &recf);
		if (okf != ok || (ok && !record_eq(&rec, &recf)))
			abort();
	}
	if (ok)
		check_pub(&rec);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char text[INPUT_MAX + 1];

	if (size > INPUT_MAX)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	check_tsig_input(data, size, text);
	check_pub_input(data, size, text);
	return 0;
}
