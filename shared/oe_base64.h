/*
 * Strict base64 (RFC 4648, standard alphabet, with padding) for the
 * IPSECKEY key field in presentation form and in the trigger protocol.
 * (ldns 1.8 no longer declares its base64 functions; the module does
 * not link NSS.)
 */
#ifndef OE_BASE64_H
#define OE_BASE64_H

#include <stddef.h>
#include <stdint.h>

/* Text length for n octets, without the NUL. */
#define OE_BASE64_LEN(n)	(4 * (((n) + 2) / 3))

/*
 * Encode; writes OE_BASE64_LEN(len) characters and a NUL.  Returns the
 * text length, or -1 if buflen is too small.
 */
int	oe_base64_encode(const uint8_t *data, size_t len, char *buf,
	    size_t buflen);
/*
 * Decode exactly `len` characters: no whitespace, length a multiple of
 * 4, '=' only as final padding, unused bits of the last symbol zero
 * (so every byte string has one encoding).  Returns the number of
 * octets, or -1 (bad input or buflen too small).
 */
int	oe_base64_decode(const char *text, size_t len, uint8_t *buf,
	    size_t buflen);

#endif /* OE_BASE64_H */
