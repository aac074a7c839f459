/*
 * IKE_SA_INIT, both roles (RFC 7296 1.2): proposal choice, KE,
 * nonces, NAT detection (2.23), SIGNATURE_HASH_ALGORITHMS (RFC 7427),
 * IKEV2_FRAGMENTATION_SUPPORTED (RFC 7383), INVALID_KE_PAYLOAD retry
 * (1.3) and COOKIE above the half-open threshold (2.6).  Also the
 * single initiation entry point ikev2_initiate().
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "oe_log.h"
#include "ikev2.h"
#include "iked.h"
#include "ikev2_auth.h"
#include "ikev2_exchange.h"
#include "ikev2_proposal.h"
#include "ikev2_sa.h"
#include "crypto.h"
#include "crypto_dh.h"
#include "crypto_prf.h"
#include "crypto_sk.h"
#include "conf_value.h"
#include "policy_group.h"
#include "policy.h"

#include <pk11pub.h>

#define NONCE_LEN		32	/* >= half the largest PRF key (2.10) */
#define MAX_INIT_RETRIES	3	/* INVALID_KE / COOKIE round trips */
#define MAX_INIT_PAYLOADS	12

/* RFC 7427 hashes we verify with: SHA2-256, -384, -512. */
static const uint8_t sig_hash_data[] = { 0, 2, 0, 3, 0, 4 };

static void
spi_bytes(uint64_t spi, uint8_t out[8])
{
	int i;

	for (i = 7; i >= 0; i--) {
		out[i] = (uint8_t)spi;
		spi >>= 8;
	}
}

/* NAT_DETECTION_*_IP data: SHA-1(SPIi | SPIr | IP | port) (2.23). */
static int
natd_hash(uint64_t ispi, uint64_t rspi, const struct oe_addr *a, uint16_t port,
    uint8_t out[IKEV2_NATD_LEN])
{
	uint8_t in[8 + 8 + 16 + 2];
	size_t alen = oe_addr_len(a), n = 0;

	spi_bytes(ispi, in);
	spi_bytes(rspi, in + 8);
	n = 16;
	memcpy(in + n, oe_addr_bytes(a), alen);
	n += alen;
	in[n++] = (uint8_t)(port >> 8);
	in[n++] = (uint8_t)port;
	return PK11_HashBuf(SEC_OID_SHA1, out, in, (PRInt32)n) == SECSuccess ?
	    0 : -1;
}

/* ---- which conn governs a peer ---------------------------------------- */

static bool
host_matches(const struct conf_host *h, const struct oe_addr *a)
{
	switch (h->kind) {
	case CONF_HOST_ADDR:
		return oe_addr_eq(&h->addr, a);
	case CONF_HOST_ANY:
	case CONF_HOST_DEFAULTROUTE:
	case CONF_HOST_UNSET:
		return true;
	default:
		return false;
	}
}

/*
 * The conn for a peer, most specific first, as a libreswan user
 * expects: a conn naming the peer's address (or, with what IKE_AUTH
 * tells, its ID) exactly; then a right=%any conn; then the
 * opportunistic group conn whose entry holds the peer with the longest
 * prefix (policy group precedence; if a shunt group's entry wins, no
 * group conn).  Ties go to the conn that comes first.  `accepts`
 * (may be NULL) filters by the peer's ID and AUTH once they are known:
 * < 0 rejects the conn, > 0 says its rightid= names the peer exactly.
 */
static int
conn_rank(const struct conf_conn *c, const struct oe_addr *peer, int id_match)
{
	if (c->right.host.kind == CONF_HOST_ADDR)
		return oe_addr_eq(&c->right.host.addr, peer) ?
		    (id_match > 0 ? 4 : 3) : -1;
	if (c->right.host.kind == CONF_HOST_ANY)
		return id_match > 0 ? 3 : 2;
	return -1;
}

/* The best group conn for peer; NULL if none, or if a shunt's entry wins. */
static const struct conf_conn *
group_conn_for_peer(const struct iked_conf *conf, const struct oe_addr *local,
    const struct oe_addr *peer, ikev2_conn_accepts_fn accepts, void *arg)
{
	const struct conf_conn *best = NULL;
	uint32_t score, best_score = 0;
	size_t i, j;

	for (i = 0; i < conf->nconns; i++) {
		const struct conf_conn *c = &conf->conns[i];
		bool ike = conf_conn_is_ike(c);

		if (c->group == NULL || c->disabled ||
		    c->autostart == CONF_AUTO_IGNORE)
			continue;
		if (ike && ((local != NULL && !host_matches(&c->left.host,
		    local)) || (accepts != NULL && accepts(c, arg) < 0)))
			continue;
		for (j = 0; j < c->group->n; j++) {
			const struct policy_entry *e = &c->group->entries[j];

			/* IKE is for the whole host: host-wide entries only. */
			if (e->proto != 0 || e->sport != 0 || e->dport != 0 ||
			    !conf_cidr_contains(&e->dst, peer))
				continue;
			score = policy_entry_score(c, e);
			if (best == NULL || score > best_score) {
				best = c;
				best_score = score;
			}
		}
	}
	return best != NULL && conf_conn_is_ike(best) ? best : NULL;
}

const struct conf_conn *
ikev2_conn_for_peer(const struct iked_conf *conf, const struct oe_addr *local,
    const struct oe_addr *peer, ikev2_conn_accepts_fn accepts, void *arg)
{
	const struct conf_conn *best = NULL;
	int rank, best_rank = -1, id_match;
	size_t i;

	for (i = 0; i < conf->nconns; i++) {
		const struct conf_conn *c = &conf->conns[i];

		if (c->disabled || !conf_conn_is_ike(c) ||
		    c->autostart == CONF_AUTO_IGNORE)
			continue;
		if (local != NULL && !host_matches(&c->left.host, local))
			continue;
		id_match = accepts != NULL ? accepts(c, arg) : 0;
		if (id_match < 0)
			continue;
		rank = conn_rank(c, peer, id_match);
		if (rank > best_rank) {
			best = c;
			best_rank = rank;
		}
	}
	if (best != NULL)
		return best;
	return group_conn_for_peer(conf, local, peer, accepts, arg);
}

static const struct conf_conn *
conn_for_peer(const struct iked_conf *conf, const struct oe_addr *local,
    const struct oe_addr *peer)
{
	return ikev2_conn_for_peer(conf, local, peer, NULL, NULL);
}

/* Our address towards `peer`: the conn's left=, else the route's source. */
static int
local_addr_for(const struct conf_conn *c, const struct iked_conf *conf,
    const struct oe_addr *peer, struct oe_addr *out)
{
	struct sockaddr_storage ss, me;
	socklen_t slen, mlen = sizeof(me);
	uint32_t i;
	int fd, r = -1;

	if (c->left.host.kind == CONF_HOST_ADDR) {
		*out = c->left.host.addr;
		return 0;
	}
	for (i = 0; i < conf->setup.listen.n; i++)
		if (conf->setup.listen.a[i].family == peer->family) {
			*out = conf->setup.listen.a[i];
			return 0;
		}
	/* connect() on UDP sends nothing: it only asks the routing table. */
	slen = oe_addr_to_sockaddr(peer, 500, &ss);
	fd = socket(peer->family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* The route lookup must not hit our own traps (an ACQUIRE). */
	(void)policy_socket_bypass(fd, peer->family);
	if (connect(fd, (struct sockaddr *)&ss, slen) == 0 &&
	    getsockname(fd, (struct sockaddr *)&me, &mlen) == 0 &&
	    oe_addr_from_sockaddr(out, (struct sockaddr *)&me, mlen) == 0)
		r = 0;
	close(fd);
	return r;
}

/* ---- keys ------------------------------------------------------------ */

int
ikev2_init_derive_keys(struct ikev2_ike_sa *sa, const uint8_t *peer_ke,
    size_t peer_ke_len, const struct ikev2_ike_sa *rekey_of)
{
	PK11SymKey *gir = NULL, *skeyseed = NULL, *old_sk_d = NULL;
	uint8_t spi_i[8], spi_r[8];
	const struct crypto_encr *encr;
	const struct crypto_prf *prf;
	const struct crypto_integ *integ = NULL;
	int ret = -1;

	encr = crypto_encr_lookup(sa->alg.encr, sa->alg.encr_bits);
	prf = crypto_prf_lookup(sa->alg.prf);
	if (sa->alg.integ != 0)
		integ = crypto_integ_lookup(sa->alg.integ);
	if (encr == NULL || prf == NULL || (sa->alg.integ != 0 && integ == NULL))
		return -1;
	gir = crypto_dh_shared(sa->dh, peer_ke, peer_ke_len);
	if (gir == NULL)
		goto out;
	/* A rekeyed IKE SA mixes in the old SK_d (RFC 7296 2.18). */
	if (rekey_of != NULL &&
	    (old_sk_d = crypto_ike_keys_sk_d(&rekey_of->keys)) == NULL)
		goto out;
	skeyseed = rekey_of == NULL ? crypto_skeyseed(prf, sa->ni, sa->ni_len,
	    sa->nr, sa->nr_len, gir) : crypto_skeyseed_rekey(rekey_of->prf,
	    old_sk_d, gir, sa->ni, sa->ni_len, sa->nr, sa->nr_len);
	if (skeyseed == NULL)
		goto out;
	spi_bytes(sa->ispi, spi_i);
	spi_bytes(sa->rspi, spi_r);
	if (crypto_ike_keys_derive(prf, encr, integ, skeyseed, sa->ni,
	    sa->ni_len, sa->nr, sa->nr_len, spi_i, spi_r, &sa->keys) < 0)
		goto out;
	sa->have_keys = true;
	sa->prf = prf;
	sa->encr = encr;
	sa->integ = integ;
	if (sa->initiator) {
		sa->sk_out = crypto_sk_new(encr, integ, sa->keys.sk_ei,
		    sa->keys.sk_ai, encr->aead ? sa->keys.salt_i : NULL,
		    encr->aead ? sa->keys.salt_len : 0);
		sa->sk_in = crypto_sk_new(encr, integ, sa->keys.sk_er,
		    sa->keys.sk_ar, encr->aead ? sa->keys.salt_r : NULL,
		    encr->aead ? sa->keys.salt_len : 0);
	} else {
		sa->sk_out = crypto_sk_new(encr, integ, sa->keys.sk_er,
		    sa->keys.sk_ar, encr->aead ? sa->keys.salt_r : NULL,
		    encr->aead ? sa->keys.salt_len : 0);
		sa->sk_in = crypto_sk_new(encr, integ, sa->keys.sk_ei,
		    sa->keys.sk_ai, encr->aead ? sa->keys.salt_i : NULL,
		    encr->aead ? sa->keys.salt_len : 0);
	}
	if (sa->sk_out == NULL || sa->sk_in == NULL)
		goto out;
	ret = 0;
out:
	if (gir != NULL)
		PK11_FreeSymKey(gir);
	if (skeyseed != NULL)
		PK11_FreeSymKey(skeyseed);
	if (old_sk_d != NULL)
		PK11_FreeSymKey(old_sk_d);
	/* The DH private key has done its job (forward secrecy). */
	if (sa->dh != NULL) {
		crypto_dh_free(sa->dh);
		sa->dh = NULL;
	}
	return ret;
}

/* ---- common payloads ------------------------------------------------- */

struct init_payloads {
	struct ikev2_payload	 pl[MAX_INIT_PAYLOADS];
	size_t			 n;
	struct ikev2_sa		 sa;
	uint8_t			 natd_src[IKEV2_NATD_LEN];
	uint8_t			 natd_dst[IKEV2_NATD_LEN];
};

static struct ikev2_payload *
ip_add(struct init_payloads *ip, uint8_t type)
{
	struct ikev2_payload *p = &ip->pl[ip->n++];

	memset(p, 0, sizeof(*p));
	p->type = type;
	return p;
}

/* The notifies both roles send: NAT-D, fragmentation, hash algorithms. */
static int
add_common_notifies(struct ikev2_ike_sa *sa, struct init_payloads *ip)
{
	if (natd_hash(sa->ispi, sa->rspi, &sa->path.local, sa->path.lport,
	    ip->natd_src) < 0 ||
	    natd_hash(sa->ispi, sa->rspi, &sa->path.remote, sa->path.rport,
	    ip->natd_dst) < 0)
		return -1;
	ikev2_notify_make(ip_add(ip, IKEV2_PL_NOTIFY),
	    IKEV2_N_NAT_DETECTION_SOURCE_IP, ip->natd_src, IKEV2_NATD_LEN);
	ikev2_notify_make(ip_add(ip, IKEV2_PL_NOTIFY),
	    IKEV2_N_NAT_DETECTION_DESTINATION_IP, ip->natd_dst, IKEV2_NATD_LEN);
	ikev2_notify_make(ip_add(ip, IKEV2_PL_NOTIFY),
	    IKEV2_N_IKEV2_FRAGMENTATION_SUPPORTED, NULL, 0);
	ikev2_notify_make(ip_add(ip, IKEV2_PL_NOTIFY),
	    IKEV2_N_SIGNATURE_HASH_ALGORITHMS, sig_hash_data,
	    sizeof(sig_hash_data));
	return 0;
}

/* Read the peer's NAT-D, fragmentation and hash notifies. */
static void
read_common_notifies(struct ikev2_ike_sa *sa, const struct ikev2_message *m,
    uint64_t rspi)
{
	const struct ikev2_payload *p = NULL;
	struct ikev2_error err;
	struct ikev2_chunk dg;
	uint8_t mine[IKEV2_NATD_LEN];
	bool src_seen = false, src_match = false;
	uint16_t algs[IKEV2_MAX_SIG_HASHES];
	size_t i, nalgs;
	char tag[80];

	sa->peer_frag = ikev2_message_find_notify(m,
	    IKEV2_N_IKEV2_FRAGMENTATION_SUPPORTED) != NULL;
	p = ikev2_message_find_notify(m, IKEV2_N_SIGNATURE_HASH_ALGORITHMS);
	if (p != NULL && ikev2_notify_sig_hashes(&p->u.notify, algs,
	    IKEV2_MAX_SIG_HASHES, &nalgs, &err) == IKEV2_OK)
		for (i = 0; i < nalgs; i++)
			if (algs[i] < 32)
				sa->peer_sig_hashes |= 1u << algs[i];
	/* Any source hash may match: the peer may have several addresses. */
	/* The request's hashes were made before the responder SPI existed. */
	(void)natd_hash(sa->ispi, rspi, &sa->path.remote, sa->path.rport,
	    mine);
	for (p = NULL; (p = ikev2_message_find(m, IKEV2_PL_NOTIFY, p)) != NULL;) {
		if (p->u.notify.type != IKEV2_N_NAT_DETECTION_SOURCE_IP ||
		    ikev2_notify_natd(&p->u.notify, &dg, &err) != IKEV2_OK)
			continue;
		src_seen = true;
		if (memcmp(dg.ptr, mine, IKEV2_NATD_LEN) == 0)
			src_match = true;
	}
	sa->nat_remote = src_seen && !src_match;
	p = ikev2_message_find_notify(m, IKEV2_N_NAT_DETECTION_DESTINATION_IP);
	if (p != NULL && ikev2_notify_natd(&p->u.notify, &dg, &err) == IKEV2_OK) {
		(void)natd_hash(sa->ispi, rspi, &sa->path.local,
		    sa->path.lport, mine);
		sa->nat_local = memcmp(dg.ptr, mine, IKEV2_NATD_LEN) != 0;
	}
	if (sa->nat_local || sa->nat_remote)
		oe_info("%s: NAT detected (%s%s)", ikev2_sa_tag(sa, tag,
		    sizeof(tag)), sa->nat_local ? "we are behind one" : "",
		    sa->nat_remote ? (sa->nat_local ? ", so is the peer" :
		    "the peer is behind one") : "");
}

/*
 * RFC 7296 2.23 / RFC 3948: behind a NAT (or with encapsulation=yes)
 * the initiator moves to the NAT-T port from IKE_AUTH on, and ESP is
 * sent in UDP on that port.
 */
static void
maybe_float(struct ikev2_ike_sa *sa, const struct conf_conn *c)
{
	bool nat = sa->nat_local || sa->nat_remote;
	uint16_t port = (uint16_t)sa->iked->conf->setup.nat_ikeport;
	char tag[80];

	if (sa->path.natt || c->encapsulation == CONF_ENCAPS_NO ||
	    (!nat && c->encapsulation != CONF_ENCAPS_YES))
		return;
	sa->path.natt = true;
	sa->path.lport = port;
	sa->path.rport = port;
	oe_debug("%s: moving to port %u (NAT-T)", ikev2_sa_tag(sa, tag,
	    sizeof(tag)), port);
}

/* ---- initiator ------------------------------------------------------- */

static int
send_init_request(struct ikev2_ike_sa *sa)
{
	const struct conf_conn *c = conf_find_conn(sa->iked->conf, sa->conn);
	struct init_payloads *ip;
	struct ikev2_payload *p;
	const uint8_t *pub;
	size_t pub_len;
	int ret = -1;

	if (c == NULL)
		return -1;
	ip = calloc(1, sizeof(*ip));
	if (ip == NULL)
		return -1;
	if (sa->cookie_len > 0)
		/* RFC 7296 2.6: the COOKIE notify comes first. */
		ikev2_notify_make(ip_add(ip, IKEV2_PL_NOTIFY), IKEV2_N_COOKIE,
		    sa->cookie, sa->cookie_len);
	if (ikev2_proposals_build(&c->ike, false, NULL, 0, &ip->sa) == 0) {
		oe_err("conn %s: no usable IKE proposal", c->name);
		goto out;
	}
	p = ip_add(ip, IKEV2_PL_SA);
	p->u.sa = &ip->sa;
	pub = crypto_dh_public(sa->dh, &pub_len);
	p = ip_add(ip, IKEV2_PL_KE);
	p->u.ke.group = sa->alg.dh;
	p->u.ke.data.ptr = pub;
	p->u.ke.data.len = pub_len;
	p = ip_add(ip, IKEV2_PL_NONCE);
	p->u.nonce.ptr = sa->ni;
	p->u.nonce.len = sa->ni_len;
	if (add_common_notifies(sa, ip) < 0)
		goto out;
	sa->msgid_out = 0;
	ikev2_request_clear(sa);
	if (ikev2_request_send(sa, IKEV2_EXCH_IKE_SA_INIT, ip->pl, ip->n) < 0)
		goto out;
	free(sa->init_req);
	sa->init_req = malloc(sa->req.len);
	if (sa->init_req == NULL)
		goto out;
	memcpy(sa->init_req, sa->req.buf, sa->req.len);
	sa->init_req_len = sa->req.len;
	ret = 0;
out:
	free(ip);
	return ret;
}

int
ikev2_initiate(struct iked *d, const struct ikev2_initiate_req *req)
{
	const struct conf_conn *c = NULL;
	struct ikev2_ike_sa *sa;
	struct ikev2_path path;
	char as[OE_ADDR_STRLEN];

	if (d->conf == NULL || d->stopping)
		return -1;
	memset(&path, 0, sizeof(path));
	if (req->conn != NULL)
		c = conf_find_conn(d->conf, req->conn);
	path.remote = req->peer;
	if (path.remote.family == AF_UNSPEC && c != NULL &&
	    c->right.host.kind == CONF_HOST_ADDR)
		path.remote = c->right.host.addr;
	if (path.remote.family == AF_UNSPEC) {
		oe_err("initiate: no peer address");
		return -1;
	}
	if (c == NULL)
		c = conn_for_peer(d->conf, NULL, &path.remote);
	if (c == NULL || !conf_conn_is_ike(c) || c->disabled) {
		oe_err("initiate %s: no usable conn",
		    oe_addr_format(&path.remote, as, sizeof(as)));
		return -1;
	}
	if (local_addr_for(c, d->conf, &path.remote, &path.local) < 0) {
		oe_err("initiate %s: no local address",
		    oe_addr_format(&path.remote, as, sizeof(as)));
		return -1;
	}
	path.lport = path.rport = (uint16_t)d->conf->setup.ikeport;
	sa = ikev2_sa_create(d, true, &path);
	if (sa == NULL) {
		oe_err("initiate: IKE SA table full");
		return -1;
	}
	snprintf(sa->conn, sizeof(sa->conn), "%s", c->name);
	sa->lifetime = c->ikelifetime;
	sa->flow_proto = req->proto;
	sa->flow_sport = req->proto != 0 ? req->sport : 0;
	sa->flow_dport = req->proto != 0 ? req->dport : 0;
	ikev2_sa_set_state(sa, IKEV2_SA_INIT_SENT);
	if (req->name != NULL)
		snprintf(sa->peer_name, sizeof(sa->peer_name), "%s", req->name);
	if (req->nkeys > 0) {
		size_t nk = req->nkeys < IKEV2_MAX_PEER_KEYS ? req->nkeys :
		    IKEV2_MAX_PEER_KEYS;

		sa->peer_keys = calloc(nk, sizeof(*sa->peer_keys));
		if (sa->peer_keys == NULL)
			goto fail;
		memcpy(sa->peer_keys, req->keys, nk * sizeof(*sa->peer_keys));
		sa->npeer_keys = nk;
	}
	sa->alg.dh = ikev2_proposals_first_group(&c->ike);
	sa->dh = sa->alg.dh != 0 ? crypto_dh_new(sa->alg.dh) : NULL;
	sa->ni_len = NONCE_LEN;
	if (sa->dh == NULL || crypto_random(sa->ni, sa->ni_len) < 0)
		goto fail;
	if (send_init_request(sa) < 0)
		goto fail;
	/* Only now is the callback ours to call. */
	sa->done = req->done;
	sa->done_arg = req->arg;
	oe_info("conn %s: initiating IKE SA to %s", c->name,
	    oe_addr_format(&path.remote, as, sizeof(as)));
	iked_state_changed(d);
	return 0;
fail:
	ikev2_sa_destroy(sa, "initiation failed");
	return -1;
}

/* INVALID_KE_PAYLOAD or COOKIE: start over with what the peer wants. */
static bool
init_retry(struct ikev2_ike_sa *sa, const struct ikev2_message *m)
{
	const struct conf_conn *c = conf_find_conn(sa->iked->conf, sa->conn);
	const struct ikev2_payload *p;
	struct ikev2_error err;
	struct ikev2_chunk ck;
	uint16_t group;
	char tag[80];

	p = ikev2_message_find_notify(m, IKEV2_N_COOKIE);
	if (p != NULL) {
		if (ikev2_notify_cookie(&p->u.notify, &ck, &err) != IKEV2_OK)
			return false;
		/* The same cookie again answers an earlier transmission. */
		if (ck.len == sa->cookie_len &&
		    memcmp(ck.ptr, sa->cookie, ck.len) == 0)
			return true;
		if (sa->ke_retries >= MAX_INIT_RETRIES)
			return false;
		memcpy(sa->cookie, ck.ptr, ck.len);
		sa->cookie_len = ck.len;
		sa->ke_retries++;
		oe_debug("%s: responder asks for a cookie",
		    ikev2_sa_tag(sa, tag, sizeof(tag)));
		return send_init_request(sa) == 0;
	}
	p = ikev2_message_find_notify(m, IKEV2_N_INVALID_KE_PAYLOAD);
	if (p == NULL || c == NULL ||
	    ikev2_notify_invalid_ke(&p->u.notify, &group, &err) != IKEV2_OK)
		return false;
	/*
	 * After a switch, the same group named again is the answer to a
	 * retransmission of the earlier request (slow responders answer
	 * both): ignore it, the new request is still outstanding.
	 */
	if (group == sa->alg.dh &&
	    group != ikev2_proposals_first_group(&c->ike))
		return true;
	/* Only a group we offered, and only a bounded number of times. */
	if (sa->ke_retries >= MAX_INIT_RETRIES || group == sa->alg.dh ||
	    !ikev2_proposals_has_group(&c->ike, group))
		return false;
	sa->ke_retries++;
	oe_info("%s: responder wants KE group %s", ikev2_sa_tag(sa, tag,
	    sizeof(tag)), ikev2_name(IKEV2_REG_DH, group));
	if (sa->dh != NULL)
		crypto_dh_free(sa->dh);
	sa->alg.dh = group;
	sa->dh = crypto_dh_new(group);
	if (sa->dh == NULL)
		return false;
	return send_init_request(sa) == 0;
}

void
ikev2_init_recv_response(struct ikev2_ike_sa *sa, const struct ikev2_message *m)
{
	const struct conf_conn *c = conf_find_conn(sa->iked->conf, sa->conn);
	const struct ikev2_payload *psa, *pke, *pn, *p;
	const struct ikev2_proposal *prop;
	struct ikev2_proto_choice ch;
	char tag[80];

	ikev2_sa_tag(sa, tag, sizeof(tag));
	if (sa->state != IKEV2_SA_INIT_SENT || c == NULL)
		return;
	if (init_retry(sa, m))
		return;
	/* An answer to our current request: stop retransmitting it. */
	ikev2_request_clear(sa);
	for (p = NULL; (p = ikev2_message_find(m, IKEV2_PL_NOTIFY, p)) != NULL;)
		if (ikev2_notify_is_error(&p->u.notify)) {
			oe_info("%s: IKE_SA_INIT refused: %s", tag,
			    ikev2_name(IKEV2_REG_NOTIFY, p->u.notify.type) ?
			    ikev2_name(IKEV2_REG_NOTIFY, p->u.notify.type) :
			    "error notify");
			ikev2_sa_fail(sa, "peer refused IKE_SA_INIT");
			return;
		}
	psa = ikev2_message_find(m, IKEV2_PL_SA, NULL);
	pke = ikev2_message_find(m, IKEV2_PL_KE, NULL);
	pn = ikev2_message_find(m, IKEV2_PL_NONCE, NULL);
	if (psa == NULL || pke == NULL || pn == NULL || m->hdr.rspi == 0) {
		ikev2_sa_fail(sa, "IKE_SA_INIT response incomplete");
		return;
	}
	if (ikev2_proposals_accept(&c->ike, false, psa->u.sa, &ch, &prop) < 0 ||
	    ch.dh != sa->alg.dh || pke->u.ke.group != sa->alg.dh) {
		oe_info("%s: responder chose a proposal we did not offer", tag);
		ikev2_sa_fail(sa, "bad proposal in IKE_SA_INIT response");
		return;
	}
	if (pn->u.nonce.len < IKEV2_NONCE_MIN ||
	    pn->u.nonce.len > IKEV2_NONCE_MAX) {
		ikev2_sa_fail(sa, "bad nonce length");
		return;
	}
	/* Everything checked: now the SA changes. */
	sa->alg = ch;
	sa->rspi = m->hdr.rspi;
	memcpy(sa->nr, pn->u.nonce.ptr, pn->u.nonce.len);
	sa->nr_len = pn->u.nonce.len;
	read_common_notifies(sa, m, sa->rspi);
	sa->init_resp = malloc(m->raw_len);
	if (sa->init_resp == NULL) {
		ikev2_sa_fail(sa, "out of memory");
		return;
	}
	memcpy(sa->init_resp, m->raw, m->raw_len);
	sa->init_resp_len = m->raw_len;
	if (ikev2_init_derive_keys(sa, pke->u.ke.data.ptr, pke->u.ke.data.len,
	    NULL) < 0) {
		oe_info("%s: key derivation failed (bad KE?)", tag);
		ikev2_sa_fail(sa, "key derivation failed");
		return;
	}
	oe_debug("%s: IKE_SA_INIT done: %s/%u %s %s %s", tag,
	    ikev2_name(IKEV2_REG_ENCR, ch.encr), ch.encr_bits,
	    ikev2_name(IKEV2_REG_PRF, ch.prf),
	    ch.integ ? ikev2_name(IKEV2_REG_INTEG, ch.integ) : "AEAD",
	    ikev2_name(IKEV2_REG_DH, ch.dh));
	maybe_float(sa, c);
	if (ikev2_auth_send_request(sa) < 0)
		ikev2_sa_fail(sa, "cannot build IKE_AUTH request");
	else
		iked_state_changed(sa->iked);
}

/* ---- responder ------------------------------------------------------- */

/*
 * Cookie = SHA-256(secret | Ni | IPi | SPIi), RFC 7296 2.6: stateless,
 * so a flood of spoofed requests costs no memory.
 */
static int
make_cookie(struct iked *d, const struct ikev2_path *path, uint64_t ispi,
    const struct ikev2_chunk *ni, uint8_t out[32])
{
	uint8_t buf[32 + IKEV2_NONCE_MAX + 16 + 8];
	size_t n = 0;

	memcpy(buf, d->cookie_secret, 32);
	n = 32;
	memcpy(buf + n, ni->ptr, ni->len);
	n += ni->len;
	memcpy(buf + n, oe_addr_bytes(&path->remote), oe_addr_len(&path->remote));
	n += oe_addr_len(&path->remote);
	spi_bytes(ispi, buf + n);
	n += 8;
	return PK11_HashBuf(SEC_OID_SHA256, out, buf, (PRInt32)n) == SECSuccess ?
	    0 : -1;
}

static void
send_notify_stateless(struct iked *d, const struct ikev2_path *path,
    const struct ikev2_header *h, uint16_t type, const uint8_t *data,
    size_t len)
{
	struct ikev2_payload p;

	ikev2_notify_make(&p, type, data, len);
	(void)ikev2_response_send_stateless(d, path, h, &p, 1);
}

/* True if the request may go on; otherwise a COOKIE answer went out. */
static bool
check_cookie(struct iked *d, const struct ikev2_path *path,
    const struct ikev2_message *m, const struct ikev2_chunk *ni)
{
	const struct ikev2_payload *p;
	struct ikev2_chunk got;
	struct ikev2_error err;
	uint8_t want[32];

	if (ikev2_sa_halfopen(d->sas) < d->conf->setup.ddos_threshold)
		return true;
	if (make_cookie(d, path, m->hdr.ispi, ni, want) < 0)
		return false;
	p = ikev2_message_find_notify(m, IKEV2_N_COOKIE);
	if (p != NULL && ikev2_notify_cookie(&p->u.notify, &got, &err) ==
	    IKEV2_OK && got.len == sizeof(want) &&
	    memcmp(got.ptr, want, sizeof(want)) == 0)
		return true;
	d->stats.cookies_sent++;
	send_notify_stateless(d, path, &m->hdr, IKEV2_N_COOKIE, want,
	    sizeof(want));
	return false;
}

void
ikev2_init_recv_request(struct iked *d, const struct ikev2_path *path,
    const struct ikev2_message *m)
{
	const struct conf_conn *c;
	const struct ikev2_payload *psa, *pke, *pn;
	const struct ikev2_proposal *prop;
	struct ikev2_proto_choice ch;
	struct ikev2_ike_sa *sa = NULL;
	struct init_payloads *ip = NULL;
	struct ikev2_payload *p;
	uint8_t grp[2];
	const uint8_t *pub;
	size_t pub_len;
	char as[OE_ADDR_STRLEN];

	oe_addr_format(&path->remote, as, sizeof(as));
	if (m->hdr.msgid != 0 || (m->hdr.flags & IKEV2_FLAG_INITIATOR) == 0)
		return;
	c = conn_for_peer(d->conf, &path->local, &path->remote);
	if (c == NULL) {
		oe_log_ratelimited(&d->rl.misc, iked_now_usec(d), LOG_INFO,
		    "IKE_SA_INIT from %s: no conn for this peer", as);
		send_notify_stateless(d, path, &m->hdr,
		    IKEV2_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return;
	}
	psa = ikev2_message_find(m, IKEV2_PL_SA, NULL);
	pke = ikev2_message_find(m, IKEV2_PL_KE, NULL);
	pn = ikev2_message_find(m, IKEV2_PL_NONCE, NULL);
	if (psa == NULL || pke == NULL || pn == NULL)
		return;		/* the codec's legality check prevents this */
	if (ikev2_sa_halfopen(d->sas) >= d->conf->setup.max_halfopen) {
		oe_log_ratelimited(&d->rl.misc, iked_now_usec(d), LOG_WARNING,
		    "IKE_SA_INIT from %s: too many half-open IKE SAs", as);
		return;
	}
	if (!check_cookie(d, path, m, &pn->u.nonce))
		return;
	if (ikev2_proposals_choose(&c->ike, false, psa->u.sa, &ch, &prop) < 0) {
		oe_log_ratelimited(&d->rl.misc, iked_now_usec(d), LOG_INFO,
		    "IKE_SA_INIT from %s: no acceptable proposal (conn %s)", as,
		    c->name);
		send_notify_stateless(d, path, &m->hdr,
		    IKEV2_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return;
	}
	if (pke->u.ke.group != ch.dh) {
		/* RFC 7296 1.3: tell the initiator the group we chose. */
		d->stats.invalid_ke_sent++;
		grp[0] = (uint8_t)(ch.dh >> 8);
		grp[1] = (uint8_t)ch.dh;
		send_notify_stateless(d, path, &m->hdr,
		    IKEV2_N_INVALID_KE_PAYLOAD, grp, 2);
		return;
	}
	sa = ikev2_sa_create(d, false, path);
	if (sa == NULL)
		return;
	snprintf(sa->conn, sizeof(sa->conn), "%s", c->name);
	sa->lifetime = c->ikelifetime;
	ikev2_sa_set_peer_ispi(sa, m->hdr.ispi);
	sa->alg = ch;
	ikev2_sa_set_state(sa, IKEV2_SA_INIT_DONE);
	memcpy(sa->ni, pn->u.nonce.ptr, pn->u.nonce.len);
	sa->ni_len = pn->u.nonce.len;
	sa->nr_len = NONCE_LEN;
	sa->dh = crypto_dh_new(ch.dh);
	if (sa->dh == NULL || crypto_random(sa->nr, sa->nr_len) < 0)
		goto fail;
	ip = calloc(1, sizeof(*ip));
	if (ip == NULL)
		goto fail;
	ikev2_proposal_answer(&ch, false, prop->num, NULL, 0, &ip->sa);
	p = ip_add(ip, IKEV2_PL_SA);
	p->u.sa = &ip->sa;
	pub = crypto_dh_public(sa->dh, &pub_len);
	p = ip_add(ip, IKEV2_PL_KE);
	p->u.ke.group = ch.dh;
	p->u.ke.data.ptr = pub;
	p->u.ke.data.len = pub_len;
	p = ip_add(ip, IKEV2_PL_NONCE);
	p->u.nonce.ptr = sa->nr;
	p->u.nonce.len = sa->nr_len;
	if (add_common_notifies(sa, ip) < 0)
		goto fail;
	read_common_notifies(sa, m, 0);
	sa->init_req = malloc(m->raw_len);
	if (sa->init_req == NULL)
		goto fail;
	memcpy(sa->init_req, m->raw, m->raw_len);
	sa->init_req_len = m->raw_len;
	/* The response needs our public value, so derive only after. */
	if (ikev2_response_send(sa, IKEV2_EXCH_IKE_SA_INIT, 0, ip->pl, ip->n) < 0)
		goto fail;
	sa->init_resp = malloc(sa->resp.len);
	if (sa->init_resp == NULL)
		goto fail;
	memcpy(sa->init_resp, sa->resp.buf, sa->resp.len);
	sa->init_resp_len = sa->resp.len;
	if (ikev2_init_derive_keys(sa, pke->u.ke.data.ptr, pke->u.ke.data.len,
	    NULL) < 0) {
		oe_log_ratelimited(&d->rl.malformed, iked_now_usec(d), LOG_INFO,
		    "IKE_SA_INIT from %s: bad KE value", as);
		goto fail;
	}
	sa->msgid_in = 1;
	ikev2_sa_arm_timer(sa);
	oe_debug("IKE_SA_INIT from %s answered (conn %s)", as, c->name);
	free(ip);
	iked_state_changed(d);
	return;
fail:
	free(ip);
	if (sa != NULL)
		ikev2_sa_destroy(sa, "IKE_SA_INIT failed");
}
