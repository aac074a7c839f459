/*
 * TSIG key files for `oe-ipseckey update`.  Three forms are accepted:
 *   - BIND (tsig-keygen / nsupdate -k):
 *	key "name" { algorithm hmac-sha256; secret "base64"; };
 *   - Knot (keymgr -t):  key:\n  - id: name\n    algorithm: ...\n    secret: ...
 *   - one line, as dig -y:  [algorithm:]name:base64
 */
#ifndef IPK_TSIG_H
#define IPK_TSIG_H

#include <stdbool.h>
#include <stddef.h>

#define IPK_TSIG_SECRET_MAX	512	/* base64 characters */

struct ipk_tsig {
	char	name[256];		/* absolute, with trailing dot */
	char	algorithm[32];		/* ldns form, e.g. "hmac-sha256." */
	char	secret[IPK_TSIG_SECRET_MAX + 1];	/* base64 */
};

/* Errors are logged as "label:line: reason". */
bool ipk_tsig_parse_buf(const char *label, const char *buf,
    struct ipk_tsig *out);
bool ipk_tsig_parse_file(const char *path, struct ipk_tsig *out);
/* Zero the secret. */
void ipk_tsig_clear(struct ipk_tsig *t);

#endif /* IPK_TSIG_H */
