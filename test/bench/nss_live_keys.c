/*
 * nss_live_keys: how the cost of one NSS symmetric operation grows with
 * the number of symmetric key objects alive in the process.  oe-iked
 * keeps several PK11SymKeys per IKE SA (SK_d, SK_a/e, SK_p both ways),
 * so with thousands of SAs every PRF or SK operation pays this.
 *
 * usage: nss_live_keys [LIVE_KEYS...]   (default 1 1000 10000 30000)
 * For each count: that many HMAC-SHA256 keys are derived and kept, then
 * 2000 HMACs (context created, one 4-byte update, final, context
 * destroyed, as crypto_prf does) are timed on CPU time.
 * Output: one line per count: live_keys=N us_per_hmac=F rss_per_key=B
 * (rss_per_key: growth of VmRSS while the keys were made, per key)
 * Bounds: at most 100000 live keys; each count's timing loop is 2000
 * operations or 20 s of CPU, whichever comes first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nss.h>
#include <pk11pub.h>

#define OPS		2000
#define MAX_LIVE	100000
#define CPU_LIMIT	20.0

/* VmRSS of this process in KiB, or -1. */
static long
rss_kib(void)
{
	char line[256];
	long kib = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "VmRSS:", 6) == 0) {
			kib = strtol(line + 6, NULL, 10);
			break;
		}
	fclose(f);
	return kib;
}

static double
cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One HMAC over 4 bytes with key; 0 or -1. */
static int
one_hmac(PK11SymKey *key)
{
	static const unsigned char data[4] = { 0, 0, 0, 1 };
	unsigned char out[32];
	unsigned int outlen = 0;
	SECItem noparam = { siBuffer, NULL, 0 };
	PK11Context *ctx;
	int r = -1;

	ctx = PK11_CreateContextBySymKey(CKM_SHA256_HMAC, CKA_SIGN, key,
	    &noparam);
	if (ctx == NULL)
		return -1;
	if (PK11_DigestBegin(ctx) == SECSuccess &&
	    PK11_DigestOp(ctx, data, sizeof(data)) == SECSuccess &&
	    PK11_DigestFinal(ctx, out, &outlen, sizeof(out)) == SECSuccess)
		r = 0;
	PK11_DestroyContext(ctx, PR_TRUE);
	return r;
}

/* Time OPS HMACs with `live` other keys alive; <0 on failure. */
static double
measure(PK11SlotInfo *slot, PK11SymKey *base, long live, double *per_key)
{
	unsigned char salt[32];
	SECItem param = { siBuffer, salt, sizeof(salt) };
	PK11SymKey **keep;
	double t0, us = -1;
	long i, n, rss0;

	/* At least the one key the HMACs use. */
	if (live < 1)
		live = 1;
	keep = calloc((size_t)live, sizeof(*keep));
	if (keep == NULL)
		return -1;
	(void)slot;
	rss0 = rss_kib();
	for (i = 0; i < live; i++) {
		memset(salt, 0, sizeof(salt));
		memcpy(salt, &i, sizeof(i));
		keep[i] = PK11_Derive(base, CKM_CONCATENATE_BASE_AND_DATA,
		    &param, CKM_SHA256_HMAC, CKA_SIGN, 32);
		if (keep[i] == NULL)
			goto out;
	}
	*per_key = (double)(rss_kib() - rss0) * 1024.0 / (double)live;
	t0 = cpu_now();
	for (n = 0; n < OPS && cpu_now() - t0 < CPU_LIMIT; n++)
		if (one_hmac(keep[n % live]) < 0)
			goto out;
	us = (cpu_now() - t0) / (double)n * 1e6;
out:
	for (i = 0; i < live; i++)
		if (keep[i] != NULL)
			PK11_FreeSymKey(keep[i]);
	free(keep);
	return us;
}

int
main(int argc, char **argv)
{
	static const long defaults[] = { 1, 1000, 10000, 30000 };
	unsigned char raw[32];
	SECItem item = { siBuffer, raw, sizeof(raw) };
	PK11SlotInfo *slot = NULL;
	PK11SymKey *base = NULL;
	long live;
	double us, per_key = 0;
	int i, n, rc = 1;

	if (NSS_NoDB_Init(NULL) != SECSuccess) {
		fprintf(stderr, "nss_live_keys: NSS_NoDB_Init failed\n");
		return 1;
	}
	slot = PK11_GetInternalSlot();
	memset(raw, 0x5a, sizeof(raw));
	if (slot != NULL)
		base = PK11_ImportSymKey(slot, CKM_SHA256_HMAC,
		    PK11_OriginUnwrap, CKA_DERIVE, &item, NULL);
	if (base == NULL)
		goto out;
	n = argc > 1 ? argc - 1 : (int)(sizeof(defaults) / sizeof(defaults[0]));
	for (i = 0; i < n; i++) {
		live = argc > 1 ? strtol(argv[i + 1], NULL, 10) : defaults[i];
		if (live < 0 || live > MAX_LIVE) {
			fprintf(stderr, "nss_live_keys: 0..%d live keys\n",
			    MAX_LIVE);
			goto out;
		}
		us = measure(slot, base, live, &per_key);
		if (us < 0) {
			fprintf(stderr, "nss_live_keys: NSS failed at %ld keys\n",
			    live);
			goto out;
		}
		/* Below 100 keys the growth is page noise, not a figure. */
		if (live >= 100)
			printf("live_keys=%ld us_per_hmac=%.1f rss_per_key=%.0f\n",
			    live, us, per_key);
		else
			printf("live_keys=%ld us_per_hmac=%.1f rss_per_key=-\n",
			    live, us);
		fflush(stdout);
	}
	rc = 0;
out:
	if (base != NULL)
		PK11_FreeSymKey(base);
	if (slot != NULL)
		PK11_FreeSlot(slot);
	(void)NSS_Shutdown();
	return rc;
}
