/*
 * The daemon context the socket fuzz targets share (fuzz_control,
 * fuzz_trigger_server): a private directory on tmpfs with iked.conf
 * and policy group files, NSS, and for each input a fresh daemon
 * (iked_setup() with the in-memory `none` kernel backend and a wire
 * that drops every datagram, so nothing leaves the process), plus a
 * client for a unix socket in that directory.
 *
 * Ownership: fuzz_daemon_init() owns the directory and NSS until the
 * process exits (atexit); fuzz_daemon_new() returns a daemon and loop
 * the caller frees with fuzz_daemon_free().
 */
#ifndef OE_FUZZ_DAEMON_H
#define OE_FUZZ_DAEMON_H

#include <stddef.h>

#include <systemd/sd-event.h>

#include "iked.h"

struct fuzz_file {
	const char	*name;		/* in the directory; NULL ends a list */
	const char	*text;
};

/*
 * Once, from LLVMFuzzerInitialize(): the directory
 * /dev/shm/<tag>.XXXXXX with iked.conf (conf_text) and `files`, and
 * NSS.  `sock_name` is the socket the target will listen on there,
 * removed with the rest at exit.  Exits on failure.
 */
void	fuzz_daemon_init(const char *tag, const char *conf_text,
	    const struct fuzz_file *files, const char *sock_name);

/* The path of `name` in the directory, written to buf (len octets). */
void	fuzz_daemon_path(const char *name, char *buf, size_t len);

struct fuzz_daemon {
	sd_event	*ev;		/* owned */
	struct iked	*d;		/* owned */
};

/* A fresh daemon set up from the directory's iked.conf; aborts on failure. */
void	fuzz_daemon_new(struct fuzz_daemon *fd);

void	fuzz_daemon_free(struct fuzz_daemon *fd);

/*
 * A non-blocking client of type `type` (SOCK_STREAM, SOCK_SEQPACKET)
 * connected to the directory's socket; -1 on failure.
 */
int	fuzz_daemon_connect(int type);

#endif /* OE_FUZZ_DAEMON_H */
