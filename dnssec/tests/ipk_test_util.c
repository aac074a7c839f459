#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>

#include "ipk_test_util.h"

static int saved_stderr = -1;
static char capture_path[] = "/tmp/ipk-test-stderr.XXXXXX";
static char capture_file[sizeof(capture_path)];

char *
tu_tmpdir(void)
{
	char *d = strdup("/tmp/ipk-test.XXXXXX");

	if (d == NULL || mkdtemp(d) == NULL) {
		free(d);
		return NULL;
	}
	return d;
}

void
tu_rmtree(const char *dir)
{
	char *cmd = NULL;

	/* Only our own mkdtemp directories. */
	if (dir == NULL || strncmp(dir, "/tmp/ipk-test.", 14) != 0)
		return;
	if (asprintf(&cmd, "rm -rf '%s'", dir) > 0 && system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	free(cmd);
}

char *
tu_write(const char *dir, const char *name, const char *text)
{
	char *path = NULL;
	FILE *fp;

	if (asprintf(&path, "%s/%s", dir, name) < 0)
		return NULL;
	fp = fopen(path, "w");
	if (fp == NULL) {
		free(path);
		return NULL;
	}
	fputs(text, fp);
	fclose(fp);
	return path;
}

char *
tu_read(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *buf;
	long len;

	if (fp == NULL)
		return NULL;
	fseek(fp, 0, SEEK_END);
	len = ftell(fp);
	rewind(fp);
	buf = calloc(1, (size_t)len + 1);
	if (buf != NULL && fread(buf, 1, (size_t)len, fp) != (size_t)len) {
		free(buf);
		buf = NULL;
	}
	fclose(fp);
	return buf;
}

void
tu_capture_begin(void)
{
	int fd;

	fflush(stderr);
	memcpy(capture_file, capture_path, sizeof(capture_path));
	fd = mkstemp(capture_file);
	if (fd < 0)
		return;
	saved_stderr = dup(2);
	dup2(fd, 2);
	close(fd);
}

char *
tu_capture_end(void)
{
	char *text;

	if (saved_stderr < 0)
		return strdup("");
	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	saved_stderr = -1;
	text = tu_read(capture_file);
	unlink(capture_file);
	/* Echo it so the test log still shows what was said. */
	if (text != NULL)
		fputs(text, stderr);
	return text != NULL ? text : strdup("");
}
