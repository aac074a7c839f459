/*
 * A small validator for doc/control-schema.json (the JSON Schema
 * subset it uses: type, properties, required, additionalProperties,
 * items, enum, minimum, maximum, pattern, $ref "#/definitions/NAME"),
 * for the control tests and the host tests' checker mode.
 */
#ifndef OE_TEST_CONTROL_SCHEMA_H
#define OE_TEST_CONTROL_SCHEMA_H

#include <stddef.h>
#include <jansson.h>

/* Load the schema file (NULL: $OE_CONTROL_SCHEMA or OE_DOC_DIR's). */
json_t	*schema_load(const char *path);

/*
 * Validate `v` against `schema`, a node of the loaded document `root`.
 * 0 if valid; -1 with "PATH: what" in err otherwise.
 */
int	 schema_validate(json_t *root, json_t *schema,
	    json_t *v, char *err, size_t errlen);

/*
 * A whole reply line to `command`: the envelope (reply_ok or
 * reply_error) and, for success, results.COMMAND if the document
 * describes it.  0 valid, -1 (err says why).
 */
int	 schema_check_reply(json_t *root, const char *command,
	    json_t *reply, char *err, size_t errlen);
/* An event line: the envelope and events.TYPE if described. */
int	 schema_check_event(json_t *root, json_t *ev, char *err,
	    size_t errlen);

#endif
