/*
 * The daemon context: set-up, reload, orderly stop and tear-down
 * (see iked.h).
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oe_log.h"
#include "ikev2.h"
#include "iked.h"
#include "iked_state.h"
#include "ikev2_exchange.h"
#include "ikev2_net.h"
#include "ikev2_sa.h"
#include "crypto.h"
#include "control.h"
#include "acquire.h"
#include "policy.h"
#include "trigger.h"

#define USEC_PER_SEC	1000000ULL
#define STOP_GRACE_USEC	(2 * USEC_PER_SEC)	/* wait for DELETE answers */
#define STOP_POLL_USEC	(USEC_PER_SEC / 20)

struct iked *
iked_new(sd_event *event, const struct iked_opts *opts)
{
	struct iked *d;

	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return NULL;
	d->event = sd_event_ref(event);
	d->opts = *opts;
	oe_ratelimit_init(&d->rl.malformed, 1.0, 10.0);
	oe_ratelimit_init(&d->rl.unknown_spi, 1.0, 10.0);
	oe_ratelimit_init(&d->rl.auth, 1.0, 10.0);
	oe_ratelimit_init(&d->rl.misc, 1.0, 10.0);
	d->selfcheck = getenv("OE_IKED_SELFCHECK") != NULL;
	return d;
}

uint64_t
iked_now_usec(const struct iked *d)
{
	uint64_t now = 0;

	/* The loop's cached time (the current time before it first ran). */
	(void)sd_event_now(d->event, CLOCK_MONOTONIC, &now);
	return now;
}

/* Does one of our Child SAs (current, replaced or coming) hold reqid? */
static bool
reqid_in_use(void *arg, uint32_t reqid)
{
	struct iked *d = arg;
	struct ikev2_ike_sa *sa;

	/*
	 * Above every reqid handed out: nobody holds it.  So the walk
	 * below (O(SAs) per new Child SA) only starts once the counter
	 * has wrapped around the Child SA band.
	 */
	if (reqid > d->max_reqid)
		return false;
	for (sa = ikev2_sa_first(d->sas); sa != NULL; sa = ikev2_sa_next(sa))
		if ((sa->child.present && sa->child.reqid == reqid) ||
		    (sa->old_child.present && sa->old_child.reqid == reqid) ||
		    (sa->rekey_child.present && sa->rekey_child.reqid == reqid))
			return true;
	return false;
}

uint32_t
iked_alloc_reqid(struct iked *d)
{
	uint32_t r;

	/* The Child SA band, disjoint from the traps' (policy.h). */
	r = policy_child_reqid(&d->kernel->cfg, &d->next_reqid,
	    reqid_in_use, d);
	if (r > d->max_reqid)
		d->max_reqid = r;
	return r;
}

void
iked_state_changed(struct iked *d)
{
	if (d->opts.state_file != NULL)
		(void)iked_state_write(d, d->opts.state_file);
}

static void
log_conf_msgs(const struct conf_msgs *msgs)
{
	size_t i;

	for (i = 0; i < msgs->n; i++)
		oe_log(msgs->msg[i].sev == CONF_SEV_ERROR ? LOG_ERR :
		    LOG_WARNING, "%s", msgs->msg[i].text);
	if (msgs->dropped > 0)
		oe_err("... and %zu more configuration messages",
		    msgs->dropped);
}

static struct iked_conf *
load_conf(const char *path)
{
	struct conf_msgs *msgs;
	struct iked_conf *conf = NULL;

	msgs = calloc(1, sizeof(*msgs));
	if (msgs == NULL)
		return NULL;
	conf_msgs_init(msgs);
	if (conf_load(path, NULL, &conf, msgs) < 0)
		conf = NULL;
	log_conf_msgs(msgs);
	free(msgs);
	return conf;
}

/* Kernel events: later issues act on ACQUIRE; now they are logged. */
static void
on_acquire(void *arg, const struct kernel_acquire *ev)
{
	acquire_handle(arg, ev);
}

static void
on_expire(void *arg, const struct kernel_expire *ev)
{
	ikev2_kernel_expire(arg, ev);
}

static int
kernel_readable(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct iked *d = userdata;

	(void)s;
	(void)fd;
	(void)revents;
	(void)kernel_process(d->kernel);
	return 0;
}

static void
net_rx(void *arg, const struct ikev2_path *path, const uint8_t *msg, size_t len)
{
	ikev2_recv(arg, path, msg, len);
}

static int
net_send(void *arg, const struct ikev2_path *path, const uint8_t *buf,
    size_t len)
{
	struct iked *d = arg;

	return ikev2_net_send(d->net, path, buf, len);
}

static int
open_kernel(struct iked *d)
{
	struct kernel_callbacks cb;
	const char *backend = d->opts.kernel;
	int r, fd;

	if (backend == NULL)
		backend = d->conf->setup.protostack == CONF_STACK_NONE ? "none" :
		    "xfrm";
	memset(&cb, 0, sizeof(cb));
	cb.acquire = on_acquire;
	cb.expire = on_expire;
	cb.arg = d;
	r = kernel_open(backend, &d->kernel, NULL, &cb);
	if (r < 0) {
		oe_err("kernel backend %s: %s", backend, strerror(-r));
		return -1;
	}
	fd = kernel_event_fd(d->kernel);
	if (fd >= 0 && sd_event_add_io(d->event, &d->kernel_src, fd, EPOLLIN,
	    kernel_readable, d) < 0)
		return -1;
	oe_info("kernel backend: %s", backend);
	return 0;
}

int
iked_setup(struct iked *d)
{
	const char *nssdb;
	bool udp_encap;

	/* First, so every part can register its control commands. */
	d->control = control_new(d->event);
	if (d->control == NULL || control_register_daemon(d->control, d) < 0)
		return -1;
	d->conf = load_conf(d->opts.config);
	if (d->conf == NULL) {
		oe_err("cannot load %s", d->opts.config);
		return -1;
	}
	oe_log_set_priority(d->opts.log_level >= 0 ? d->opts.log_level :
	    d->conf->setup.loglevel);
	if (!d->opts.no_nss) {
		/* --nssdb, then $OE_NSSDB, then the configuration. */
		nssdb = d->opts.nssdb;
		if (nssdb == NULL && getenv(CRYPTO_NSSDB_ENV) == NULL)
			nssdb = d->conf->setup.nssdb;
		nssdb = crypto_nssdb_path(nssdb);
		d->nss = crypto_nss_init(strcmp(nssdb, "none") == 0 ? NULL :
		    nssdb, false);
		if (d->nss == NULL)
			return -1;
	}
	if (crypto_random(d->cookie_secret, sizeof(d->cookie_secret)) < 0)
		return -1;
	d->sas = ikev2_sa_table_new();
	if (d->sas == NULL)
		return -1;
	if (open_kernel(d) < 0)
		return -1;
	if (policy_daemon_start(d) < 0)
		return -1;
	if (d->send == NULL) {
		udp_encap = strcmp(d->kernel->ops->name, "xfrm") == 0;
		d->net = ikev2_net_open(d->event, d->conf->setup.listen.a,
		    d->conf->setup.listen.n, (uint16_t)d->conf->setup.ikeport,
		    (uint16_t)d->conf->setup.nat_ikeport, udp_encap, net_rx, d);
		if (d->net == NULL)
			return -1;
		d->send = net_send;
		d->send_arg = d;
	}
	/* In-process test harnesses (fake wire) open no trigger socket. */
	if (d->net != NULL)
		(void)trigger_setup(d);
	/*
	 * Last: requests arrive only once everything above is ready.  Not
	 * fatal (logged): IKE keeps working without its operator socket.
	 */
	if (d->net != NULL)
		(void)control_listen(d->control, d->conf->setup.ctl_socket,
		    d->conf->setup.ctl_group);
	iked_state_changed(d);
	return 0;
}

static void
initiate_done(void *arg, const struct ikev2_initiate_result *res)
{
	char a[OE_ADDR_STRLEN];

	(void)arg;
	oe_addr_format(&res->peer, a, sizeof(a));
	if (res->ok)
		oe_info("initiation to %s: up (Child SA in 0x%08x out 0x%08x)",
		    a, res->spi_in, res->spi_out);
	else
		oe_info("initiation to %s: failed: %s", a, res->error);
}

void
iked_start_initiations(struct iked *d)
{
	struct ikev2_initiate_req req;
	size_t i;

	for (i = 0; i < d->conf->nconns; i++) {
		const struct conf_conn *c = &d->conf->conns[i];

		if (c->autostart != CONF_AUTO_START || c->disabled ||
		    !conf_conn_is_ike(c) || c->right.host.kind != CONF_HOST_ADDR)
			continue;
		memset(&req, 0, sizeof(req));
		req.conn = c->name;
		req.done = initiate_done;
		req.arg = d;
		(void)ikev2_initiate(d, &req);
	}
	for (i = 0; i < d->opts.ninitiate; i++) {
		char err[128];

		memset(&req, 0, sizeof(req));
		if (oe_addr_parse(&req.peer, d->opts.initiate[i], AF_UNSPEC, err,
		    sizeof(err)) < 0) {
			oe_err("--initiate %s: %s", d->opts.initiate[i], err);
			continue;
		}
		req.done = initiate_done;
		req.arg = d;
		(void)ikev2_initiate(d, &req);
	}
}

int
iked_reload(struct iked *d)
{
	struct iked_conf *conf;
	struct conf_diff diff;
	size_t i;
	static const char *const what[] = { "added", "removed", "modified" };

	oe_info("reloading %s", d->opts.config);
	conf = load_conf(d->opts.config);
	if (conf == NULL) {
		oe_err("reload failed; keeping the running configuration");
		return -1;
	}
	memset(&diff, 0, sizeof(diff));
	if (conf_diff(d->conf, conf, &diff) == 0) {
		for (i = 0; i < diff.nconns; i++)
			oe_info("conn %s %s%s%s", diff.conns[i].name,
			    what[diff.conns[i].change],
			    diff.conns[i].keys[0] ? ": " : "",
			    diff.conns[i].keys);
		if (diff.setup_changed)
			oe_info("config setup changed: %s%s", diff.setup_keys,
			    diff.setup_needs_restart ?
			    " (takes effect after a restart)" : "");
		if (diff.nconns == 0 && !diff.setup_changed)
			oe_info("configuration unchanged");
		conf_diff_free(&diff);
	}
	/*
	 * Established SAs keep running; they find their conn by name, and
	 * use defaults for timers if it disappeared.
	 */
	conf_free(d->conf);
	d->conf = conf;
	policy_daemon_reload(d);
	if (d->opts.log_level < 0)
		oe_log_set_priority(conf->setup.loglevel);
	return 0;
}

static size_t
count_deleting(struct iked *d)
{
	struct ikev2_ike_sa *sa;
	size_t n = 0;

	for (sa = ikev2_sa_first(d->sas); sa != NULL; sa = ikev2_sa_next(sa))
		if (sa->state == IKEV2_SA_DELETING)
			n++;
	return n;
}

static int
stop_poll(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct iked *d = userdata;

	if (count_deleting(d) == 0 || usec >= d->stop_deadline_usec) {
		(void)sd_event_exit(d->event, 0);
		return 0;
	}
	(void)sd_event_source_set_time(s, usec + STOP_POLL_USEC);
	(void)sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
	return 0;
}

void
iked_stop(struct iked *d)
{
	struct ikev2_ike_sa *sa;
	uint64_t now;

	if (d->stopping) {
		(void)sd_event_exit(d->event, 0);	/* second signal: now */
		return;
	}
	d->stopping = true;
	oe_info("stopping");
	for (sa = ikev2_sa_first(d->sas); sa != NULL; sa = ikev2_sa_next(sa))
		if (sa->state == IKEV2_SA_ESTABLISHED)
			(void)ikev2_info_send_delete(sa);
	now = iked_now_usec(d);
	d->stop_deadline_usec = now + STOP_GRACE_USEC;
	if (sd_event_add_time(d->event, &d->stop_timer, CLOCK_MONOTONIC,
	    now + STOP_POLL_USEC, 0, stop_poll, d) < 0)
		(void)sd_event_exit(d->event, 0);
}

void
iked_free(struct iked *d)
{
	struct ikev2_ike_sa *sa;

	if (d == NULL)
		return;
	/* Shunts and group policies first: initiation callbacks then find no tables. */
	policy_daemon_stop(d);
	/* Whatever is still up loses its kernel state with us. */
	if (d->sas != NULL)
		for (sa = ikev2_sa_first(d->sas); sa != NULL;
		    sa = ikev2_sa_next(sa))
			ikev2_child_remove(sa);
	/* before the SA table: it detaches its initiation callbacks */
	trigger_server_free(d->trigger);
	d->trigger = NULL;
	ikev2_sa_table_free(d->sas);
	d->sas = NULL;
	control_free(d->control);	/* after the SAs: pending replies fail */
	d->control = NULL;
	if (d->opts.state_file != NULL)
		(void)iked_state_write(d, d->opts.state_file);
	sd_event_source_disable_unref(d->stop_timer);
	sd_event_source_disable_unref(d->sig_term);
	sd_event_source_disable_unref(d->sig_int);
	sd_event_source_disable_unref(d->sig_hup);
	ikev2_net_free(d->net);
	sd_event_source_disable_unref(d->kernel_src);
	if (d->kernel != NULL)
		kernel_close(d->kernel);
	conf_free(d->conf);
	crypto_nss_shutdown(d->nss);
	sd_event_unref(d->event);
	explicit_bzero(d->cookie_secret, sizeof(d->cookie_secret));
	free(d);
}
