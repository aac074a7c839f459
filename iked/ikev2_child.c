/*
 * Child SAs: traffic selectors, KEYMAT (RFC 7296 2.17), and their
 * kernel state (SAs in both directions and the policies) through
 * kernel_ops.  Used by IKE_AUTH (the first Child SA) and
 * CREATE_CHILD_SA (rekeying).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oe_log.h"
#include "ikev2.h"
#include "iked.h"
#include "ikev2_child.h"
#include "ikev2_exchange.h"
#include "ikev2_proposal.h"
#include "crypto.h"
#include "crypto_prf.h"
#include "kernel.h"
#include "acquire.h"
#include "policy.h"
#include "control.h"

#include <pk11pub.h>

/* ---- traffic selectors ---------------------------------------------- */

void
ikev2_ts_host(const struct oe_addr *a, struct ikev2_ts *ts)
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
int
ikev2_ts_narrow(const struct ikev2_ts_list *l, const struct oe_addr *a,
    struct ikev2_ts *out)
{
	uint8_t i;

	for (i = 0; i < l->count; i++)
		if (ts_contains(&l->ts[i], a)) {
			ikev2_ts_host(a, out);
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

/* The selector of a whole prefix, all protocols and ports. */
static void
ts_from_cidr(const struct oe_cidr *cidr, struct ikev2_ts *ts)
{
	size_t len = oe_addr_len(&cidr->addr), i;
	unsigned bits;

	memset(ts, 0, sizeof(*ts));
	ts->type = cidr->addr.family == AF_INET ? IKEV2_TS_IPV4_ADDR_RANGE :
	    IKEV2_TS_IPV6_ADDR_RANGE;
	ts->end_port = 65535;
	memcpy(ts->start_addr, oe_addr_bytes(&cidr->addr), len);
	for (i = 0; i < len; i++) {
		bits = cidr->plen > i * 8 ? cidr->plen - (unsigned)i * 8 : 0;
		if (bits >= 8) {
			ts->end_addr[i] = ts->start_addr[i];
			continue;
		}
		ts->start_addr[i] &= (uint8_t)(0xff00u >> bits);
		ts->end_addr[i] = ts->start_addr[i] | (uint8_t)(0xffu >> bits);
	}
}

void
ikev2_conn_ts(const struct conf_conn *c, const struct ikev2_ike_sa *sa,
    struct ikev2_ts *local, struct ikev2_ts *remote)
{
	if (c->left.subnet.addr.family != AF_UNSPEC)
		ts_from_cidr(&c->left.subnet, local);
	else
		ikev2_ts_host(&sa->path.local, local);
	if (c->right.subnet.addr.family != AF_UNSPEC)
		ts_from_cidr(&c->right.subnet, remote);
	else
		ikev2_ts_host(&sa->path.remote, remote);
	/* An OE instance of a port-specific group entry: that flow only. */
	if (sa->initiator && sa->flow_proto != 0) {
		local->ip_proto = remote->ip_proto = sa->flow_proto;
		if (sa->flow_sport != 0)
			local->start_port = local->end_port = sa->flow_sport;
		if (sa->flow_dport != 0)
			remote->start_port = remote->end_port = sa->flow_dport;
	}
}

/* The prefix length of [start, end] if it is exactly one prefix, else -1. */
static int
ts_prefix(const struct ikev2_ts *ts)
{
	size_t len = ts->type == IKEV2_TS_IPV4_ADDR_RANGE ? 4 : 16, i;
	int plen = 0, b;
	bool host_part = false;

	for (i = 0; i < len; i++) {
		uint8_t diff = ts->start_addr[i] ^ ts->end_addr[i];

		for (b = 7; b >= 0; b--) {
			bool differs = (diff >> b) & 1;
			bool s = (ts->start_addr[i] >> b) & 1;
			bool e = (ts->end_addr[i] >> b) & 1;

			if (!host_part && !differs) {
				plen++;
				continue;
			}
			host_part = true;
			/* below the prefix: start all zeros, end all ones */
			if (s || !e)
				return -1;
		}
	}
	return plen;
}

int
ikev2_ts_narrow_to(const struct ikev2_ts_list *l, const struct ikev2_ts *want,
    struct ikev2_ts *out)
{
	size_t len = want->type == IKEV2_TS_IPV4_ADDR_RANGE ? 4 : 16;
	uint8_t i;

	for (i = 0; i < l->count; i++) {
		const struct ikev2_ts *t = &l->ts[i];
		struct ikev2_ts x;

		if (t->type != want->type ||
		    (t->ip_proto != 0 && want->ip_proto != 0 &&
		    t->ip_proto != want->ip_proto))
			continue;
		memset(&x, 0, sizeof(x));
		x.type = want->type;
		x.ip_proto = t->ip_proto != 0 ? t->ip_proto : want->ip_proto;
		x.start_port = t->start_port > want->start_port ? t->start_port :
		    want->start_port;
		x.end_port = t->end_port < want->end_port ? t->end_port :
		    want->end_port;
		memcpy(x.start_addr, memcmp(t->start_addr, want->start_addr,
		    len) > 0 ? t->start_addr : want->start_addr, len);
		memcpy(x.end_addr, memcmp(t->end_addr, want->end_addr, len) < 0 ?
		    t->end_addr : want->end_addr, len);
		if (x.start_port > x.end_port ||
		    memcmp(x.start_addr, x.end_addr, len) > 0)
			continue;	/* no overlap */
		/* XFRM selectors take one prefix and one port or all ports. */
		if (ts_prefix(&x) < 0 || (x.start_port != x.end_port &&
		    (x.start_port != 0 || x.end_port != 65535)))
			continue;
		*out = x;
		return 0;
	}
	return -1;
}

static void
kaddr(const struct oe_addr *a, struct kernel_addr *k)
{
	memset(k, 0, sizeof(*k));
	k->family = a->family;
	memcpy(k->u.bytes, oe_addr_bytes(a), oe_addr_len(a));
}

static void
child_selector(const struct ikev2_ike_sa *sa,
    const struct ikev2_child_sa *ch, bool out, struct kernel_selector *sel)
{
	const struct ikev2_ts *src = out ? &ch->ts_local : &ch->ts_remote;
	const struct ikev2_ts *dst = out ? &ch->ts_remote : &ch->ts_local;
	size_t len = src->type == IKEV2_TS_IPV4_ADDR_RANGE ? 4 : 16;
	int sp = ts_prefix(src), dp = ts_prefix(dst);

	(void)sa;
	memset(sel, 0, sizeof(*sel));
	sel->family = len == 4 ? AF_INET : AF_INET6;
	sel->src.family = sel->dst.family = sel->family;
	memcpy(sel->src.u.bytes, src->start_addr, len);
	memcpy(sel->dst.u.bytes, dst->start_addr, len);
	/* ikev2_ts_narrow_to() admits only prefixes; be safe anyway */
	sel->src_plen = (uint8_t)(sp < 0 ? (int)len * 8 : sp);
	sel->dst_plen = (uint8_t)(dp < 0 ? (int)len * 8 : dp);
	sel->proto = ch->ts_remote.ip_proto != 0 ? ch->ts_remote.ip_proto :
	    ch->ts_local.ip_proto;
	if (src->start_port == src->end_port)
		sel->sport = src->start_port;
	if (dst->start_port == dst->end_port)
		sel->dport = dst->start_port;
}

static int
install_sa(struct ikev2_ike_sa *sa, const struct ikev2_child_sa *ch,
    const struct conf_conn *c, bool inbound,
    const uint8_t *enc, size_t enc_len, const uint8_t *integ, size_t integ_len)
{
	struct kernel *k = sa->iked->kernel;
	struct kernel_sa ks;

	memset(&ks, 0, sizeof(ks));
	kaddr(inbound ? &sa->path.remote : &sa->path.local, &ks.src);
	kaddr(inbound ? &sa->path.local : &sa->path.remote, &ks.dst);
	ks.spi = inbound ? ch->spi_in : ch->spi_out;
	ks.mode = ch->transport ? KERNEL_MODE_TRANSPORT :
	    KERNEL_MODE_TUNNEL;
	ks.reqid = ch->reqid;
	if (ikev2_kernel_enc(ch->alg.encr, &ks.enc) < 0 ||
	    ikev2_kernel_integ(ch->alg.integ, &ks.integ) < 0)
		return -1;
	ks.enc_key = enc;
	ks.enc_key_len = enc_len;
	ks.integ_key = integ;
	ks.integ_key_len = integ_len;
	/*
	 * ESP in UDP (RFC 3948) between the IKE ports in use, only with a
	 * NAT detected or encapsulation=yes: a peer may float to the NAT-T
	 * port without a NAT (strongSwan does) and then sends and expects
	 * plain ESP; the kernel drops ESP whose encapsulation differs from
	 * its SA's.
	 */
	if (sa->path.natt && (sa->nat_local || sa->nat_remote ||
	    c->encapsulation == CONF_ENCAPS_YES)) {
		ks.encap.enabled = true;
		ks.encap.sport = inbound ? sa->path.rport : sa->path.lport;
		ks.encap.dport = inbound ? sa->path.lport : sa->path.rport;
	}
	ks.replay_window = c->replay_window;
	ks.inbound = inbound;
	ks.lifetime.hard_seconds = ch->lifetime;
	ks.lifetime.soft_seconds = ch->lifetime > c->rekeymargin ?
	    ch->lifetime - c->rekeymargin : ch->lifetime;
	if (ch->transport)
		child_selector(sa, ch, !inbound, &ks.sel);
	/* The inbound SPI was reserved as a larval SA: fill it in. */
	return inbound ? kernel_update_sa(k, &ks) : kernel_add_sa(k, &ks);
}

static int
install_policies(struct ikev2_ike_sa *sa, const struct ikev2_child_sa *ch)
{
	struct kernel *k = sa->iked->kernel;
	struct kernel_policy pol;
	int dir, r;

	for (dir = 0; dir < 2; dir++) {
		memset(&pol, 0, sizeof(pol));
		child_selector(sa, ch, dir == 1, &pol.sel);
		pol.dir = dir == 1 ? KERNEL_DIR_OUT : KERNEL_DIR_IN;
		pol.action = KERNEL_POLICY_IPSEC;
		/* Host-to-host: above shunts and group policies (policy.h). */
		pol.priority = policy_host_priority(&k->cfg);
		pol.mode = ch->transport ? KERNEL_MODE_TRANSPORT :
		    KERNEL_MODE_TUNNEL;
		pol.reqid = ch->reqid;
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

/* ---- who holds the policies of a pair of selectors ---------------------- */

/* Whether o's Child SA is installed with ch's selectors (and is not ch). */
static bool
holds_selectors(const struct ikev2_ike_sa *o, const struct ikev2_child_sa *ch)
{
	const struct ikev2_child_sa *c = &o->child;

	return c != ch && c->installed &&
	    memcmp(&c->ts_local, &ch->ts_local, sizeof(c->ts_local)) == 0 &&
	    memcmp(&c->ts_remote, &ch->ts_remote, sizeof(c->ts_remote)) == 0;
}

/*
 * The first SA other than `except` in the index's `kind` list whose
 * installed Child SA shares ch's selectors, and so ch's kernel
 * policies; NULL if none.
 */
static struct ikev2_ike_sa *
find_holder(struct iked *d, enum ikev2_sel_kind kind,
    const struct ikev2_child_sa *ch, const struct ikev2_ike_sa *except)
{
	struct ikev2_ike_sa *o;

	ikev2_sa_selfcheck(d);
	for (o = ikev2_sa_first_sel(d->sas, kind, &ch->ts_local,
	    &ch->ts_remote); o != NULL; o = ikev2_sa_next_sel(o))
		if (o != except && holds_selectors(o, ch))
			return o;
	return NULL;
}

enum policy_verdict {
	POLICY_TAKE,		/* install ch's policies now */
	POLICY_DEFER,		/* kernel SAs only; policies on confirmation */
	POLICY_REFUSE,		/* no Child SA at all */
};

/*
 * The one rule for the kernel policies of ch's selectors, which are
 * keyed by selector and so shared by every Child SA with the same
 * ones (RFC 7296 2.4 leaves replacing an SA with the same peer to us):
 *  - a Child SA whose peer authenticated more weakly (NULL) than the
 *    peer of an installed Child SA holding these policies (a key) is
 *    refused: anyone can send NULL auth from a keyed peer's address;
 *  - at equal or greater strength the initiator takes the policies at
 *    once (it has verified the responder's AUTH), while the responder
 *    leaves them with the holder until the initiator shows it accepted
 *    our AUTH (ikev2_child_confirm()): until then a failed or abandoned
 *    attempt must not break the working SA.
 * Holders whose own policies are deferred do not count.  INITIAL_CONTACT
 * (equal strength, same conn) removes stale holders before this runs
 * (ikev2_auth.c), so a peer's restart is immediate.
 */
static enum policy_verdict
policy_verdict(struct ikev2_ike_sa *sa, const struct ikev2_child_sa *ch,
    const char **why)
{
	struct iked *d = sa->iked;

	if (find_holder(d, IKEV2_SEL_KEYED, ch, sa) != NULL) {
		if (!ikev2_sa_peer_keyed(sa)) {
			*why = "an SA whose peer authenticated with a key holds "
			    "these selectors; NULL authentication cannot take "
			    "them over";
			return POLICY_REFUSE;
		}
	} else if (find_holder(d, IKEV2_SEL_NULL, ch, sa) == NULL) {
		return POLICY_TAKE;
	}
	return sa->initiator ? POLICY_TAKE : POLICY_DEFER;
}

/* Two directions of the longest encryption key and salt plus integrity key. */
#define CHILD_KEYMAT_MAX	(2 * (64 + 64))

/*
 * The Child SA's KEYMAT (RFC 7296 2.17) into keymat, and ck pointing at
 * its keys there; the caller zeroes keymat.  sk_d may be parked, so it
 * is unwrapped for this call only.  0 or -1.
 */
static int
child_keys(struct ikev2_ike_sa *sa, const struct ikev2_child_sa *ch,
    PK11SymKey *gir, const uint8_t *ni, size_t ni_len, const uint8_t *nr,
    size_t nr_len, uint8_t keymat[CHILD_KEYMAT_MAX],
    struct crypto_child_keys *ck)
{
	const struct crypto_encr *encr;
	const struct crypto_integ *integ = NULL;
	PK11SymKey *sk_d;
	size_t len;
	int ret = -1;

	encr = crypto_encr_lookup(ch->alg.encr, ch->alg.encr_bits);
	if (ch->alg.integ != 0)
		integ = crypto_integ_lookup(ch->alg.integ);
	if (encr == NULL || (ch->alg.integ != 0 && integ == NULL))
		return -1;
	len = crypto_child_keymat_len(encr, integ);
	if (len == 0 || len > CHILD_KEYMAT_MAX)
		return -1;
	sk_d = crypto_ike_keys_sk_d(&sa->keys);
	if (sk_d == NULL)
		return -1;
	if (crypto_child_keymat(sa->prf, sk_d, gir, ni, ni_len, nr, nr_len,
	    keymat, len) == 0 &&
	    crypto_child_keys_split(encr, integ, keymat, len, ck) == 0)
		ret = 0;
	PK11_FreeSymKey(sk_d);
	return ret;
}

int
ikev2_child_install(struct ikev2_ike_sa *sa, struct ikev2_child_sa *ch,
    const struct conf_conn *c, const uint8_t *ni, size_t ni_len,
    const uint8_t *nr, size_t nr_len, PK11SymKey *gir)
{
	struct crypto_child_keys ck;
	uint8_t keymat[CHILD_KEYMAT_MAX];
	int ret = -1, r;
	enum policy_verdict verdict;
	const char *why = NULL;
	char tag[80];

	ikev2_sa_tag(sa, tag, sizeof(tag));
	/* A rekeyed Child SA keeps the reqid: the policies stay as they are. */
	verdict = ch->rekeyed ? POLICY_TAKE : policy_verdict(sa, ch, &why);
	if (verdict == POLICY_REFUSE) {
		oe_info("%s: Child SA refused: %s", tag, why);
		return -1;
	}
	memset(&ck, 0, sizeof(ck));
	if (child_keys(sa, ch, gir, ni, ni_len, nr, nr_len, keymat, &ck) < 0)
		goto out;
	/* KEYMAT: the exchange's initiator->responder keys first (2.17). */
	if (sa->initiator != ch->role_swapped) {
		r = install_sa(sa, ch, c, false, ck.enc_i, ck.enc_len, ck.integ_i,
		    ck.integ_len);
		if (r == 0)
			r = install_sa(sa, ch, c, true, ck.enc_r, ck.enc_len,
			    ck.integ_r, ck.integ_len);
		key_fingerprint(ck.enc_i, ck.enc_len, ck.integ_i, ck.integ_len,
		    ch->fp_out);
		key_fingerprint(ck.enc_r, ck.enc_len, ck.integ_r, ck.integ_len,
		    ch->fp_in);
	} else {
		r = ch->out_later ? 0 : install_sa(sa, ch, c, false, ck.enc_r,
		    ck.enc_len, ck.integ_r, ck.integ_len);
		if (r == 0)
			r = install_sa(sa, ch, c, true, ck.enc_i, ck.enc_len,
			    ck.integ_i, ck.integ_len);
		key_fingerprint(ck.enc_r, ck.enc_len, ck.integ_r, ck.integ_len,
		    ch->fp_out);
		key_fingerprint(ck.enc_i, ck.enc_len, ck.integ_i, ck.integ_len,
		    ch->fp_in);
	}
	/* Port-specific clear/block entries keep winning (policy.h). */
	if (r == 0 && !ch->rekeyed)
		policy_daemon_child_up(sa->iked, &sa->path.remote);
	if (r == 0 && !ch->rekeyed && verdict == POLICY_DEFER) {
		sa->child_policies_deferred = true;
		oe_info("%s: another SA with these selectors keeps the policies "
		    "until the initiator confirms this one", tag);
	} else if (r == 0 && !ch->rekeyed) {
		r = install_policies(sa, ch);
	}
	if (r < 0) {
		oe_err("%s: installing the Child SA failed: %s", tag,
		    strerror(-r));
		goto out;
	}
	ch->installed = true;
	ikev2_sa_index_child(sa);	/* ch is sa->child, or has its selectors */
	ch->established_usec = iked_now_usec(sa->iked);
	sa->iked->stats.child_installed++;
	oe_info("%s: Child SA installed: %s mode, SPI in 0x%08x out 0x%08x, %s",
	    tag, ch->transport ? "transport" : "tunnel", ch->spi_in,
	    ch->spi_out, ikev2_name(IKEV2_REG_ENCR, ch->alg.encr));
	/* oectl watchers and journal fields (OE_PEER=, OE_SA_ID=, ...). */
	control_sa_event(sa->iked, sa, ch->rekeyed ? "sa-rekey" : "sa-up",
	    NULL);
	ret = 0;
out:
	explicit_bzero(keymat, sizeof(keymat));
	explicit_bzero(&ck, sizeof(ck));
	return ret;
}

int
ikev2_child_install_out(struct ikev2_ike_sa *sa, struct ikev2_child_sa *ch,
    const struct conf_conn *c, const uint8_t *ni, size_t ni_len,
    const uint8_t *nr, size_t nr_len, PK11SymKey *gir)
{
	struct crypto_child_keys ck;
	uint8_t keymat[CHILD_KEYMAT_MAX];
	int ret = -1;

	/* Only the exchange's responder waits: its outbound keys are Nr's. */
	if (!ch->out_later || !ch->installed ||
	    sa->initiator != ch->role_swapped)
		return -1;
	memset(&ck, 0, sizeof(ck));
	/* The same KEYMAT as at ikev2_child_install(): responder->initiator. */
	if (child_keys(sa, ch, gir, ni, ni_len, nr, nr_len, keymat, &ck) == 0 &&
	    install_sa(sa, ch, c, false, ck.enc_r, ck.enc_len, ck.integ_r,
	    ck.integ_len) == 0) {
		ch->out_later = false;
		ret = 0;
	}
	explicit_bzero(keymat, sizeof(keymat));
	explicit_bzero(&ck, sizeof(ck));
	return ret;
}

/*
 * Another installed Child SA (of any IKE SA) with the same selectors
 * as ch, which shares ch's kernel policies (they are keyed by
 * selector): a duplicate SA after crossed initiations, or the new SA
 * of a peer that restarted.  NULL if none.
 */
static struct ikev2_child_sa *
same_selectors(struct ikev2_ike_sa *sa, const struct ikev2_child_sa *ch,
    struct ikev2_ike_sa **owner)
{
	struct ikev2_ike_sa *o;
	int k;

	for (k = 0; k < IKEV2_SEL_KINDS; k++) {
		o = find_holder(sa->iked, (enum ikev2_sel_kind)k, ch, NULL);
		if (o != NULL) {
			*owner = o;
			return &o->child;
		}
	}
	return NULL;
}

void
ikev2_child_uninstall(struct ikev2_ike_sa *sa, struct ikev2_child_sa *ch,
    bool policies)
{
	struct kernel *k = sa->iked->kernel;
	struct kernel_sa_id id;
	struct kernel_selector sel;

	if (!ch->present || k == NULL)
		return;
	memset(&id, 0, sizeof(id));
	if (ch->spi_in != 0) {
		kaddr(&sa->path.local, &id.dst);
		id.spi = ch->spi_in;
		(void)kernel_del_sa(k, &id);
	}
	if (ch->installed) {
		kaddr(&sa->path.remote, &id.dst);
		id.spi = ch->spi_out;
		(void)kernel_del_sa(k, &id);
	}
	if (ch->installed && policies) {
		struct ikev2_ike_sa *osa;
		struct ikev2_child_sa *och = same_selectors(sa, ch, &osa);

		if (och != NULL) {
			/* Still needed: point them at the survivor's reqid. */
			if (install_policies(osa, och) == 0) {
				osa->child_policies_deferred = false;
				ikev2_sa_index_child(osa);
			}
		} else {
			child_selector(sa, ch, true, &sel);
			(void)kernel_del_policy(k, &sel, KERNEL_DIR_OUT, NULL);
			child_selector(sa, ch, false, &sel);
			(void)kernel_del_policy(k, &sel, KERNEL_DIR_IN, NULL);
		}
	}
	ch->installed = false;
	ch->present = false;
	ikev2_sa_index_child(sa);	/* if ch was sa->child: unfiled */
}

void
ikev2_child_confirm(struct ikev2_ike_sa *sa)
{
	const char *why = NULL;
	char tag[80];

	if (!sa->child_policies_deferred || !sa->child.installed ||
	    sa->state != IKEV2_SA_ESTABLISHED)
		return;
	ikev2_sa_tag(sa, tag, sizeof(tag));
	/* A more strongly authenticated holder may have come meanwhile. */
	if (policy_verdict(sa, &sa->child, &why) == POLICY_REFUSE) {
		oe_debug("%s: confirmed, but %s", tag, why);
		return;
	}
	if (install_policies(sa, &sa->child) < 0) {
		oe_err("%s: taking over the policies failed", tag);
		return;
	}
	sa->child_policies_deferred = false;
	ikev2_sa_index_child(sa);
	oe_info("%s: initiator confirmed the IKE SA: its Child SA now holds "
	    "the policies", tag);
}

int
ikev2_child_alloc_spi(struct ikev2_ike_sa *sa, struct ikev2_child_sa *ch,
    bool new_reqid)
{
	struct kernel_addr src, dst;
	int r;

	kaddr(&sa->path.remote, &src);
	kaddr(&sa->path.local, &dst);
	if (new_reqid)
		ch->reqid = iked_alloc_reqid(sa->iked);
	r = kernel_alloc_spi(sa->iked->kernel, &src, &dst, ch->reqid,
	    &ch->spi_in);
	if (r < 0) {
		oe_err("allocating an SPI: %s", strerror(-r));
		return -1;
	}
	ch->present = true;
	return 0;
}

void
ikev2_spi_be(uint32_t spi, uint8_t out[4])
{
	out[0] = (uint8_t)(spi >> 24);
	out[1] = (uint8_t)(spi >> 16);
	out[2] = (uint8_t)(spi >> 8);
	out[3] = (uint8_t)spi;
}

uint32_t
ikev2_spi_from(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	    (uint32_t)b[2] << 8 | b[3];
}


void
ikev2_child_remove(struct ikev2_ike_sa *sa)
{
	/* The old one of a rekey shares the policies of the current one. */
	ikev2_child_uninstall(sa, &sa->old_child, false);
	memset(&sa->old_child, 0, sizeof(sa->old_child));
	ikev2_child_uninstall(sa, &sa->rekey_child, false);
	memset(&sa->rekey_child, 0, sizeof(sa->rekey_child));
	ikev2_child_uninstall(sa, &sa->child, true);
	sa->child.installed = false;
	sa->child.present = false;
	ikev2_sa_index_child(sa);
}
