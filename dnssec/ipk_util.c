/*
 * Helpers shared by the oe-ipseckey subcommands.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oe_base64.h"
#include "oe_log.h"
#include "ipk_util.h"

bool
ipk_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (s == NULL || !isdigit((unsigned char)s[0]))
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

bool
ipk_parse_duration(const char *s, uint32_t *out)
{
	static const uint32_t max = 10U * 366 * 86400;
	uint64_t mult = 1, v;
	char num[24];
	size_t len;

	if (s == NULL)
		return false;
	len = strlen(s);
	if (len == 0 || len >= sizeof(num))
		return false;
	memcpy(num, s, len + 1);
	switch (num[len - 1]) {
	case 's': mult = 1; break;
	case 'm': mult = 60; break;
	case 'h': mult = 3600; break;
	case 'd': mult = 86400; break;
	case 'w': mult = 7 * 86400; break;
	default:
		if (!isdigit((unsigned char)num[len - 1]))
			return false;
		len++;	/* no unit: keep the last digit */
		break;
	}
	num[len - 1] = '\0';
	if (!ipk_parse_uint(num, 1, max, &v) || v * mult > max)
		return false;
	*out = (uint32_t)(v * mult);
	return true;
}

bool
ipk_atomic_open(struct ipk_atomic *af, const char *path, unsigned mode)
{
	size_t len = strlen(path);
	int fd = -1;

	memset(af, 0, sizeof(*af));
	af->path = strdup(path);
	af->tmp_path = malloc(len + sizeof(".tmp-XXXXXX"));
	if (af->path == NULL || af->tmp_path == NULL)
		goto fail;
	memcpy(af->tmp_path, path, len);
	memcpy(af->tmp_path + len, ".tmp-XXXXXX", sizeof(".tmp-XXXXXX"));
	fd = mkstemp(af->tmp_path);
	if (fd < 0) {
		oe_err("%s: cannot create temporary file: %s", path,
		    strerror(errno));
		goto fail;
	}
	if (fchmod(fd, (mode_t)mode) != 0) {
		oe_err("%s: chmod: %s", af->tmp_path, strerror(errno));
		goto fail_unlink;
	}
	af->fp = fdopen(fd, "w");
	if (af->fp == NULL) {
		oe_err("%s: %s", af->tmp_path, strerror(errno));
		goto fail_unlink;
	}
	return true;
fail_unlink:
	close(fd);
	unlink(af->tmp_path);
fail:
	free(af->path);
	free(af->tmp_path);
	memset(af, 0, sizeof(*af));
	return false;
}

bool
ipk_atomic_commit(struct ipk_atomic *af)
{
	bool ok = false;

	if (fflush(af->fp) != 0 || ferror(af->fp) || fsync(fileno(af->fp)) != 0) {
		oe_err("%s: write failed: %s", af->tmp_path, strerror(errno));
		fclose(af->fp);
		unlink(af->tmp_path);
		goto out;
	}
	if (fclose(af->fp) != 0) {
		oe_err("%s: close failed: %s", af->tmp_path, strerror(errno));
		unlink(af->tmp_path);
		goto out;
	}
	if (rename(af->tmp_path, af->path) != 0) {
		oe_err("%s: rename to %s failed: %s", af->tmp_path, af->path,
		    strerror(errno));
		unlink(af->tmp_path);
		goto out;
	}
	ok = true;
out:
	free(af->path);
	free(af->tmp_path);
	memset(af, 0, sizeof(*af));
	return ok;
}

void
ipk_atomic_abort(struct ipk_atomic *af)
{
	if (af->fp != NULL)
		fclose(af->fp);
	if (af->tmp_path != NULL)
		unlink(af->tmp_path);
	free(af->path);
	free(af->tmp_path);
	memset(af, 0, sizeof(*af));
}

bool
ipk_write_file(const char *path, const char *content, unsigned mode)
{
	struct ipk_atomic af;

	if (!ipk_atomic_open(&af, path, mode))
		return false;
	if (fputs(content, af.fp) == EOF) {
		oe_err("%s: write failed", path);
		ipk_atomic_abort(&af);
		return false;
	}
	return ipk_atomic_commit(&af);
}

char *
ipk_hex(const uint8_t *buf, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	char *s = malloc(len * 2 + 1);
	size_t i;

	if (s == NULL)
		return NULL;
	for (i = 0; i < len; i++) {
		s[2 * i] = digits[buf[i] >> 4];
		s[2 * i + 1] = digits[buf[i] & 0xf];
	}
	s[2 * len] = '\0';
	return s;
}

char *
ipk_b64_encode(const uint8_t *buf, size_t len)
{
	size_t size = OE_BASE64_LEN(len) + 1;
	char *s = malloc(size);

	if (s != NULL && oe_base64_encode(buf, len, s, size) < 0) {
		free(s);
		s = NULL;
	}
	return s;
}

uint8_t *
ipk_b64_decode(const char *s, size_t *len_out)
{
	size_t slen = strlen(s);
	uint8_t *buf;
	int n;

	if (slen == 0 || slen > 65536)
		return NULL;
	buf = malloc(slen / 4 * 3 + 3);
	if (buf == NULL)
		return NULL;
	n = oe_base64_decode(s, slen, buf, slen / 4 * 3 + 3);
	if (n <= 0) {
		free(buf);
		return NULL;
	}
	*len_out = (size_t)n;
	return buf;
}

char *
ipk_trim(char *s)
{
	size_t len;

	while (*s == ' ' || *s == '\t')
		s++;
	len = strlen(s);
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		s[--len] = '\0';
	return s;
}
