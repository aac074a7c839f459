/*
 * The engine tests' harness (engine_harness.h): contexts over a fake
 * wire, their configuration files, the loop, and what the tests read
 * back from the SA table and the `none` kernel.
 */
#include "config.h"

#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "engine_harness.h"

/* ---- the wire ------------------------------------------------------------ */

static uint8_t *
copy_bytes(const uint8_t *buf, size_t len)
{
	uint8_t *p = malloc(len);

	assert_non_null(p);
	memcpy(p, buf, len);
	return p;
}

/* The contexts' send hook: log a copy, queue one unless dropped. */
static int
fake_send(void *arg, const struct ikev2_path *path, const uint8_t *buf,
    size_t len)
{
	struct harness_endpoint *ep = arg;
	struct harness *h = ep->h;
	struct pkt p;

	memset(&p, 0, sizeof(p));
	p.from = ep->idx;
	p.path = *path;
	p.len = len;
	if (h->nlog < HARNESS_MAXQ) {
		h->log[h->nlog] = p;
		h->log[h->nlog].buf = copy_bytes(buf, len);
		h->nlog++;
	}
	if (h->drop_all || h->nq >= HARNESS_MAXQ)
		return 0;
	p.buf = copy_bytes(buf, len);
	h->q[h->nq++] = p;
	return 0;
}

static int
route_other(struct harness *h, const struct pkt *p)
{
	assert_int_equal(h->n, 2);
	return 1 - p->from;
}

void
deliver(struct harness *h, const struct pkt *p, const uint8_t *buf,
    size_t len)
{
	struct ikev2_path rp;
	int to = h->route(h, p);

	assert_true(to >= 0 && to < h->n);
	memset(&rp, 0, sizeof(rp));
	rp.local = p->path.remote;
	rp.remote = p->path.local;
	rp.lport = p->path.rport;
	rp.rport = p->path.lport;
	rp.natt = p->path.natt;
	if (h->nat_a && p->from == 0)
		rp.rport = (uint16_t)(p->path.lport + NAT_PORT_SHIFT);
	if (h->nat_a && to == 0)
		rp.lport = (uint16_t)(p->path.rport - NAT_PORT_SHIFT);
	ikev2_recv(h->d[to], &rp, buf, len);
}

void
deliver_at(struct harness *h, size_t i)
{
	struct pkt p;

	assert_true(i < h->nq);
	p = h->q[i];
	memmove(&h->q[i], &h->q[i + 1], (h->nq - i - 1) * sizeof(h->q[0]));
	h->nq--;
	deliver(h, &p, p.buf, p.len);
	free(p.buf);
}

int
pump_n(struct harness *h, int n)
{
	int done = 0;

	while (done < n && h->nq > 0) {
		deliver_at(h, 0);
		done++;
	}
	return done;
}

void
pump(struct harness *h)
{
	(void)pump_n(h, 200);
	/* an exchange that never ends is a bug, not a slow wire */
	assert_int_equal(h->nq, 0);
}

void
run_for(struct harness *h, int ms, bool (*cond)(struct harness *))
{
	int i;

	for (i = 0; i < ms / 50; i++) {
		(void)sd_event_run(h->ev, 50000);
		pump(h);
		if (cond != NULL && cond(h))
			return;
	}
}

void
run_until_done(struct harness *h, int idx)
{
	int i;

	for (i = 0; i < 300 && h->r[idx].ndone == 0; i++) {
		assert_true(sd_event_run(h->ev, 10 * 1000) >= 0);
		(void)pump_n(h, 200);
	}
	assert_int_equal(h->r[idx].ndone, 1);
}

size_t
sent_by(struct harness *h, int from, int n)
{
	size_t i;
	int left = n;

	for (i = 0; i < h->nlog; i++)
		if (h->log[i].from == from && left-- == 0)
			return i;
	fail_msg("datagram %d from %d not sent", n, from);
	return 0;
}

/* ---- making and freeing ---------------------------------------------- */

struct harness *
harness_empty(void)
{
	struct harness *h = calloc(1, sizeof(*h));

	assert_non_null(h);
	snprintf(h->dir, sizeof(h->dir), "/tmp/oe-test-engine.XXXXXX");
	assert_non_null(mkdtemp(h->dir));
	assert_int_equal(sd_event_new(&h->ev), 0);
	h->route = route_other;
	h->dns.fd = -1;
	return h;
}

void
harness_write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

void
harness_engines(struct harness *h, int n, const char *const addr[],
    harness_conf_fn conf, void *arg)
{
	static const size_t cap = 16384;
	struct iked_opts o;
	char *text = malloc(cap);
	int i;

	assert_non_null(text);
	assert_true(h->n == 0 && n > 0 && n <= HARNESS_MAX);
	/* all addresses first: a configuration names its peers' */
	for (i = 0; i < n; i++)
		snprintf(h->addr[i], sizeof(h->addr[i]), "%s", addr[i]);
	for (i = 0; i < n; i++) {
		snprintf(h->pol[i], sizeof(h->pol[i]), "%s/pol%d", h->dir, i);
		assert_int_equal(mkdir(h->pol[i], 0700), 0);
		snprintf(h->conf[i], sizeof(h->conf[i]), "%s/e%d.conf", h->dir,
		    i);
		text[0] = '\0';
		conf(h, i, h->pol[i], text, cap, arg);
		harness_write_file(h->conf[i], text);
		memset(&o, 0, sizeof(o));
		o.config = h->conf[i];	/* the harness's: lives as long */
		o.kernel = "none";
		o.log_level = LOG_ERR;
		o.no_nss = true;
		h->d[i] = iked_new(h->ev, &o);
		assert_non_null(h->d[i]);
		/* index lookups checked against full walks, abort on a miss */
		h->d[i]->selfcheck = true;
		h->ep[i].h = h;
		h->ep[i].idx = i;
		h->d[i]->send = fake_send;
		h->d[i]->send_arg = &h->ep[i];
		h->n = i + 1;
		assert_int_equal(iked_setup(h->d[i]), 0);
	}
	free(text);
}

/* The extra lines of the two conns "peer", [0] for a, [1] for b. */
struct pair_extra {
	const char	*extra[2];
};

static void
pair_conf(struct harness *h, int i, const char *pol, char *buf, size_t cap,
    void *arg)
{
	const struct pair_extra *pe = arg;
	const char *extra = pe->extra[i];
	int n;

	n = snprintf(buf, cap, "config setup\n\tlisten=%s\n\tprotostack=none\n"
	    "\tpolicies-dir=%s\n\nconn peer\n\tleft=%s\n\tright=%s\n"
	    "\tleftid=%%null\n\trightid=%%null\n\tauthby=null\n"
	    "%s\tauto=add\n\tretransmit-interval=50\n"
	    "\tretransmit-timeout=1s\n%s", h->addr[i], pol, h->addr[i],
	    h->addr[1 - i],
	    extra != NULL && strstr(extra, "type=") != NULL ? "" :
	    "\ttype=transport\n", extra != NULL ? extra : "");
	assert_true(n > 0 && (size_t)n < cap);
}

struct harness *
harness_new_addrs(const char *addr_a, const char *addr_b, const char *extra_a,
    const char *extra_b)
{
	struct harness *h = harness_empty();
	const char *addr[2] = { addr_a, addr_b };
	struct pair_extra pe = { { extra_a, extra_b } };

	harness_engines(h, 2, addr, pair_conf, &pe);
	return h;
}

struct harness *
harness_new(const char *extra_a, const char *extra_b)
{
	return harness_new_addrs("127.0.0.1", "127.0.0.2", extra_a, extra_b);
}

static int
remove_entry(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

void
harness_free(struct harness *h)
{
	size_t i;
	int e;

	for (e = 0; e < h->n; e++)
		iked_free(h->d[e]);
	for (i = 0; i < h->nq; i++)
		free(h->q[i].buf);
	for (i = 0; i < h->nlog; i++)
		free(h->log[i].buf);
	sd_event_source_disable_unref(h->dns.io);
	if (h->dns.fd >= 0)
		close(h->dns.fd);
	sd_event_unref(h->ev);
	/* the configurations and whatever the test put in the folder */
	(void)nftw(h->dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
	free(h);
}

/* ---- initiating ---------------------------------------------------------- */

static void
on_done(void *arg, const struct ikev2_initiate_result *res)
{
	struct harness_result *r = arg;

	r->ndone++;
	r->res = *res;
}

void
harness_initiate(struct harness *h, int from,
    const struct ikev2_initiate_req *req)
{
	struct ikev2_initiate_req r = *req;

	assert_true(from >= 0 && from < h->n);
	r.done = on_done;
	r.arg = &h->r[from];
	h->r[from].ndone = 0;
	assert_int_equal(ikev2_initiate(h->d[from], &r), 0);
}

void
initiate_from(struct harness *h, int from, const char *conn, const char *peer,
    const struct ikev2_peer_key *keys, size_t nkeys)
{
	struct ikev2_initiate_req req;

	memset(&req, 0, sizeof(req));
	req.conn = conn;
	if (peer != NULL)
		assert_int_equal(oe_addr_parse(&req.peer, peer, AF_UNSPEC,
		    NULL, 0), 0);
	req.keys = keys;
	req.nkeys = nkeys;
	harness_initiate(h, from, &req);
}

void
initiate(struct harness *h)
{
	initiate_from(h, 0, "peer", NULL, NULL, 0);
}

/* ---- the SA table and the kernel ---------------------------------------- */

struct ikev2_ike_sa *
only_sa(struct iked *d)
{
	assert_int_equal(ikev2_sa_count(d->sas), 1);
	return ikev2_sa_first(d->sas);
}

bool
kernel_has_sa(struct iked *d, const char *dst, uint32_t spi)
{
	struct kernel_sa_id id;

	memset(&id, 0, sizeof(id));
	assert_int_equal(kernel_addr_from_string(&id.dst, dst), 0);
	id.spi = spi;
	return kernel_none_find_sa(d->kernel, &id) != NULL &&
	    !kernel_none_sa_is_larval(d->kernel, &id);
}

uint32_t
policy_reqid(struct iked *d, int dir, const char *src, const char *dst)
{
	const struct kernel_policy *pol;
	struct kernel_selector sel;

	memset(&sel, 0, sizeof(sel));
	assert_int_equal(kernel_addr_from_string(&sel.src, src), 0);
	assert_int_equal(kernel_addr_from_string(&sel.dst, dst), 0);
	sel.family = sel.src.family;
	sel.src_plen = sel.dst_plen = sel.family == AF_INET6 ? 128 : 32;
	pol = kernel_none_find_policy(d->kernel, &sel, dir, NULL);
	if (pol == NULL || pol->action != KERNEL_POLICY_IPSEC)
		return 0;
	return pol->reqid;
}

void
assert_policies_held_by(struct harness *h, int idx, const char *peer,
    const struct ikev2_ike_sa *sa)
{
	const char *me = h->addr[idx];

	assert_true(sa->child.installed);
	assert_int_equal(policy_reqid(h->d[idx], KERNEL_DIR_OUT, me, peer),
	    sa->child.reqid);
	assert_int_equal(policy_reqid(h->d[idx], KERNEL_DIR_IN, peer, me),
	    sa->child.reqid);
	assert_true(kernel_has_sa(h->d[idx], peer, sa->child.spi_out));
	assert_true(kernel_has_sa(h->d[idx], me, sa->child.spi_in));
}

bool
rekey_done(struct harness *h)
{
	struct ikev2_ike_sa *a = ikev2_sa_first(h->d[0]->sas);
	struct ikev2_ike_sa *b = ikev2_sa_first(h->d[1]->sas);

	/* the old Child SA's inbound SA lingers a while after its DELETE */
	return a != NULL && a->rekeys >= 1 && !a->old_child.present &&
	    b != NULL && !b->old_child.present &&
	    !a->req.active && h->nq == 0;
}

/* ---- DNS ------------------------------------------------------------------ */

/* One query in, one answer out: the question, the test's record, AD. */
static int
resolver_read(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct harness_resolver *r = userdata;
	struct sockaddr_storage from;
	socklen_t flen = sizeof(from);
	uint8_t buf[4096], *wire = NULL;
	char text[2048];
	ldns_pkt *q = NULL, *a = NULL;
	const ldns_rr *qrr;
	ldns_rr *rr = NULL;
	size_t len;
	ssize_t n;

	(void)s;
	(void)revents;
	n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
	if (n <= 0 || ldns_wire2pkt(&q, buf, (size_t)n) != LDNS_STATUS_OK)
		return 0;
	r->queries++;
	qrr = ldns_rr_list_rr(ldns_pkt_question(q), 0);
	text[0] = '\0';
	if (qrr == NULL || r->answer(r->arg, qrr, text, sizeof(text)) < 0)
		goto out;
	a = ldns_pkt_new();
	assert_non_null(a);
	ldns_pkt_set_id(a, ldns_pkt_id(q));
	ldns_pkt_set_qr(a, true);
	ldns_pkt_set_ad(a, r->ad);
	ldns_pkt_push_rr(a, LDNS_SECTION_QUESTION, ldns_rr_clone(qrr));
	if (text[0] != '\0') {
		assert_int_equal(ldns_rr_new_frm_str(&rr, text, 60, NULL, NULL),
		    LDNS_STATUS_OK);
		ldns_pkt_push_rr(a, LDNS_SECTION_ANSWER, rr);
	}
	assert_int_equal(ldns_pkt2wire(&wire, a, &len), LDNS_STATUS_OK);
	(void)sendto(fd, wire, len, 0, (struct sockaddr *)&from, flen);
out:
	free(wire);
	if (a != NULL)
		ldns_pkt_free(a);
	ldns_pkt_free(q);
	return 0;
}

void
harness_resolver_open(struct harness *h, harness_dns_answer_fn answer,
    void *arg)
{
	struct sockaddr_in sin;
	socklen_t slen = sizeof(sin);

	assert_true(h->n == 0 && h->dns.fd < 0);
	h->dns.ad = true;
	h->dns.answer = answer;
	h->dns.arg = arg;
	h->dns.fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	assert_true(h->dns.fd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(h->dns.fd, (struct sockaddr *)&sin, sizeof(sin)),
	    0);
	assert_int_equal(getsockname(h->dns.fd, (struct sockaddr *)&sin,
	    &slen), 0);
	h->dns.port = ntohs(sin.sin_port);
	assert_int_equal(sd_event_add_io(h->ev, &h->dns.io, h->dns.fd, EPOLLIN,
	    resolver_read, &h->dns), 0);
}

/* ---- NSS ------------------------------------------------------------------ */

int
harness_nss_setup(void **state)
{
	struct crypto_nss *nss;

	oe_log_init("test_engine", LOG_ERR);
	nss = crypto_nss_init(NULL, false);
	*state = nss;
	return nss == NULL ? -1 : 0;
}

int
harness_nss_teardown(void **state)
{
	crypto_nss_shutdown(*state);
	return 0;
}

struct crypto_nss *
harness_nss_db_new(char *tmpl)
{
	char db[96];

	if (mkdtemp(tmpl) == NULL)
		return NULL;
	snprintf(db, sizeof(db), "sql:%s", tmpl);
	return crypto_nss_init(db, true);
}

int
harness_nss_db_free(struct crypto_nss *nss, const char *dir)
{
	static const char *const files[] = { "cert9.db", "key4.db",
	    "pkcs11.txt" };
	char p[128];
	size_t i;

	crypto_nss_shutdown(nss);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, files[i]);
		(void)unlink(p);
	}
	return rmdir(dir) == 0 ? 0 : -1;
}

int
harness_keypair(CK_MECHANISM_TYPE mech, void *params, const char *nickname,
    SECKEYPublicKey **pub)
{
	PK11SlotInfo *slot = PK11_GetInternalKeySlot();
	SECKEYPrivateKey *priv = NULL;
	int ret = -1;

	*pub = NULL;
	if (slot == NULL)
		goto out;
	/* A new database has no password yet: set the empty one. */
	if (PK11_NeedUserInit(slot) &&
	    PK11_InitPin(slot, NULL, "") != SECSuccess)
		goto out;
	priv = PK11_GenerateKeyPair(slot, mech, params, pub, PR_TRUE, PR_TRUE,
	    NULL);
	if (priv == NULL || *pub == NULL)
		goto out;
	if (nickname != NULL &&
	    PK11_SetPrivateKeyNickname(priv, nickname) != SECSuccess)
		goto out;
	ret = 0;
out:
	if (ret < 0 && *pub != NULL) {
		SECKEY_DestroyPublicKey(*pub);
		*pub = NULL;
	}
	if (priv != NULL)
		SECKEY_DestroyPrivateKey(priv);
	if (slot != NULL)
		PK11_FreeSlot(slot);
	return ret;
}
