/*
 * Small helpers for oe-ipseckey: strict number and duration parsing,
 * and whole-file writes that never leave a half-written file behind.
 */
#ifndef IPK_UTIL_H
#define IPK_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Decimal unsigned integer in [min, max]; no sign, no trailing junk. */
bool ipk_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/*
 * Duration "N", "Ns", "Nm", "Nh", "Nd" or "Nw" in seconds, 1s..10 years
 * (a signature validity beyond that is a typo, not a plan).
 */
bool ipk_parse_duration(const char *s, uint32_t *out);

/*
 * Atomic file replacement.  ipk_atomic_open() makes a temporary file
 * beside `path` with mode `mode`; the caller writes to af->fp and then
 * calls ipk_atomic_commit() (fsync + rename over `path`) or
 * ipk_atomic_abort() (unlink).  Exactly one of the two must be called.
 */
struct ipk_atomic {
	FILE	*fp;
	char	*tmp_path;	/* owned */
	char	*path;		/* owned */
};

bool ipk_atomic_open(struct ipk_atomic *af, const char *path, unsigned mode);
bool ipk_atomic_commit(struct ipk_atomic *af);
void ipk_atomic_abort(struct ipk_atomic *af);

/* Write a whole string to `path` atomically. */
bool ipk_write_file(const char *path, const char *content, unsigned mode);

/* Lower-case hex of `len` bytes into a new string (caller frees). */
char *ipk_hex(const uint8_t *buf, size_t len);

/* Base64 (RFC 4648, with padding) of `len` bytes; caller frees. */
char *ipk_b64_encode(const uint8_t *buf, size_t len);
/*
 * Strict base64 decode (whitespace not allowed); returns a malloc'd
 * buffer and its length, or NULL on bad input or an empty result.
 */
uint8_t *ipk_b64_decode(const char *s, size_t *len_out);

/* Strip leading/trailing blanks in place; returns the start. */
char *ipk_trim(char *s);

#endif /* IPK_UTIL_H */
