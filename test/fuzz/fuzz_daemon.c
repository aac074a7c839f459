/*
 * The daemon context shared by the socket fuzz targets (see
 * fuzz_daemon.h).  The directory's paths live here for the process's
 * lifetime: libFuzzer gives a target no other place to keep them.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "oe_log.h"
#include "crypto.h"
#include "fuzz_daemon.h"

#define FILES_MAX	8

static char dir[64];
static char conf_path[128], sock_path[128];
static char file_path[FILES_MAX][128];
static size_t nfiles;
static struct crypto_nss *nss;

static void
cleanup(void)
{
	size_t i;

	(void)unlink(sock_path);
	for (i = 0; i < nfiles; i++)
		(void)unlink(file_path[i]);
	(void)unlink(conf_path);
	(void)rmdir(dir);
	crypto_nss_shutdown(nss);
}

static void
write_or_die(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fputs(text, f) == EOF || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

void
fuzz_daemon_path(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

void
fuzz_daemon_init(const char *tag, const char *conf_text,
    const struct fuzz_file *files, const char *sock_name)
{
	oe_log_set_priority(LOG_CRIT);
	snprintf(dir, sizeof(dir), "/dev/shm/%s.XXXXXX", tag);
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp /dev/shm");
		exit(1);
	}
	fuzz_daemon_path("iked.conf", conf_path, sizeof(conf_path));
	fuzz_daemon_path(sock_name, sock_path, sizeof(sock_path));
	/* policies-dir "." is relative to the file: the same directory. */
	write_or_die(conf_path, conf_text);
	for (nfiles = 0; files[nfiles].name != NULL; nfiles++) {
		if (nfiles == FILES_MAX)
			abort();
		fuzz_daemon_path(files[nfiles].name, file_path[nfiles],
		    sizeof(file_path[nfiles]));
		write_or_die(file_path[nfiles], files[nfiles].text);
	}
	if ((nss = crypto_nss_init(NULL, false)) == NULL) {
		fprintf(stderr, "cannot initialise NSS\n");
		exit(1);
	}
	atexit(cleanup);
}

/* The engine's datagrams go nowhere: no peer, no network. */
static int
drop_send(void *arg, const struct ikev2_path *path, const uint8_t *buf,
    size_t len)
{
	(void)arg;
	(void)path;
	(void)buf;
	(void)len;
	return 0;
}

void
fuzz_daemon_new(struct fuzz_daemon *fd)
{
	struct iked_opts o;

	memset(fd, 0, sizeof(*fd));
	if (sd_event_new(&fd->ev) < 0)
		abort();
	memset(&o, 0, sizeof(o));
	o.config = conf_path;
	o.kernel = "none";
	o.log_level = LOG_CRIT;
	o.no_nss = true;
	if ((fd->d = iked_new(fd->ev, &o)) == NULL)
		abort();
	fd->d->send = drop_send;
	fd->d->send_arg = NULL;
	if (iked_setup(fd->d) != 0) {
		fprintf(stderr, "daemon set-up failed\n");
		abort();
	}
}

void
fuzz_daemon_free(struct fuzz_daemon *fd)
{
	iked_free(fd->d);
	sd_event_unref(fd->ev);
	memset(fd, 0, sizeof(*fd));
}

int
fuzz_daemon_connect(int type)
{
	struct sockaddr_un sun;
	int fd;

	fd = socket(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sock_path);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}
