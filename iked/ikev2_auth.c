/*
 * IKE_AUTH, both roles (RFC 7296 1.2, 2.15): identities, AUTH with
 * NULL authentication (RFC 7619), the first Child SA with its traffic
 * selectors and USE_TRANSPORT_MODE, installed through kernel_ops.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oe_log.h"
#include "ikev2.h"
#include "iked.h"
#include "ikev2_auth.h"
#include "policy.h"
#include "ikev2_exchange.h"
#include "ikev2_proposal.h"
#include "ikev2_sa.h"
#include "crypto.h"
#include "crypto_auth.h"
#include "crypto_prf.h"
#include "kernel.h"

#include <pk11pub.h>

#define AUTH_MAX_PAYLOADS	10

/* Everything one IKE_AUTH message of ours refers to while it is emitted. */
struct auth_msg {
	struct ikev2_payload	 pl[AUTH_MAX_PAYLOADS];
	size_t			 n;
	uint8_t			 id_data[256];
	uint8_t			 auth[IKEV2_AUTH_DATA_MAX];
	size_t			 auth_len;
	struct ikev2_sa		 sa;
	struct ikev2_ts_list	 tsi, tsr;
	uint8_t			 spi[4];
};

static struct ikev2_payload *
am_add(struct auth_msg *am, uint8_t type)
{
	struct ikev2_payload *p = &am->pl[am->n++];

	memset(p, 0, sizeof(*p));
	p->type = type;
	return p;
}

/* ---- identities and AUTH data ---------------------------------------- */

/* Our ID for conn c on path (RFC 7619: ID_NULL with NULL auth). */
static void
local_id(const struct conf_conn *c, const struct ikev2_path *path,
    struct ikev2_id *id, uint8_t *store, size_t cap)
{
	const struct oe_addr *a = &path->local;
	size_t len;

	memset(id, 0, sizeof(*id));
	switch (c->left.id.kind) {
	case CONF_ID_NULL:
		id->type = IKEV2_ID_NULL;
		return;
	case CONF_ID_FQDN:
		len = strnlen(c->left.id.name, sizeof(c->left.id.name));
		if (len > cap)
			len = cap;
		memcpy(store, c->left.id.name, len);
		id->type = IKEV2_ID_FQDN;
		id->data.ptr = store;
		id->data.len = len;
		return;
	case CONF_ID_ADDR:
		a = &c->left.id.addr;
		break;
	default:
		if (c->left.auth == CONF_AUTH_NULL) {
			id->type = IKEV2_ID_NULL;
			return;
		}
		break;
	}
	len = oe_addr_len(a);
	memcpy(store, oe_addr_bytes(a), len);
	id->type = a->family == AF_INET ? IKEV2_ID_IPV4_ADDR : IKEV2_ID_IPV6_ADDR;
	id->data.ptr = store;
	id->data.len = len;
}

int
ikev2_auth_octets(struct ikev2_ike_sa *sa, bool ours, const uint8_t *id_body,
    size_t id_len, uint8_t **out, size_t *out_len)
{
	/* The initiator signs its request, the responder its response. */
	bool signer_is_initiator = ours ? sa->initiator : !sa->initiator;

	if (sa->init_req == NULL || sa->init_resp == NULL)
		return -1;
	return crypto_auth_signed_octets(sa->prf, signer_is_initiator ?
	    sa->keys.sk_pi : sa->keys.sk_pr,
	    signer_is_initiator ? sa->init_req : sa->init_resp,
	    signer_is_initiator ? sa->init_req_len : sa->init_resp_len,
	    signer_is_initiator ? sa->nr : sa->ni,
	    signer_is_initiator ? sa->nr_len : sa->ni_len, id_body, id_len,
	    out, out_len);
}

/* SK_pi or SK_pr: the key of whoever computes this NULL-auth MIC. */
static PK11SymKey *
null_key(struct ikev2_ike_sa *sa, bool ours)
{
	bool signer_is_initiator = ours ? sa->initiator : !sa->initiator;

	return signer_is_initiator ? sa->keys.sk_pi : sa->keys.sk_pr;
}

/* Fill am's AUTH data for our ID body. */
static int
make_auth(struct ikev2_ike_sa *sa, const struct conf_conn *c,
    const uint8_t *id_body, size_t id_len, struct auth_msg *am,
    uint8_t *method)
{
	uint8_t *octets = NULL;
	size_t olen = 0;
	int ret = -1;

	if (ikev2_auth_octets(sa, true, id_body, id_len, &octets, &olen) < 0)
		return -1;
	if (c->left.auth == CONF_AUTH_NULL) {
		if (crypto_auth_null_compute(sa->prf, null_key(sa, true), octets,
		    olen, am->auth, sizeof(am->auth), &am->auth_len) < 0)
			goto out;
		*method = IKEV2_AUTH_NULL;
		ret = 0;
	} else {
		ret = ikev2_auth_sig_make(sa, c, octets, olen, am->auth,
		    sizeof(am->auth), &am->auth_len, method);
	}
out:
	free(octets);
	return ret;
}

/* Check the peer's ID against the conn's rightid=. */
static bool
peer_id_ok(const struct conf_conn *c, const struct ikev2_id *id)
{
	switch (c->right.id.kind) {
	case CONF_ID_FQDN:
		return id->type == IKEV2_ID_FQDN &&
		    id->data.len == strnlen(c->right.id.name,
		    sizeof(c->right.id.name)) &&
		    memcmp(id->data.ptr, c->right.id.name, id->data.len) == 0;
	case CONF_ID_ADDR:
		return ((id->type == IKEV2_ID_IPV4_ADDR &&
		    c->right.id.addr.family == AF_INET) ||
		    (id->type == IKEV2_ID_IPV6_ADDR &&
		    c->right.id.addr.family == AF_INET6)) &&
		    id->data.len == oe_addr_len(&c->right.id.addr) &&
		    memcmp(id->data.ptr, oe_addr_bytes(&c->right.id.addr),
		    id->data.len) == 0;
	case CONF_ID_NULL:
		return id->type == IKEV2_ID_NULL;
	default:
		return true;
	}
}

/*
 * Verify the peer's AUTH payload for its ID payload (raw body as
 * received).  Returns 0 when it proves what the conn requires.
 */
static int
verify_peer(struct ikev2_ike_sa *sa, const struct conf_conn *c,
    const struct ikev2_payload *pid, const struct ikev2_payload *pauth,
    const char **why)
{
	const struct ikev2_auth *a = &pauth->u.auth;
	uint8_t *octets = NULL;
	size_t olen = 0;
	int ret = -1;

	if (!peer_id_ok(c, &pid->u.id)) {
		*why = "peer ID does not match the conn";
		return -1;
	}
	if (ikev2_auth_octets(sa, false, pid->raw.ptr, pid->raw.len, &octets,
	    &olen) < 0) {
		*why = "internal error computing AUTH octets";
		return -1;
	}
	if (a->method == IKEV2_AUTH_NULL) {
		/* NULL authentication proves nothing: only if the conn allows. */
		if (c->right.auth != CONF_AUTH_NULL) {
			*why = "peer used NULL authentication; conn requires "
			    "a signature";
			goto out;
		}
		if (crypto_auth_null_verify(sa->prf, null_key(sa, false), octets,
		    olen, a->data.ptr, a->data.len) < 0) {
			*why = "NULL authentication MIC mismatch";
			goto out;
		}
		ret = 0;
	} else if (c->right.auth == CONF_AUTH_NULL) {
		*why = "conn expects NULL authentication";
	} else {
		ret = ikev2_auth_sig_check(sa, c, a, octets, olen, why);
	}
	if (ret == 0) {
		sa->auth_peer = a->method;
		sa->peer_id.type = pid->u.id.type;
		sa->peer_id.data.len = pid->u.id.data.len < sizeof(sa->peer_id_data) ?
		    pid->u.id.data.len : sizeof(sa->peer_id_data);
		if (sa->peer_id.data.len > 0)	/* ID_NULL has no data */
			memcpy(sa->peer_id_data, pid->u.id.data.ptr,
			    sa->peer_id.data.len);
		sa->peer_id.data.ptr = sa->peer_id_data;
	}
out:
	free(octets);
	return ret;
}

/* ---- traffic selectors ---------------------------------------------- */

static void
ts_host(const struct oe_addr *a, struct ikev2_ts *ts)
{
	size_t len = oe_addr_len(a);

	memset(ts, 0, sizeof(*ts));
	ts->type = a->family == AF_INET ? IKEV2_TS_IPV4_ADDR_RANGE :
	    IKEV2_TS_IPV6_ADDR_RANGE;
	ts->ip_proto = 0;
	ts->start_port = 0;
	ts->end_port = 65535;
	memcpy(ts->start_addr, oe_addr_bytes(a), len);
	memcpy(ts->end_addr, oe_addr_bytes(a), len);
}

static bool
ts_contains(const struct ikev2_ts *ts, const struct oe_addr *a)
{
	size_t len = oe_addr_len(a);

	if ((a->family == AF_INET) != (ts->type == IKEV2_TS_IPV4_ADDR_RANGE))
		return false;
	return memcmp(ts->start_addr, oe_addr_bytes(a), len) <= 0 &&
	    memcmp(oe_addr_bytes(a), ts->end_addr, len) <= 0 &&
	    ts->start_port <= ts->end_port;
}

/*
 * Narrow a peer's TS list to the one host `a` (keeping the protocol
 * and ports it asked for).  0 and *out, or -1 if no selector holds a.
 */
static int
ts_narrow(const struct ikev2_ts_list *l, const struct oe_addr *a,
    struct ikev2_ts *out)
{
	uint8_t i;

	for (i = 0; i < l->count; i++)
		if (ts_contains(&l->ts[i], a)) {
			ts_host(a, out);
			out->ip_proto = l->ts[i].ip_proto;
			out->start_port = l->ts[i].start_port;
			out->end_port = l->ts[i].end_port;
			return 0;
		}
	return -1;
}

/* ---- Child SA installation ------------------------------------------ */

static void
key_fingerprint(const uint8_t *k1, size_t l1, const uint8_t *k2, size_t l2,
    char out[17])
{
	uint8_t buf[2 * 128], h[32];
	size_t n = 0;
	int i;

	if (l1 > 128 || l2 > 128) {
		out[0] = '\0';
		return;
	}
	memcpy(buf, k1, l1);
	n = l1;
	if (k2 != NULL) {
		memcpy(buf + n, k2, l2);
		n += l2;
	}
	(void)PK11_HashBuf(SEC_OID_SHA256, h, buf, (PRInt32)n);
	explicit_bzero(buf, sizeof(buf));
	for (i = 0; i < 8; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
}

static void
kaddr(const struct oe_addr *a, struct kernel_addr *k)
{
	memset(k, 0, sizeof(*k));
	k->family = a->family;
	memcpy(k->u.bytes, oe_addr_bytes(a), oe_addr_len(a));
}

static void
child_selector(const struct ikev2_ike_sa *sa, bool out,
    struct kernel_selector *sel)
{
	const struct ikev2_path *p = &sa->path;

	memset(sel, 0, sizeof(*sel));
	sel->family = p->local.family;
	kaddr(out ? &p->local : &p->remote, &sel->src);
	kaddr(out ? &p->remote : &p->local, &sel->dst);
	sel->src_plen = sel->dst_plen = (uint8_t)oe_addr_maxplen(&p->local);
	sel->proto = sa->child.ts_remote.ip_proto;
}

static int
install_sa(struct ikev2_ike_sa *sa, const struct conf_conn *c, bool inbound,
    const uint8_t *enc, size_t enc_len, const uint8_t *integ, size_t integ_len)
{
	struct kernel *k = sa->iked->kernel;
	struct kernel_sa ks;

	memset(&ks, 0, sizeof(ks));
	kaddr(inbound ? &sa->path.remote : &sa->path.local, &ks.src);
	kaddr(inbound ? &sa->path.local : &sa->path.remote, &ks.dst);
	ks.spi = inbound ? sa->child.spi_in : sa->child.spi_out;
	ks.mode = sa->child.transport ? KERNEL_MODE_TRANSPORT :
	    KERNEL_MODE_TUNNEL;
	ks.reqid = sa->child.reqid;
	if (ikev2_kernel_enc(sa->child.alg.encr, &ks.enc) < 0 ||
	    ikev2_kernel_integ(sa->child.alg.integ, &ks.integ) < 0)
		return -1;
	ks.enc_key = enc;
	ks.enc_key_len = enc_len;
	ks.integ_key = integ;
	ks.integ_key_len = integ_len;
	ks.replay_window = c->replay_window;
	ks.inbound = inbound;
	ks.lifetime.hard_seconds = sa->child.lifetime;
	ks.lifetime.soft_seconds = sa->child.lifetime > c->rekeymargin ?
	    sa->child.lifetime - c->rekeymargin : sa->child.lifetime;
	if (sa->child.transport)
		child_selector(sa, !inbound, &ks.sel);
	/* The inbound SPI was reserved as a larval SA: fill it in. */
	return inbound ? kernel_update_sa(k, &ks) : kernel_add_sa(k, &ks);
}

static int
install_policies(struct ikev2_ike_sa *sa)
{
	struct kernel *k = sa->iked->kernel;
	struct kernel_policy pol;
	int dir, r;

	for (dir = 0; dir < 2; dir++) {
		memset(&pol, 0, sizeof(pol));
		child_selector(sa, dir == 1, &pol.sel);
		pol.dir = dir == 1 ? KERNEL_DIR_OUT : KERNEL_DIR_IN;
		pol.action = KERNEL_POLICY_IPSEC;
		/* Host-to-host: above shunts and group policies (policy.h). */
		pol.priority = policy_host_priority(&k->cfg);
		pol.mode = sa->child.transport ? KERNEL_MODE_TRANSPORT :
		    KERNEL_MODE_TUNNEL;
		pol.reqid = sa->child.reqid;
		kaddr(dir == 1 ? &sa->path.local : &sa->path.remote,
		    &pol.tmpl_src);
		kaddr(dir == 1 ? &sa->path.remote : &sa->path.local,
		    &pol.tmpl_dst);
		r = kernel_replace_policy(k, &pol);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Derive KEYMAT and install both directions and the policies. */
static int
child_install(struct ikev2_ike_sa *sa, const struct conf_conn *c)
{
	const struct crypto_encr *encr;
	const struct crypto_integ *integ = NULL;
	struct crypto_child_keys ck;
	uint8_t keymat[2 * (64 + 64)];
	size_t len;
	int ret = -1, r;
	char tag[80];

	ikev2_sa_tag(sa, tag, sizeof(tag));
	encr = crypto_encr_lookup(sa->child.alg.encr, sa->child.alg.encr_bits);
	if (sa->child.alg.integ != 0)
		integ = crypto_integ_lookup(sa->child.alg.integ);
	if (encr == NULL || (sa->child.alg.integ != 0 && integ == NULL))
		return -1;
	len = crypto_child_keymat_len(encr, integ);
	if (len == 0 || len > sizeof(keymat))
		return -1;
	if (crypto_child_keymat(sa->prf, sa->keys.sk_d, NULL, sa->ni,
	    sa->ni_len, sa->nr, sa->nr_len, keymat, len) < 0 ||
	    crypto_child_keys_split(encr, integ, keymat, len, &ck) < 0)
		goto out;
	/* KEYMAT: initiator->responder keys first (2.17). */
	if (sa->initiator) {
		r = install_sa(sa, c, false, ck.enc_i, ck.enc_len, ck.integ_i,
		    ck.integ_len);
		if (r == 0)
			r = install_sa(sa, c, true, ck.enc_r, ck.enc_len,
			    ck.integ_r, ck.integ_len);
		key_fingerprint(ck.enc_i, ck.enc_len, ck.integ_i, ck.integ_len,
		    sa->child.fp_out);
		key_fingerprint(ck.enc_r, ck.enc_len, ck.integ_r, ck.integ_len,
		    sa->child.fp_in);
	} else {
		r = install_sa(sa, c, false, ck.enc_r, ck.enc_len, ck.integ_r,
		    ck.integ_len);
		if (r == 0)
			r = install_sa(sa, c, true, ck.enc_i, ck.enc_len,
			    ck.integ_i, ck.integ_len);
		key_fingerprint(ck.enc_r, ck.enc_len, ck.integ_r, ck.integ_len,
		    sa->child.fp_out);
		key_fingerprint(ck.enc_i, ck.enc_len, ck.integ_i, ck.integ_len,
		    sa->child.fp_in);
	}
	if (r == 0)
		r = install_policies(sa);
	if (r < 0) {
		oe_err("%s: installing the Child SA failed: %s", tag,
		    strerror(-r));
		goto out;
	}
	sa->child.installed = true;
	sa->child.established_usec = iked_now_usec(sa->iked);
	sa->iked->stats.child_installed++;
	oe_info("%s: Child SA installed: %s mode, SPI in 0x%08x out 0x%08x, %s",
	    tag, sa->child.transport ? "transport" : "tunnel", sa->child.spi_in,
	    sa->child.spi_out, ikev2_name(IKEV2_REG_ENCR, sa->child.alg.encr));
	ret = 0;
out:
	explicit_bzero(keymat, sizeof(keymat));
	explicit_bzero(&ck, sizeof(ck));
	return ret;
}

void
ikev2_child_remove(struct ikev2_ike_sa *sa)
{
	struct kernel *k = sa->iked->kernel;
	struct kernel_sa_id id;
	struct kernel_selector sel;

	if (!sa->child.present || k == NULL)
		return;
	memset(&id, 0, sizeof(id));
	if (sa->child.spi_in != 0) {
		kaddr(&sa->path.local, &id.dst);
		id.spi = sa->child.spi_in;
		(void)kernel_del_sa(k, &id);
	}
	if (sa->child.installed) {
		kaddr(&sa->path.remote, &id.dst);
		id.spi = sa->child.spi_out;
		(void)kernel_del_sa(k, &id);
		child_selector(sa, true, &sel);
		(void)kernel_del_policy(k, &sel, KERNEL_DIR_OUT, NULL);
		child_selector(sa, false, &sel);
		(void)kernel_del_policy(k, &sel, KERNEL_DIR_IN, NULL);
	}
	sa->child.installed = false;
	sa->child.present = false;
}

/* Reserve our inbound SPI for the Child SA. */
static int
child_alloc_spi(struct ikev2_ike_sa *sa)
{
	struct kernel_addr src, dst;
	int r;

	kaddr(&sa->path.remote, &src);
	kaddr(&sa->path.local, &dst);
	sa->child.reqid = iked_alloc_reqid(sa->iked);
	r = kernel_alloc_spi(sa->iked->kernel, &src, &dst, sa->child.reqid,
	    &sa->child.spi_in);
	if (r < 0) {
		oe_err("allocating an SPI: %s", strerror(-r));
		return -1;
	}
	sa->child.present = true;
	return 0;
}

static void
spi_be(uint32_t spi, uint8_t out[4])
{
	out[0] = (uint8_t)(spi >> 24);
	out[1] = (uint8_t)(spi >> 16);
	out[2] = (uint8_t)(spi >> 8);
	out[3] = (uint8_t)spi;
}

static uint32_t
spi_from(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	    (uint32_t)b[2] << 8 | b[3];
}

/* ---- initiator ------------------------------------------------------- */

int
ikev2_auth_send_request(struct ikev2_ike_sa *sa)
{
	const struct conf_conn *c = conf_find_conn(sa->iked->conf, sa->conn);
	struct auth_msg *am;
	struct ikev2_payload *pid, *p;
	uint8_t body[300];
	size_t blen;
	int ret = -1;

	if (c == NULL)
		return -1;
	am = calloc(1, sizeof(*am));
	if (am == NULL)
		return -1;
	pid = am_add(am, IKEV2_PL_IDI);
	local_id(c, &sa->path, &pid->u.id, am->id_data, sizeof(am->id_data));
	if (ikev2_id_body(&pid->u.id, body, sizeof(body), &blen) != IKEV2_OK)
		goto out;
	p = am_add(am, IKEV2_PL_AUTH);
	if (make_auth(sa, c, body, blen, am, &sa->auth_local) < 0) {
		oe_err("conn %s: cannot compute our AUTH", c->name);
		goto out;
	}
	p->u.auth.method = sa->auth_local;
	p->u.auth.data.ptr = am->auth;
	p->u.auth.data.len = am->auth_len;
	if (child_alloc_spi(sa) < 0)
		goto out;
	sa->child.transport = c->type == CONF_TYPE_TRANSPORT;
	if (sa->child.transport)
		ikev2_notify_make(am_add(am, IKEV2_PL_NOTIFY),
		    IKEV2_N_USE_TRANSPORT_MODE, NULL, 0);
	spi_be(sa->child.spi_in, am->spi);
	if (ikev2_proposals_build(&c->esp, true, am->spi, 4, &am->sa) == 0) {
		oe_err("conn %s: no usable ESP proposal", c->name);
		goto out;
	}
	p = am_add(am, IKEV2_PL_SA);
	p->u.sa = &am->sa;
	am->tsi.count = am->tsr.count = 1;
	ts_host(&sa->path.local, &am->tsi.ts[0]);
	ts_host(&sa->path.remote, &am->tsr.ts[0]);
	p = am_add(am, IKEV2_PL_TSI);
	p->u.ts = &am->tsi;
	p = am_add(am, IKEV2_PL_TSR);
	p->u.ts = &am->tsr;
	if (ikev2_request_send(sa, IKEV2_EXCH_IKE_AUTH, am->pl, am->n) < 0)
		goto out;
	sa->state = IKEV2_SA_AUTH_SENT;
	ret = 0;
out:
	explicit_bzero(am->auth, sizeof(am->auth));
	free(am);
	return ret;
}

static void
established(struct ikev2_ike_sa *sa)
{
	char tag[80];

	sa->state = IKEV2_SA_ESTABLISHED;
	sa->established_usec = iked_now_usec(sa->iked);
	sa->iked->stats.ike_established++;
	ikev2_sa_arm_timer(sa);
	oe_info("%s: IKE SA established (conn %s, we %s, auth %s/%s)",
	    ikev2_sa_tag(sa, tag, sizeof(tag)), sa->conn,
	    sa->initiator ? "initiated" : "responded",
	    ikev2_name(IKEV2_REG_AUTH, sa->auth_local),
	    ikev2_name(IKEV2_REG_AUTH, sa->auth_peer));
}

void
ikev2_auth_recv_response(struct ikev2_ike_sa *sa, const struct ikev2_message *m)
{
	const struct conf_conn *c = conf_find_conn(sa->iked->conf, sa->conn);
	const struct ikev2_payload *pid, *pauth, *psa, *ptsi, *ptsr, *p;
	const struct ikev2_proposal *prop;
	struct ikev2_proto_choice ch;
	const char *why = NULL;
	char tag[80];

	ikev2_sa_tag(sa, tag, sizeof(tag));
	if (sa->state != IKEV2_SA_AUTH_SENT || c == NULL)
		return;
	pid = ikev2_message_find(m, IKEV2_PL_IDR, NULL);
	pauth = ikev2_message_find(m, IKEV2_PL_AUTH, NULL);
	if (pid == NULL || pauth == NULL) {
		p = ikev2_message_find(m, IKEV2_PL_NOTIFY, NULL);
		oe_info("%s: IKE_AUTH refused: %s", tag, p != NULL &&
		    ikev2_name(IKEV2_REG_NOTIFY, p->u.notify.type) ?
		    ikev2_name(IKEV2_REG_NOTIFY, p->u.notify.type) :
		    "no AUTH payload");
		ikev2_sa_fail(sa, "peer refused IKE_AUTH");
		return;
	}
	if (verify_peer(sa, c, pid, pauth, &why) < 0) {
		oe_info("%s: peer authentication failed: %s", tag, why);
		ikev2_sa_fail(sa, "peer authentication failed");
		return;
	}
	established(sa);
	psa = ikev2_message_find(m, IKEV2_PL_SA, NULL);
	ptsi = ikev2_message_find(m, IKEV2_PL_TSI, NULL);
	ptsr = ikev2_message_find(m, IKEV2_PL_TSR, NULL);
	if (psa == NULL || ptsi == NULL || ptsr == NULL) {
		oe_info("%s: no Child SA in IKE_AUTH response", tag);
		ikev2_child_remove(sa);
		ikev2_sa_complete(sa, false, "peer refused the Child SA");
		iked_state_changed(sa->iked);
		return;
	}
	if (ikev2_proposals_accept(&c->esp, true, psa->u.sa, &ch, &prop) < 0 ||
	    ts_narrow(ptsi->u.ts, &sa->path.local, &sa->child.ts_local) < 0 ||
	    ts_narrow(ptsr->u.ts, &sa->path.remote, &sa->child.ts_remote) < 0 ||
	    (sa->child.transport && ikev2_message_find_notify(m,
	    IKEV2_N_USE_TRANSPORT_MODE) == NULL)) {
		oe_info("%s: unacceptable Child SA in IKE_AUTH response", tag);
		ikev2_child_remove(sa);
		ikev2_sa_complete(sa, false, "unacceptable Child SA");
		(void)ikev2_info_send_delete(sa);
		return;
	}
	sa->child.alg = ch;
	sa->child.spi_out = spi_from(prop->spi);
	sa->child.lifetime = c->salifetime;
	if (child_install(sa, c) < 0) {
		ikev2_child_remove(sa);
		ikev2_sa_complete(sa, false, "kernel refused the Child SA");
		(void)ikev2_info_send_delete(sa);
		return;
	}
	ikev2_sa_complete(sa, true, NULL);
	iked_state_changed(sa->iked);
}

/* ---- responder ------------------------------------------------------- */

/* Decide the Child SA from the request; fills am's SA/TS payloads. */
static uint16_t
respond_child(struct ikev2_ike_sa *sa, const struct conf_conn *c,
    const struct ikev2_message *m, struct auth_msg *am)
{
	const struct ikev2_payload *psa, *ptsi, *ptsr;
	const struct ikev2_proposal *prop;
	struct ikev2_proto_choice ch;
	struct ikev2_payload *p;
	bool want_transport;

	psa = ikev2_message_find(m, IKEV2_PL_SA, NULL);
	ptsi = ikev2_message_find(m, IKEV2_PL_TSI, NULL);
	ptsr = ikev2_message_find(m, IKEV2_PL_TSR, NULL);
	if (psa == NULL || ptsi == NULL || ptsr == NULL)
		return IKEV2_N_NO_PROPOSAL_CHOSEN;	/* childless: not offered */
	want_transport = ikev2_message_find_notify(m,
	    IKEV2_N_USE_TRANSPORT_MODE) != NULL;
	if (want_transport != (c->type == CONF_TYPE_TRANSPORT))
		return IKEV2_N_NO_PROPOSAL_CHOSEN;
	if (ikev2_proposals_choose(&c->esp, true, psa->u.sa, &ch, &prop) < 0)
		return IKEV2_N_NO_PROPOSAL_CHOSEN;
	if (ts_narrow(ptsi->u.ts, &sa->path.remote, &sa->child.ts_remote) < 0 ||
	    ts_narrow(ptsr->u.ts, &sa->path.local, &sa->child.ts_local) < 0)
		return IKEV2_N_TS_UNACCEPTABLE;
	if (child_alloc_spi(sa) < 0)
		return IKEV2_N_TEMPORARY_FAILURE;
	sa->child.alg = ch;
	sa->child.spi_out = spi_from(prop->spi);
	sa->child.transport = want_transport;
	sa->child.lifetime = c->salifetime;
	if (child_install(sa, c) < 0) {
		ikev2_child_remove(sa);
		return IKEV2_N_TEMPORARY_FAILURE;
	}
	if (want_transport)
		ikev2_notify_make(am_add(am, IKEV2_PL_NOTIFY),
		    IKEV2_N_USE_TRANSPORT_MODE, NULL, 0);
	spi_be(sa->child.spi_in, am->spi);
	ikev2_proposal_answer(&ch, true, prop->num, am->spi, 4, &am->sa);
	p = am_add(am, IKEV2_PL_SA);
	p->u.sa = &am->sa;
	am->tsi.count = am->tsr.count = 1;
	am->tsi.ts[0] = sa->child.ts_remote;
	am->tsr.ts[0] = sa->child.ts_local;
	p = am_add(am, IKEV2_PL_TSI);
	p->u.ts = &am->tsi;
	p = am_add(am, IKEV2_PL_TSR);
	p->u.ts = &am->tsr;
	return 0;
}

static void
respond_error(struct ikev2_ike_sa *sa, uint32_t msgid, uint16_t type)
{
	struct ikev2_payload n;

	ikev2_notify_make(&n, type, NULL, 0);
	(void)ikev2_response_send(sa, IKEV2_EXCH_IKE_AUTH, msgid, &n, 1);
}

void
ikev2_auth_recv_request(struct ikev2_ike_sa *sa, const struct ikev2_message *m)
{
	const struct conf_conn *c = conf_find_conn(sa->iked->conf, sa->conn);
	const struct ikev2_payload *pid, *pauth;
	struct auth_msg *am = NULL;
	struct ikev2_payload *p;
	const char *why = NULL;
	uint8_t body[300];
	size_t blen;
	uint16_t child_err;
	char tag[80];

	ikev2_sa_tag(sa, tag, sizeof(tag));
	if (sa->state != IKEV2_SA_INIT_DONE || c == NULL)
		return;
	sa->msgid_in++;
	pid = ikev2_message_find(m, IKEV2_PL_IDI, NULL);
	pauth = ikev2_message_find(m, IKEV2_PL_AUTH, NULL);
	if (pid == NULL || pauth == NULL) {
		oe_info("%s: IKE_AUTH request without ID or AUTH "
		    "(EAP is not supported)", tag);
		respond_error(sa, m->hdr.msgid, IKEV2_N_AUTHENTICATION_FAILED);
		ikev2_sa_fail(sa, "IKE_AUTH without AUTH");
		return;
	}
	if (verify_peer(sa, c, pid, pauth, &why) < 0) {
		oe_log_ratelimited(&sa->iked->rl.auth, iked_now_usec(sa->iked),
		    LOG_INFO, "%s: peer authentication failed: %s", tag, why);
		respond_error(sa, m->hdr.msgid, IKEV2_N_AUTHENTICATION_FAILED);
		/* The answer stays cached until the SA dies with the timer. */
		sa->state = IKEV2_SA_DEAD;
		ikev2_sa_arm_timer(sa);
		return;
	}
	am = calloc(1, sizeof(*am));
	if (am == NULL)
		goto fail;
	p = am_add(am, IKEV2_PL_IDR);
	local_id(c, &sa->path, &p->u.id, am->id_data, sizeof(am->id_data));
	if (ikev2_id_body(&p->u.id, body, sizeof(body), &blen) != IKEV2_OK)
		goto fail;
	p = am_add(am, IKEV2_PL_AUTH);
	if (make_auth(sa, c, body, blen, am, &sa->auth_local) < 0) {
		oe_err("conn %s: cannot compute our AUTH", c->name);
		goto fail;
	}
	p->u.auth.method = sa->auth_local;
	p->u.auth.data.ptr = am->auth;
	p->u.auth.data.len = am->auth_len;
	child_err = respond_child(sa, c, m, am);
	if (child_err != 0) {
		oe_info("%s: Child SA refused: %s", tag,
		    ikev2_name(IKEV2_REG_NOTIFY, child_err));
		ikev2_notify_make(am_add(am, IKEV2_PL_NOTIFY), child_err,
		    NULL, 0);
	}
	if (ikev2_response_send(sa, IKEV2_EXCH_IKE_AUTH, m->hdr.msgid, am->pl,
	    am->n) < 0)
		goto fail;
	established(sa);
	explicit_bzero(am->auth, sizeof(am->auth));
	free(am);
	iked_state_changed(sa->iked);
	return;
fail:
	if (am != NULL) {
		explicit_bzero(am->auth, sizeof(am->auth));
		free(am);
	}
	ikev2_sa_fail(sa, "IKE_AUTH failed");
}
