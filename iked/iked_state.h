/*
 * The --state-file: a JSON view of the daemon's IKE SAs and Child SAs,
 * rewritten atomically (temporary file + rename) after every SA
 * change, so tests and operators can watch the daemon before the
 * control socket exists.  It never holds keys: only fingerprints
 * (first 8 bytes of SHA-256 of each direction's ESP keys), which let
 * two peers be checked for agreement.
 */
#ifndef OE_IKED_STATE_H
#define OE_IKED_STATE_H

#include <jansson.h>

struct iked;

/* The state as a new JSON object (caller json_decref()s it), or NULL. */
json_t	*iked_state_json(struct iked *d);
/* Write it to `path` atomically.  0 or -1 (logged). */
int	 iked_state_write(struct iked *d, const char *path);

#endif /* OE_IKED_STATE_H */
