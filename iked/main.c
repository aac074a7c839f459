/*
 * oe-iked: the IKEv2 daemon.  Parses options, builds the daemon
 * context (iked.c), runs the sd-event loop until SIGTERM/SIGINT, and
 * reloads on SIGHUP.
 */
#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include "oe_log.h"
#include "iked.h"
#include "control.h"

#ifndef OE_SYSCONFDIR
#define OE_SYSCONFDIR "/etc/oe"
#endif

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: oe-iked [-f CONFIG] [--nssdb DIR|none] [--kernel none|xfrm]\n"
	    "               [--state-file PATH] [--initiate ADDR]...\n"
	    "               [--trigger-user USER] [--log-level LEVEL] [--foreground]\n"
	    "  -f, --config FILE     configuration (default %s/iked.conf)\n"
	    "  --nssdb DIR           NSS database (also $OE_NSSDB); \"none\": no\n"
	    "                        database (NULL authentication only)\n"
	    "  --kernel BACKEND      xfrm (Linux IPsec) or none (in memory)\n"
	    "  --state-file PATH     keep a JSON view of the SAs in PATH\n"
	    "  --initiate ADDR       negotiate with ADDR at start (repeatable)\n"
	    "  --trigger-user USER   the resolver's user (name or uid), allowed\n"
	    "                        on the trigger socket besides root\n"
	    "                        (default: \"unbound\" if it exists)\n"
	    "  --log-level LEVEL     err, warning, notice, info or debug\n"
	    "  --foreground          stay attached (the default; systemd runs\n"
	    "                        Type=notify)\n",
	    OE_SYSCONFDIR);
}

static int
parse_level(const char *s)
{
	static const struct { const char *n; int v; } levels[] = {
		{ "err", LOG_ERR }, { "error", LOG_ERR },
		{ "warning", LOG_WARNING }, { "notice", LOG_NOTICE },
		{ "info", LOG_INFO }, { "debug", LOG_DEBUG },
	};
	size_t i;

	for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
		if (strcmp(s, levels[i].n) == 0)
			return levels[i].v;
	return -1;
}

enum { OPT_NSSDB = 256, OPT_KERNEL, OPT_STATE, OPT_INITIATE, OPT_LEVEL,
	OPT_FG, OPT_TRIGGER_USER };

static int
parse_opts(int argc, char **argv, struct iked_opts *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'f' },
		{ "nssdb", required_argument, NULL, OPT_NSSDB },
		{ "kernel", required_argument, NULL, OPT_KERNEL },
		{ "state-file", required_argument, NULL, OPT_STATE },
		{ "initiate", required_argument, NULL, OPT_INITIATE },
		{ "log-level", required_argument, NULL, OPT_LEVEL },
		{ "foreground", no_argument, NULL, OPT_FG },
		{ "trigger-user", required_argument, NULL, OPT_TRIGGER_USER },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	memset(o, 0, sizeof(*o));
	o->config = OE_SYSCONFDIR "/iked.conf";
	o->log_level = -1;
	while ((ch = getopt_long(argc, argv, "f:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			o->config = optarg;
			break;
		case OPT_NSSDB:
			o->nssdb = optarg;
			break;
		case OPT_KERNEL:
			if (strcmp(optarg, "none") != 0 &&
			    strcmp(optarg, "xfrm") != 0) {
				fprintf(stderr, "oe-iked: --kernel: none or xfrm\n");
				return -1;
			}
			o->kernel = optarg;
			break;
		case OPT_STATE:
			o->state_file = optarg;
			break;
		case OPT_INITIATE:
			if (o->ninitiate >= sizeof(o->initiate) /
			    sizeof(o->initiate[0])) {
				fprintf(stderr, "oe-iked: too many --initiate\n");
				return -1;
			}
			o->initiate[o->ninitiate++] = optarg;
			break;
		case OPT_LEVEL:
			o->log_level = parse_level(optarg);
			if (o->log_level < 0) {
				fprintf(stderr, "oe-iked: unknown log level %s\n",
				    optarg);
				return -1;
			}
			break;
		case OPT_FG:
			o->foreground = true;
			break;
		case OPT_TRIGGER_USER:
			o->trigger_user = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return -1;
	}
	return 0;
}

static int
on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	struct iked *d = userdata;

	(void)s;
	if (si->ssi_signo == SIGHUP)
		(void)control_reload(d);	/* iked_reload() + sd_notify */
	else
		iked_stop(d);
	return 0;
}

int
main(int argc, char **argv)
{
	struct iked_opts opts;
	struct iked *d = NULL;
	sd_event *event = NULL;
	sigset_t mask;
	int r, rc = 1;

	if (parse_opts(argc, argv, &opts) < 0)
		return 2;
	oe_log_init("oe-iked", opts.log_level >= 0 ? opts.log_level : LOG_INFO);
	/* sd-event takes these signals through a signalfd. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return 1;
	signal(SIGPIPE, SIG_IGN);
	r = sd_event_default(&event);
	if (r < 0) {
		oe_err("sd_event_default: %s", strerror(-r));
		return 1;
	}
	d = iked_new(event, &opts);
	if (d == NULL)
		goto out;
	if (sd_event_add_signal(event, &d->sig_term, SIGTERM, on_signal, d) < 0 ||
	    sd_event_add_signal(event, &d->sig_int, SIGINT, on_signal, d) < 0 ||
	    sd_event_add_signal(event, &d->sig_hup, SIGHUP, on_signal, d) < 0)
		goto out;
	if (iked_setup(d) < 0)
		goto out;
	(void)sd_notify(0, "READY=1\nSTATUS=IKE sockets bound");
	oe_info("oe-iked ready");
	iked_start_initiations(d);
	r = sd_event_loop(event);
	if (r < 0)
		oe_err("event loop: %s", strerror(-r));
	else
		rc = 0;
	(void)sd_notify(0, "STOPPING=1");
out:
	iked_free(d);
	sd_event_unref(event);
	oe_info("oe-iked stopped");
	return rc;
}
