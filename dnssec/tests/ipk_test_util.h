/*
 * Helpers for the dnssec/ unit tests: temporary directories and files,
 * and capture of what the code logs to stderr (so tests can check that
 * errors name the file and line).
 */
#ifndef IPK_TEST_UTIL_H
#define IPK_TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>

/* mkdtemp under /tmp; caller frees and removes with tu_rmtree. */
char *tu_tmpdir(void);
void tu_rmtree(const char *dir);
/* Write `text` to dir/name; returns the path (caller frees). */
char *tu_write(const char *dir, const char *name, const char *text);
/* Read a whole file (caller frees), NULL if missing. */
char *tu_read(const char *path);

/* Redirect stderr into a buffer between begin and end; end returns it. */
void tu_capture_begin(void);
char *tu_capture_end(void);

#endif
