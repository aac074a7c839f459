/*
 * Cross-key checks on a resolved conn, run by the parser after also=
 * and %default are applied (internal to the configuration code).
 */
#ifndef IKED_CONF_VALIDATE_H
#define IKED_CONF_VALIDATE_H

#include "conf.h"
#include "conf_options.h"

/* Where a key's value came from; file NULL: the built-in default. */
struct conf_origin {
	const char	*file;
	unsigned	 line;
};

/*
 * Fill in derived values (each end's auth from authby), then check the
 * conn.  Errors fail the load; a conn needing a feature that is not
 * built yet gets disabled=true, its reason, and a warning.
 * `origin` has conf_noptions entries, indexed like conf_options[].
 */
void	 conf_validate_conn(struct conf_conn *c, const struct conf_conn *defaults,
	    const struct conf_origin *origin, struct conf_msgs *msgs);

#endif /* IKED_CONF_VALIDATE_H */
