/*
 * IKE SA objects and their table (see ikev2_sa.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oe_log.h"
#include "iked.h"
#include "ikev2_sa.h"
#include "crypto.h"
#include "crypto_dh.h"
#include "crypto_sk.h"
#include "control.h"
#include "dns_keys.h"

struct ikev2_sa_table {
	struct ikev2_ike_sa	*bucket[IKEV2_SA_TABLE_BUCKETS];
	/* responder SAs by the initiator's SPI: IKE_SA_INIT replays */
	struct ikev2_ike_sa	*init_bucket[IKEV2_SA_TABLE_BUCKETS];
	/* SAs by peer address (ikev2_sa_set_path()) */
	struct ikev2_ike_sa	*peer_bucket[IKEV2_SA_TABLE_BUCKETS];
	/* SAs by their Child SA's selectors (ikev2_sa_index_child()) */
	struct ikev2_ike_sa	*sel_bucket[IKEV2_SEL_KINDS][IKEV2_SA_TABLE_BUCKETS];
	struct ikev2_ike_sa	*all;
	size_t			 count;
	size_t			 halfopen;
	uint64_t		 serial;
	bool			 selfcheck;	/* the daemon's (iked.h) */
	/* parks established SAs' keys (crypto.h); made on first use */
	PK11SymKey		*wrapkey;
};

static void selfcheck_table(struct ikev2_sa_table *t);

static bool
state_halfopen(enum ikev2_sa_state s)
{
	return s == IKEV2_SA_INIT_SENT || s == IKEV2_SA_INIT_DONE ||
	    s == IKEV2_SA_AUTH_SENT;
}

static const char *const state_names[] = {
	[IKEV2_SA_INIT_SENT] = "INIT_SENT",
	[IKEV2_SA_INIT_DONE] = "INIT_DONE",
	[IKEV2_SA_AUTH_SENT] = "AUTH_SENT",
	[IKEV2_SA_ESTABLISHED] = "ESTABLISHED",
	[IKEV2_SA_DELETING] = "DELETING",
	[IKEV2_SA_DEAD] = "DEAD",
};

const char *
ikev2_sa_state_name(enum ikev2_sa_state s)
{
	if ((size_t)s < sizeof(state_names) / sizeof(state_names[0]))
		return state_names[s];
	return "?";
}

static size_t
bucket_of(uint64_t spi)
{
	/* SPIs are random: their low bits spread well enough. */
	return (size_t)(spi ^ (spi >> 32)) % IKEV2_SA_TABLE_BUCKETS;
}

/* FNV-1a, continued from h over n more bytes. */
static uint32_t
fnv1a(uint32_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

/* Both selectors; struct ikev2_ts has no padding. */
static size_t
sel_bucket_of(const struct ikev2_ts *local, const struct ikev2_ts *remote)
{
	uint32_t h = fnv1a(2166136261u, local, sizeof(*local));

	return fnv1a(h, remote, sizeof(*remote)) % IKEV2_SA_TABLE_BUCKETS;
}

static size_t
peer_bucket_of(const struct oe_addr *a)
{
	return fnv1a(2166136261u ^ (uint32_t)a->family, oe_addr_bytes(a),
	    oe_addr_len(a)) % IKEV2_SA_TABLE_BUCKETS;
}

static void
peer_link(struct ikev2_sa_table *t, struct ikev2_ike_sa *sa)
{
	size_t b = peer_bucket_of(&sa->path.remote);

	sa->peer_bucket = (uint16_t)b;
	sa->next_peer = t->peer_bucket[b];
	if (sa->next_peer != NULL)
		sa->next_peer->pprev_peer = &sa->next_peer;
	t->peer_bucket[b] = sa;
	sa->pprev_peer = &t->peer_bucket[b];
}

static void
peer_unlink(struct ikev2_ike_sa *sa)
{
	if (sa->pprev_peer == NULL)
		return;
	*sa->pprev_peer = sa->next_peer;
	if (sa->next_peer != NULL)
		sa->next_peer->pprev_peer = sa->pprev_peer;
	sa->next_peer = NULL;
	sa->pprev_peer = NULL;
}

struct ikev2_ike_sa *
ikev2_sa_first_peer(struct ikev2_sa_table *t, const struct oe_addr *peer)
{
	selfcheck_table(t);
	return t->peer_bucket[peer_bucket_of(peer)];
}

struct ikev2_ike_sa *
ikev2_sa_next_peer(struct ikev2_ike_sa *sa)
{
	return sa->next_peer;
}

void
ikev2_sa_set_path(struct ikev2_ike_sa *sa, const struct ikev2_path *path)
{
	peer_unlink(sa);
	sa->path = *path;
	peer_link(sa->iked->sas, sa);
}

struct ikev2_sa_table *
ikev2_sa_table_new(void)
{
	return calloc(1, sizeof(struct ikev2_sa_table));
}

uint64_t
ikev2_sa_local_spi(const struct ikev2_ike_sa *sa)
{
	return sa->initiator ? sa->ispi : sa->rspi;
}

struct ikev2_ike_sa *
ikev2_sa_find(struct ikev2_sa_table *t, uint64_t spi)
{
	struct ikev2_ike_sa *sa;

	if (spi == 0)
		return NULL;
	for (sa = t->bucket[bucket_of(spi)]; sa != NULL; sa = sa->next_spi)
		if (ikev2_sa_local_spi(sa) == spi)
			return sa;
	return NULL;
}

struct ikev2_ike_sa *
ikev2_sa_find_init(struct ikev2_sa_table *t, const struct oe_addr *peer,
    uint64_t ispi)
{
	struct ikev2_ike_sa *sa;

	for (sa = t->init_bucket[bucket_of(ispi)]; sa != NULL;
	    sa = sa->next_init)
		if (sa->ispi == ispi && oe_addr_eq(&sa->path.remote, peer))
			return sa;
	return NULL;
}

void
ikev2_sa_set_peer_ispi(struct ikev2_ike_sa *sa, uint64_t ispi)
{
	struct ikev2_sa_table *t = sa->iked->sas;
	size_t b = bucket_of(ispi);

	if (sa->initiator || sa->ispi != 0)
		return;
	sa->ispi = ispi;
	sa->next_init = t->init_bucket[b];
	t->init_bucket[b] = sa;
}

void
ikev2_sa_set_state(struct ikev2_ike_sa *sa, enum ikev2_sa_state st)
{
	struct ikev2_sa_table *t = sa->iked->sas;

	if (state_halfopen(sa->state) && !state_halfopen(st))
		t->halfopen--;
	else if (!state_halfopen(sa->state) && state_halfopen(st))
		t->halfopen++;
	sa->state = st;
}

struct ikev2_ike_sa *
ikev2_sa_create(struct iked *d, bool initiator, const struct ikev2_path *path)
{
	struct ikev2_sa_table *t = d->sas;
	struct ikev2_ike_sa *sa;
	uint64_t spi = 0;
	size_t b;
	int tries;

	if (t->count >= IKEV2_SA_MAX_TOTAL)
		return NULL;
	for (tries = 0; tries < 8; tries++) {
		if (crypto_random((uint8_t *)&spi, sizeof(spi)) < 0)
			return NULL;
		if (spi != 0 && ikev2_sa_find(t, spi) == NULL)
			break;
		spi = 0;
	}
	if (spi == 0)
		return NULL;
	sa = calloc(1, sizeof(*sa));
	if (sa == NULL)
		return NULL;
	sa->iked = d;
	sa->serial = ++t->serial;
	t->selfcheck = d->selfcheck;
	sa->initiator = initiator;
	if (initiator)
		sa->ispi = spi;
	else
		sa->rspi = spi;
	sa->path = *path;
	sa->state = IKEV2_SA_INIT_SENT;	/* half-open until established */
	t->halfopen++;
	sa->created_usec = iked_now_usec(d);
	sa->last_heard_usec = sa->created_usec;
	ikev2_frag_init(&sa->frag);
	peer_link(t, sa);
	b = bucket_of(spi);
	sa->next_spi = t->bucket[b];
	t->bucket[b] = sa;
	sa->next_all = t->all;
	if (t->all != NULL)
		t->all->prev_all = sa;
	t->all = sa;
	t->count++;
	return sa;
}

bool
ikev2_sa_peer_keyed(const struct ikev2_ike_sa *sa)
{
	return sa->auth_peer != 0 && sa->auth_peer != IKEV2_AUTH_NULL;
}

static enum ikev2_sel_kind
sel_kind_of(const struct ikev2_ike_sa *sa)
{
	if (sa->child_policies_deferred)
		return IKEV2_SEL_DEFERRED;
	return ikev2_sa_peer_keyed(sa) ? IKEV2_SEL_KEYED : IKEV2_SEL_NULL;
}

static void
sel_unlink(struct ikev2_ike_sa *sa)
{
	if (sa->pprev_sel == NULL)
		return;
	*sa->pprev_sel = sa->next_sel;
	if (sa->next_sel != NULL)
		sa->next_sel->pprev_sel = sa->pprev_sel;
	sa->next_sel = NULL;
	sa->pprev_sel = NULL;
}

void
ikev2_sa_index_child(struct ikev2_ike_sa *sa)
{
	struct ikev2_sa_table *t = sa->iked->sas;
	size_t b = sel_bucket_of(&sa->child.ts_local, &sa->child.ts_remote);
	enum ikev2_sel_kind k = sel_kind_of(sa);
	struct ikev2_ike_sa **head = &t->sel_bucket[k][b];

	if (sa->pprev_sel != NULL && sa->sel_bucket == b &&
	    sa->sel_kind == k && sa->child.installed)
		return;
	sel_unlink(sa);
	if (!sa->child.installed)
		return;		/* holds no policies: not filed at all */
	sa->sel_bucket = (uint16_t)b;
	sa->sel_kind = (uint8_t)k;
	sa->next_sel = *head;
	if (sa->next_sel != NULL)
		sa->next_sel->pprev_sel = &sa->next_sel;
	*head = sa;
	sa->pprev_sel = head;
}

/* See ikev2_sa_selfcheck(). */
static void
selfcheck_table(struct ikev2_sa_table *t)
{
	struct ikev2_ike_sa *sa;
	char tag[80];

	if (!t->selfcheck)
		return;
	for (sa = t->all; sa != NULL; sa = sa->next_all) {
		if ((sa->pprev_sel != NULL) != sa->child.installed ||
		    (sa->child.installed && (sa->sel_kind != sel_kind_of(sa) ||
		    sa->sel_bucket != sel_bucket_of(&sa->child.ts_local,
		    &sa->child.ts_remote)))) {
			oe_err("selfcheck: the selector index does not file %s "
			    "where its Child SA's selectors and state say",
			    ikev2_sa_tag(sa, tag, sizeof(tag)));
			abort();
		}
		if (sa->peer_bucket != peer_bucket_of(&sa->path.remote)) {
			oe_err("selfcheck: the peer index does not file %s "
			    "under its peer's address",
			    ikev2_sa_tag(sa, tag, sizeof(tag)));
			abort();
		}
	}
}

void
ikev2_sa_selfcheck(struct iked *d)
{
	selfcheck_table(d->sas);
}

struct ikev2_ike_sa *
ikev2_sa_first_sel(struct ikev2_sa_table *t, enum ikev2_sel_kind kind,
    const struct ikev2_ts *local, const struct ikev2_ts *remote)
{
	return t->sel_bucket[kind][sel_bucket_of(local, remote)];
}

struct ikev2_ike_sa *
ikev2_sa_next_sel(struct ikev2_ike_sa *sa)
{
	return sa->next_sel;
}

static void
table_unlink(struct ikev2_sa_table *t, struct ikev2_ike_sa *sa)
{
	struct ikev2_ike_sa **pp;

	for (pp = &t->bucket[bucket_of(ikev2_sa_local_spi(sa))]; *pp != NULL;
	    pp = &(*pp)->next_spi)
		if (*pp == sa) {
			*pp = sa->next_spi;
			break;
		}
	if (!sa->initiator && sa->ispi != 0)
		for (pp = &t->init_bucket[bucket_of(sa->ispi)]; *pp != NULL;
		    pp = &(*pp)->next_init)
			if (*pp == sa) {
				*pp = sa->next_init;
				break;
			}
	sel_unlink(sa);
	peer_unlink(sa);
	if (sa->prev_all != NULL)
		sa->prev_all->next_all = sa->next_all;
	else
		t->all = sa->next_all;
	if (sa->next_all != NULL)
		sa->next_all->prev_all = sa->prev_all;
	t->count--;
	if (state_halfopen(sa->state))
		t->halfopen--;
}

static void
sa_release(struct ikev2_ike_sa *sa)
{
	sd_event_source_disable_unref(sa->req.timer);
	sd_event_source_disable_unref(sa->life_timer);
	free(sa->req.buf);
	free(sa->resp.buf);
	free(sa->init_req);
	free(sa->init_resp);
	free(sa->peer_keys);
	if (sa->dns_query != NULL && !dns_keys_done(sa->dns_query))
		sa->iked->dns_lookups--;
	dns_keys_cancel(sa->dns_query);
	if (sa->dh != NULL)
		crypto_dh_free(sa->dh);
	if (sa->rekey_dh != NULL)
		crypto_dh_free(sa->rekey_dh);
	if (sa->sk_out != NULL)
		crypto_sk_free(sa->sk_out);
	if (sa->sk_in != NULL)
		crypto_sk_free(sa->sk_in);
	if (sa->have_keys)
		crypto_ike_keys_clear(&sa->keys);
	ikev2_frag_clear(&sa->frag);
	/* Nonces feed the key derivation: do not leave them behind. */
	explicit_bzero(sa, sizeof(*sa));
	free(sa);
}

void
ikev2_sa_complete(struct ikev2_ike_sa *sa, bool ok, const char *error)
{
	struct ikev2_initiate_result res;
	ikev2_initiate_cb cb = sa->done;

	if (cb == NULL)
		return;
	sa->done = NULL;
	memset(&res, 0, sizeof(res));
	res.ok = ok;
	res.error = ok ? NULL : (error != NULL ? error : "failed");
	res.peer = sa->path.remote;
	if (ok) {
		res.spi_in = sa->child.spi_in;
		res.spi_out = sa->child.spi_out;
		res.lifetime = sa->child.lifetime;
	}
	cb(sa->done_arg, &res);
}

void
ikev2_sa_destroy(struct ikev2_ike_sa *sa, const char *why)
{
	struct iked *d = sa->iked;
	struct ikev2_ike_sa *pending = sa->rekey_ike;

	/* A rekey we were negotiating dies with us. */
	sa->rekey_ike = NULL;
	if (pending != NULL)
		ikev2_sa_destroy(pending, why);
	/*
	 * oectl watchers and journal fields: up and gone, or never up.
	 * An SA replaced by its rekey is not gone: its successor lives on.
	 */
	if (!sa->replaced)
		control_sa_event(d, sa, sa->state == IKEV2_SA_ESTABLISHED ||
		    sa->state == IKEV2_SA_DELETING ? "sa-down" : "sa-failed",
		    why);
	ikev2_sa_complete(sa, false, why);
	table_unlink(d->sas, sa);
	sa_release(sa);
	ikev2_sa_selfcheck(d);
}

void
ikev2_sa_table_free(struct ikev2_sa_table *t)
{
	struct ikev2_ike_sa *sa, *next;

	if (t == NULL)
		return;
	for (sa = t->all; sa != NULL; sa = next) {
		next = sa->next_all;
		ikev2_sa_complete(sa, false, "daemon stopping");
		sa_release(sa);
	}
	if (t->wrapkey != NULL)
		PK11_FreeSymKey(t->wrapkey);
	free(t);
}

void
ikev2_sa_compact(struct ikev2_ike_sa *sa)
{
	struct ikev2_sa_table *t = sa->iked->sas;
	char tag[80];

	/* The IKE_SA_INIT messages were only the AUTH payloads' input. */
	free(sa->init_req);
	sa->init_req = NULL;
	sa->init_req_len = 0;
	free(sa->init_resp);
	sa->init_resp = NULL;
	sa->init_resp_len = 0;
	if (!sa->have_keys || sa->sk_out == NULL || sa->sk_in == NULL)
		return;
	if (t->wrapkey == NULL)
		t->wrapkey = crypto_wrapkey_new();
	/* Unparked keys only cost memory and time: the SA still works. */
	if (t->wrapkey == NULL || crypto_sk_park(sa->sk_out, t->wrapkey) < 0 ||
	    crypto_sk_park(sa->sk_in, t->wrapkey) < 0 ||
	    crypto_ike_keys_park(&sa->keys, t->wrapkey) < 0)
		oe_warn("%s: cannot park the IKE SA's keys; they stay live",
		    ikev2_sa_tag(sa, tag, sizeof(tag)));
}

size_t
ikev2_sa_count(const struct ikev2_sa_table *t)
{
	return t->count;
}

size_t
ikev2_sa_halfopen(const struct ikev2_sa_table *t)
{
	return t->halfopen;
}

struct ikev2_ike_sa *
ikev2_sa_first(struct ikev2_sa_table *t)
{
	return t->all;
}

struct ikev2_ike_sa *
ikev2_sa_next(struct ikev2_ike_sa *sa)
{
	return sa->next_all;
}

const char *
ikev2_sa_tag(const struct ikev2_ike_sa *sa, char *buf, size_t len)
{
	char a[OE_ADDR_STRLEN];

	snprintf(buf, len, "#%llu %s", (unsigned long long)sa->serial,
	    oe_addr_format(&sa->path.remote, a, sizeof(a)) ? a : "?");
	return buf;
}
