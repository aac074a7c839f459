/*
 * Validator for the JSON Schema subset of doc/control-schema.json
 * (see control_schema.h).  Unknown schema keywords are an error, so a
 * schema that asks for more than this checks cannot pass silently.
 */
#include "config.h"

#include <regex.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control_schema.h"

#ifndef OE_DOC_DIR
#define OE_DOC_DIR "doc"
#endif

#define MAX_DEPTH	64

json_t *
schema_load(const char *path)
{
	json_error_t jerr;
	json_t *root;

	if (path == NULL)
		path = getenv("OE_CONTROL_SCHEMA");
	if (path == NULL)
		path = OE_DOC_DIR "/control-schema.json";
	root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL)
		fprintf(stderr, "schema %s: %s (line %d)\n", path, jerr.text,
		    jerr.line);
	return root;
}

static const char *
type_of(json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:	return "object";
	case JSON_ARRAY:	return "array";
	case JSON_STRING:	return "string";
	case JSON_INTEGER:	return "integer";
	case JSON_REAL:		return "number";
	case JSON_TRUE:
	case JSON_FALSE:	return "boolean";
	case JSON_NULL:		return "null";
	}
	return "?";
}

static bool
type_matches(const char *want, json_t *v)
{
	const char *have = type_of(v);

	if (strcmp(want, have) == 0)
		return true;
	return strcmp(want, "number") == 0 && json_is_integer(v);
}

static int fail(char *err, size_t errlen, const char *path, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));

static int
fail(char *err, size_t errlen, const char *path, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(err, errlen, "%s: %s", path[0] ? path : "(top)", what);
	return -1;
}

static int validate(json_t *root, json_t *schema, json_t *v,
    char *path, size_t pathlen, int depth, char *err, size_t errlen);

static json_t *
resolve(json_t *root, json_t *schema)
{
	json_t *ref = json_object_get(schema, "$ref");
	const char *s;
	int n;

	for (n = 0; ref != NULL && n < 16; n++) {
		s = json_string_value(ref);
		if (s == NULL || strncmp(s, "#/definitions/", 14) != 0)
			return NULL;
		schema = json_object_get(json_object_get(root, "definitions"),
		    s + 14);
		if (schema == NULL)
			return NULL;
		ref = json_object_get(schema, "$ref");
	}
	return schema;
}

static int
check_type(json_t *schema, json_t *v, const char *path,
    char *err, size_t errlen)
{
	json_t *t = json_object_get(schema, "type"), *e;
	size_t i;

	if (t == NULL)
		return 0;
	if (json_is_string(t))
		return type_matches(json_string_value(t), v) ? 0 :
		    fail(err, errlen, path, "is %s, expected %s", type_of(v),
		    json_string_value(t));
	json_array_foreach(t, i, e)
		if (json_is_string(e) && type_matches(json_string_value(e), v))
			return 0;
	return fail(err, errlen, path, "is %s, not one of the allowed types%s",
	    type_of(v), "");
}

static int
check_scalar(json_t *schema, json_t *v, const char *path,
    char *err, size_t errlen)
{
	json_t *en = json_object_get(schema, "enum"), *e;
	json_t *min = json_object_get(schema, "minimum");
	json_t *max = json_object_get(schema, "maximum");
	json_t *pat = json_object_get(schema, "pattern");
	size_t i;
	bool found = false;

	if (en != NULL) {
		json_array_foreach(en, i, e)
			if (json_equal(e, v))
				found = true;
		if (!found) {
			char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
			int r = fail(err, errlen, path, "value %.80s not in the "
			    "enum%s", s != NULL ? s : "?", "");

			free(s);
			return r;
		}
	}
	if (json_is_integer(v) && min != NULL &&
	    json_integer_value(v) < json_integer_value(min))
		return fail(err, errlen, path, "below the minimum%s%s", "", "");
	if (json_is_integer(v) && max != NULL &&
	    json_integer_value(v) > json_integer_value(max))
		return fail(err, errlen, path, "above the maximum%s%s", "", "");
	if (json_is_string(v) && pat != NULL) {
		regex_t re;
		int rc;

		if (regcomp(&re, json_string_value(pat), REG_EXTENDED |
		    REG_NOSUB) != 0)
			return fail(err, errlen, path, "bad pattern %s%s",
			    json_string_value(pat), "");
		rc = regexec(&re, json_string_value(v), 0, NULL, 0);
		regfree(&re);
		if (rc != 0)
			return fail(err, errlen, path, "\"%.80s\" does not match "
			    "%s", json_string_value(v), json_string_value(pat));
	}
	return 0;
}

static int
check_object(json_t *root, json_t *schema, json_t *v,
    char *path, size_t pathlen, int depth, char *err, size_t errlen)
{
	json_t *props = json_object_get(schema, "properties");
	json_t *req = json_object_get(schema, "required");
	json_t *add = json_object_get(schema, "additionalProperties");
	json_t *e, *sub;
	const char *k;
	size_t i, plen = strlen(path);
	json_t *mv;

	json_array_foreach(req, i, e)
		if (json_object_get(v, json_string_value(e)) == NULL)
			return fail(err, errlen, path, "required member \"%s\" "
			    "is missing%s", json_string_value(e), "");
	json_object_foreach(v, k, mv) {
		sub = json_object_get(props, k);
		if (sub == NULL) {
			if (json_is_false(add))
				return fail(err, errlen, path, "member \"%s\" is "
				    "not in the schema%s", k, "");
			if (!json_is_object(add))
				continue;
			sub = add;
		}
		snprintf(path + plen, pathlen - plen, ".%s", k);
		if (validate(root, sub, mv, path, pathlen, depth + 1, err,
		    errlen) < 0)
			return -1;
		path[plen] = '\0';
	}
	return 0;
}

static int
validate(json_t *root, json_t *schema, json_t *v,
    char *path, size_t pathlen, int depth, char *err, size_t errlen)
{
	static const char *const known[] = { "type", "properties", "required",
	    "additionalProperties", "items", "enum", "minimum", "maximum",
	    "pattern", "$ref", "$comment" };
	json_t *items, *e;
	const char *k;
	json_t *kv;
	size_t i, j, plen;

	if (depth > MAX_DEPTH)
		return fail(err, errlen, path, "nested too deeply%s%s", "", "");
	schema = resolve(root, schema);
	if (!json_is_object(schema))
		return fail(err, errlen, path, "unresolvable schema%s%s", "", "");
	json_object_foreach(schema, k, kv) {
		for (j = 0; j < sizeof(known) / sizeof(known[0]); j++)
			if (strcmp(k, known[j]) == 0)
				break;
		if (j == sizeof(known) / sizeof(known[0]))
			return fail(err, errlen, path, "schema keyword %s is not "
			    "supported%s", k, "");
	}
	if (check_type(schema, v, path, err, errlen) < 0 ||
	    check_scalar(schema, v, path, err, errlen) < 0)
		return -1;
	if (json_is_object(v))
		return check_object(root, schema, v, path, pathlen, depth, err,
		    errlen);
	items = json_object_get(schema, "items");
	if (json_is_array(v) && items != NULL) {
		plen = strlen(path);
		json_array_foreach(v, i, e) {
			snprintf(path + plen, pathlen - plen, "[%zu]", i);
			if (validate(root, items, e, path, pathlen, depth + 1,
			    err, errlen) < 0)
				return -1;
			path[plen] = '\0';
		}
	}
	return 0;
}

int
schema_validate(json_t *root, json_t *schema, json_t *v,
    char *err, size_t errlen)
{
	char path[512] = "";

	if (schema == NULL) {
		snprintf(err, errlen, "no such schema");
		return -1;
	}
	return validate(root, schema, v, path, sizeof(path), 0, err, errlen);
}

int
schema_check_reply(json_t *root, const char *command,
    json_t *reply, char *err, size_t errlen)
{
	json_t *res;

	if (json_is_true(json_object_get(reply, "ok"))) {
		if (schema_validate(root, json_object_get(root, "reply_ok"),
		    reply, err, errlen) < 0)
			return -1;
		res = json_object_get(json_object_get(root, "results"),
		    command);
		if (res == NULL)
			return 0;
		return schema_validate(root, res, json_object_get(reply,
		    "result"), err, errlen);
	}
	return schema_validate(root, json_object_get(root, "reply_error"),
	    reply, err, errlen);
}

int
schema_check_event(json_t *root, json_t *ev, char *err,
    size_t errlen)
{
	json_t *s;

	if (schema_validate(root, json_object_get(root, "event"), ev, err,
	    errlen) < 0)
		return -1;
	s = json_object_get(json_object_get(root, "events"),
	    json_string_value(json_object_get(ev, "event")));
	if (s == NULL)
		return 0;
	return schema_validate(root, s, json_object_get(ev, "data"), err,
	    errlen);
}
