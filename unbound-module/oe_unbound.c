/*
 * oe-unbound.so: Unbound dynlib module for DNS-triggered opportunistic
 * encryption.  Placed first in module-config ("dynlib validator
 * iterator"), it sees every validated answer on its way to the client:
 *
 *  1. new A/AAAA query for an allowed name: start the IPSECKEY lookup of
 *     the name as a detached sub-query (it runs in parallel and lands in
 *     the cache), pass the query down;
 *  2. secure NOERROR answer with usable addresses: attach the IPSECKEY
 *     sub-query for the owner of the addresses (the end of any CNAME
 *     chain): it joins the running lookup or finds the cached answer;
 *  3. IPSECKEY known: bogus -> SERVFAIL (configurable); none -> answer
 *     at once; otherwise one request to oe-iked over its trigger socket;
 *  4. the answer is held (module_wait_reply, the worker goes on) until
 *     the daemon's reply or the deadline; then its TTL is clamped and it
 *     goes out and back into the cache.
 *
 * Ownership: struct oeu_env (module-wide, read-only after init) is owned
 * by dynlib's env->modinfo[id]->dyn_env; struct oeu_worker by the env's
 * per-thread slot; struct oeu_qstate by the query's region.
 */
#include "oeu_unbound.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "oeu_conf.h"
#include "oeu_conn.h"
#include "oeu_request.h"
#include "oeu_ttl.h"

#define OEU_REQ_TYPE_IPSECKEY	45

struct oeu_env {
	struct oeu_conf		 conf;
	struct oeu_shared	 shared;
	struct oeu_worker	**workers;	/* one slot per thread */
	int			 n_workers;
};

enum oeu_phase {
	OEU_PH_PASS,		/* not ours: pass down and up unchanged */
	OEU_PH_ADDR,		/* waiting for the address answer */
	OEU_PH_KEY,		/* waiting for the IPSECKEY sub-query */
	OEU_PH_HELD,		/* waiting for the daemon */
};

/* Per-query state, in the query's region. */
struct oeu_qstate {
	enum oeu_phase		 phase;
	/* IPSECKEY sub-query result, copied in by inform_super */
	bool			 key_done;
	enum sec_status		 key_sec;
	struct ub_packed_rrset_key *key_rrset;	/* region copy or NULL */
	/* what was sent, for the TTL clamp after the reply */
	bool			 keyed;
	uint32_t		 key_ttl;
	uint32_t		 sig_expiration;
	struct oeu_pending	*pending;	/* owned by the worker */
	bool			 have_reply;
	struct oe_trigger_reply	 reply;
};

/* dynlib keeps its own struct in modinfo[id]; ours hangs off it. */
static struct oeu_env *
module_env_get(struct module_env *env, int id)
{
	struct dynlibmod_env *de = env->modinfo[id];

	return de != NULL ? de->dyn_env : NULL;
}

static void oeu_resume(struct module_qstate *qstate, int id,
    const struct oe_trigger_reply *reply);

static struct oeu_worker *
worker_get(struct oeu_env *oe, struct module_env *env, int id)
{
	int t;

	if (env->worker == NULL || env->worker_base == NULL)
		return NULL;
	t = env->worker->thread_num;
	if (t < 0 || t >= oe->n_workers)
		return NULL;
	/* only thread t touches slot t: no lock needed */
	if (oe->workers[t] == NULL)
		oe->workers[t] = oeu_worker_new(&oe->conf, &oe->shared, env,
		    id, t, oeu_resume);
	return oe->workers[t];
}

/*
 * The checks that this unbound is the one the module was built for: an
 * event base that is libevent's, dynlib's struct where ours expects it,
 * and the config struct agreeing with Unbound's own accessor.
 */
int init(struct module_env *env, int id);
int
init(struct module_env *env, int id)
{
	struct dynlibmod_env *de = env->modinfo[id];
	const char *ev = ub_event_get_version();
	const char *path, *mc, *pd, *pv;
	char *opt = NULL, err[512];
	struct oeu_env *oe;
	bool from_env;

	if (ev == NULL || !isdigit((unsigned char)ev[0])) {
		log_err("oe-unbound: this unbound uses the event backend "
		    "\"%s\"; the module needs one built --with-libevent "
		    "(mini_event aborts on the module's events)",
		    ev != NULL ? ev : "?");
		return 0;
	}
	if (de == NULL || de->func_init != (func_init_t)init ||
	    de->fname == NULL || env->cfg == NULL) {
		log_err("oe-unbound: this unbound's module ABI differs from "
		    "Unbound %s, which the module was built for; rebuild "
		    "the module against this unbound's source tree",
		    OEU_UNBOUND_VERSION);
		return 0;
	}
	/* 0 is success here */
	if (config_get_option_collate(env->cfg, "num-threads", &opt) != 0 ||
	    opt == NULL || atoi(opt) != env->cfg->num_threads) {
		free(opt);
		log_err("oe-unbound: this unbound's configuration layout "
		    "differs from Unbound %s, which the module was built "
		    "for; rebuild the module against its source tree",
		    OEU_UNBOUND_VERSION);
		return 0;
	}
	free(opt);
	mc = env->cfg->module_conf;
	pd = mc != NULL ? strstr(mc, "dynlib") : NULL;
	pv = mc != NULL ? strstr(mc, "validator") : NULL;
	if (pd == NULL || pv == NULL || pv < pd) {
		log_err("oe-unbound: module-config \"%s\" must load dynlib "
		    "before validator (e.g. \"dynlib validator iterator\"): "
		    "the module acts only on validated answers",
		    mc != NULL ? mc : "");
		return 0;
	}
	oe = calloc(1, sizeof(*oe));
	if (oe == NULL) {
		log_err("oe-unbound: out of memory");
		return 0;
	}
	oeu_conf_defaults(&oe->conf);
	atomic_init(&oe->shared.stalled, false);
	path = getenv(OEU_CONF_ENV);
	from_env = path != NULL && path[0] != '\0';
	if (!from_env)
		path = OEU_CONF_DEFAULT_PATH;
	/* the default file may be absent (defaults apply); a named one not */
	if (!oeu_conf_load(&oe->conf, path, !from_env, err, sizeof(err))) {
		log_err("oe-unbound: %s", err);
		free(oe);
		return 0;
	}
	oe->n_workers = env->cfg->num_threads > 0 ? env->cfg->num_threads : 1;
	oe->workers = calloc((size_t)oe->n_workers, sizeof(*oe->workers));
	if (oe->workers == NULL) {
		log_err("oe-unbound: out of memory");
		free(oe);
		return 0;
	}
	de->dyn_env = oe;
	log_info("oe-unbound: loaded (built for Unbound %s, libevent %s); "
	    "settings %s, socket %s, deadline %u ms, max-ttl %u, "
	    "bogus-ipseckey %s", OEU_UNBOUND_VERSION, ev, path,
	    oe->conf.socket_path, oe->conf.deadline_ms, oe->conf.max_ttl,
	    oe->conf.bogus == OEU_BOGUS_SERVFAIL ? "servfail" : "ignore");
	return 1;
}

static void
log_stats(const struct oeu_stats *st, int thread)
{
	log_info("oe-unbound[%d]: %llu requests (%llu keyed), %llu held, "
	    "replies up %llu clear %llu failed %llu busy %llu error %llu, "
	    "%llu timeouts, %llu late, %llu bad replies, daemon unavailable "
	    "%llu, socket full %llu, bogus IPSECKEY %llu, IPSECKEY lookups "
	    "%llu attached %llu early", thread,
	    (unsigned long long)st->requests, (unsigned long long)st->keyed,
	    (unsigned long long)st->held,
	    (unsigned long long)st->replies[OE_TRIGGER_UP],
	    (unsigned long long)st->replies[OE_TRIGGER_CLEAR],
	    (unsigned long long)st->replies[OE_TRIGGER_FAILED],
	    (unsigned long long)st->replies[OE_TRIGGER_BUSY],
	    (unsigned long long)st->replies[OE_TRIGGER_ERROR],
	    (unsigned long long)st->timeouts, (unsigned long long)st->late,
	    (unsigned long long)st->bad_replies,
	    (unsigned long long)st->unavailable, (unsigned long long)st->full,
	    (unsigned long long)st->bogus, (unsigned long long)st->subqueries,
	    (unsigned long long)st->prefetches);
}

void deinit(struct module_env *env, int id);
void
deinit(struct module_env *env, int id)
{
	struct dynlibmod_env *de = env->modinfo[id];
	struct oeu_env *oe = module_env_get(env, id);

	if (oe == NULL)
		return;
	for (int i = 0; i < oe->n_workers; i++) {
		if (oe->workers[i] == NULL)
			continue;
		log_stats(oeu_worker_stats(oe->workers[i]), i);
		oeu_worker_free(oe->workers[i]);
	}
	free(oe->workers);
	free(oe);
	de->dyn_env = NULL;
}

/* A query that can lead to a trigger: A/AAAA IN, from a client's view. */
static bool
query_eligible(const struct oeu_env *oe, const struct module_qstate *q)
{
	if (q->qinfo.qclass != LDNS_RR_CLASS_IN ||
	    (q->qinfo.qtype != LDNS_RR_TYPE_A &&
	    q->qinfo.qtype != LDNS_RR_TYPE_AAAA))
		return false;
	/* priming and DNSSEC-chain lookups, and CD queries that skip
	 * validation, can never lead to a keyed request */
	if (q->is_priming || q->is_valrec || (q->query_flags & BIT_CD))
		return false;
	return oeu_conf_name_allowed(&oe->conf, q->qinfo.qname,
	    q->qinfo.qname_len);
}

static void
ipseckey_qinfo(struct query_info *qi, uint8_t *name, size_t len)
{
	memset(qi, 0, sizeof(*qi));
	qi->qname = name;
	qi->qname_len = len;
	qi->qtype = OEU_REQ_TYPE_IPSECKEY;
	qi->qclass = LDNS_RR_CLASS_IN;
}

/* Step 1: a new query. */
static void
handle_new(struct oeu_env *oe, struct module_qstate *q, int id)
{
	struct oeu_qstate *qs;
	struct oeu_worker *w;

	qs = regional_alloc_zero(q->region, sizeof(*qs));
	if (qs == NULL) {
		log_err("oe-unbound: out of memory for query state");
		q->ext_state[id] = module_error;
		return;
	}
	q->minfo[id] = qs;
	qs->phase = query_eligible(oe, q) ? OEU_PH_ADDR : OEU_PH_PASS;
	if (qs->phase == OEU_PH_ADDR && oe->conf.prefetch &&
	    (w = worker_get(oe, q->env, id)) != NULL) {
		struct query_info qi;
		struct module_qstate *newq = NULL;
		struct mesh_state *sub = NULL;

		/* detached, like the iterator's target prefetch: nobody is
		 * informed, the answer lands in the cache or the still
		 * running state that attach_sub joins later */
		ipseckey_qinfo(&qi, q->qinfo.qname, q->qinfo.qname_len);
		if ((*q->env->add_sub)(q, &qi, BIT_RD, 0, 0, &newq, &sub))
			oeu_worker_stats(w)->prefetches++;
		else
			verbose(VERB_ALGO, "oe-unbound: IPSECKEY prefetch "
			    "not started");
	}
	q->ext_state[id] = module_wait_module;
}

/* Addresses of the answer that are worth a tunnel. */
static size_t
usable_addrs(struct oeu_worker *w, struct ub_packed_rrset_key *rrset,
    int family)
{
	struct packed_rrset_data *d = rrset->entry.data;
	size_t alen = family == AF_INET ? 4 : 16, n = 0;

	for (size_t i = 0; i < d->count; i++) {
		if (d->rr_len[i] != 2 + alen)
			continue;
		if (!oeu_addr_is_local(w, family, d->rr_data[i] + 2))
			n++;
	}
	return n;
}

/* Step 2: the address answer came back up. */
static void
handle_addr_answer(struct oeu_env *oe, struct module_qstate *q, int id,
    struct oeu_qstate *qs)
{
	struct dns_msg *msg = q->return_msg;
	struct ub_packed_rrset_key *rrset;
	struct oeu_worker *w;
	struct query_info qi;
	struct module_qstate *newq = NULL;
	int family = q->qinfo.qtype == LDNS_RR_TYPE_A ? AF_INET : AF_INET6;

	q->ext_state[id] = module_finished;
	if (msg == NULL || msg->rep == NULL ||
	    q->return_rcode != LDNS_RCODE_NOERROR ||
	    FLAGS_GET_RCODE(msg->rep->flags) != LDNS_RCODE_NOERROR)
		return;
	/* never act on a bogus address: it would reach the daemon */
	if (msg->rep->security == sec_status_bogus ||
	    msg->rep->security == sec_status_secure_sentinel_fail)
		return;
	if (msg->rep->security != sec_status_secure &&
	    !oe->conf.trigger_insecure)
		return;
	rrset = reply_find_answer_rrset(&q->qinfo, msg->rep);
	if (rrset == NULL)
		return;		/* NODATA: no address, no sub-query */
	w = worker_get(oe, q->env, id);
	if (w == NULL || usable_addrs(w, rrset, family) == 0)
		return;
	/* the end of a CNAME chain may be excluded although the alias is not */
	if (!oeu_conf_name_allowed(&oe->conf, rrset->rk.dname,
	    rrset->rk.dname_len))
		return;
	ipseckey_qinfo(&qi, rrset->rk.dname, rrset->rk.dname_len);
	if (!(*q->env->attach_sub)(q, &qi, BIT_RD, 0, 0, &newq)) {
		log_err("oe-unbound: cannot start the IPSECKEY lookup; "
		    "answering without OE");
		return;
	}
	oeu_worker_stats(w)->subqueries++;
	qs->phase = OEU_PH_KEY;
	q->ext_state[id] = module_wait_subquery;
}

/* Copy the sub-query's IPSECKEY RRset and its status into the parent. */
void inform_super(struct module_qstate *qstate, int id,
    struct module_qstate *super);
void
inform_super(struct module_qstate *qstate, int id, struct module_qstate *super)
{
	struct oeu_qstate *sqs = super->minfo[id];
	struct dns_msg *msg = qstate->return_msg;
	struct ub_packed_rrset_key *rrset;

	if (sqs == NULL || sqs->phase != OEU_PH_KEY)
		return;
	sqs->key_done = true;
	sqs->key_sec = sec_status_unchecked;
	sqs->key_rrset = NULL;
	if (msg == NULL || msg->rep == NULL) {
		/* the lookup failed (SERVFAIL without a message) */
		if (qstate->return_rcode == LDNS_RCODE_SERVFAIL)
			sqs->key_sec = sec_status_indeterminate;
		return;
	}
	if (msg->rep->security == sec_status_bogus) {
		sqs->key_sec = sec_status_bogus;
		return;
	}
	if (qstate->return_rcode != LDNS_RCODE_NOERROR)
		return;
	rrset = reply_find_answer_rrset(&qstate->qinfo, msg->rep);
	if (rrset == NULL || ntohs(rrset->rk.type) != OEU_REQ_TYPE_IPSECKEY)
		return;		/* no IPSECKEY */
	sqs->key_rrset = packed_rrset_copy_region(rrset, super->region, 0);
	if (sqs->key_rrset == NULL) {
		log_err("oe-unbound: out of memory copying IPSECKEY");
		return;
	}
	sqs->key_sec = ((struct packed_rrset_data *)rrset->entry.data)->security;
	/* the RRset's status can be no better than the message's */
	if (msg->rep->security != sec_status_secure)
		sqs->key_sec = msg->rep->security == sec_status_bogus ?
		    sec_status_bogus : sec_status_insecure;
}

/* Remove the answer from the message cache so that it must pass here. */
static void
uncache_answer(struct module_qstate *q)
{
	msg_cache_remove(q->env, q->qinfo.qname, q->qinfo.qname_len,
	    q->qinfo.qtype, q->qinfo.qclass, q->query_flags);
}

/*
 * Bound every TTL in the answer to `ttl` and put it back into the cache
 * with that TTL: its rrsets are replaced, not merged, since the cache
 * keeps the longer of two equal rrsets.
 */
static void
clamp_and_store(struct module_qstate *q, uint32_t ttl)
{
	struct reply_info *rep = q->return_msg->rep;

	if ((time_t)ttl < rep->ttl) {
		rep->ttl = (time_t)ttl;
		rep->prefetch_ttl = PREFETCH_TTL_CALC(rep->ttl);
		rep->serve_expired_ttl = rep->ttl + q->env->cfg->serve_expired_ttl;
	}
	for (size_t i = 0; i < rep->rrset_count; i++) {
		struct packed_rrset_data *d = rep->rrsets[i]->entry.data;

		if (d->ttl > (time_t)ttl)
			d->ttl = (time_t)ttl;
		for (size_t j = 0; j < d->count + d->rrsig_count; j++)
			if (d->rr_ttl[j] > (time_t)ttl)
				d->rr_ttl[j] = (time_t)ttl;
	}
	if (q->no_cache_store)
		return;
	uncache_answer(q);
	for (size_t i = 0; i < rep->an_numrrsets; i++) {
		struct packed_rrset_key *rk = &rep->rrsets[i]->rk;

		rrset_cache_remove(q->env->rrset_cache, rk->dname, rk->dname_len,
		    ntohs(rk->type), ntohs(rk->rrset_class), rk->flags);
	}
	/* region NULL: keep our (clamped) rrsets in the reply */
	if (!dns_cache_store(q->env, &q->qinfo, rep, 0, 0, 0, NULL,
	    q->query_flags, q->qstarttime))
		log_err("oe-unbound: out of memory re-caching a clamped answer");
}

/* The smallest TTL in the answer section, relative. */
static uint32_t
answer_ttl(const struct reply_info *rep)
{
	time_t ttl = rep->ttl;

	for (size_t i = 0; i < rep->an_numrrsets; i++) {
		struct packed_rrset_data *d = rep->rrsets[i]->entry.data;
		if (d->ttl < ttl)
			ttl = d->ttl;
	}
	if (ttl < 0)
		return 0;
	return ttl > (time_t)OE_TRIGGER_TTL_MAX ? OE_TRIGGER_TTL_MAX :
	    (uint32_t)ttl;
}

/* TTL limits that do not depend on the daemon's reply. */
static uint32_t
pre_reply_ttl(const struct oeu_env *oe, const struct module_qstate *q,
    const struct oeu_qstate *qs)
{
	struct oeu_ttl_input in;

	memset(&in, 0, sizeof(in));
	in.answer_ttl = answer_ttl(q->return_msg->rep);
	in.max_ttl = oe->conf.max_ttl;
	in.keyed = qs->keyed;
	in.key_ttl = qs->key_ttl;
	in.sig_expiration = qs->sig_expiration;
	in.now = *q->env->now;
	return oeu_ttl_clamp(&in);
}

/*
 * Fill the key part of the request from the secure IPSECKEY RRset: the
 * usable records and the RRSIG window (the latest inception and the
 * earliest expiration over its signatures).  Returns false if no record
 * is usable.
 */
static bool
request_add_keys(struct oe_trigger_request *req, struct oeu_qstate *qs,
    time_t now)
{
	struct packed_rrset_data *d = qs->key_rrset->entry.data;
	uint32_t inc_max = 0, exp_min = 0;
	bool have_sig = false;
	char err[256];

	for (size_t i = 0; i < d->count; i++) {
		if (d->rr_len[i] < 2)
			continue;
		if (!oeu_request_add_ipseckey(req, d->rr_data[i] + 2,
		    d->rr_len[i] - 2, err, sizeof(err)))
			verbose(VERB_ALGO, "oe-unbound: %s: IPSECKEY record "
			    "skipped: %s", req->name, err);
	}
	for (size_t i = d->count; i < d->count + d->rrsig_count; i++) {
		uint32_t inc, exp;

		if (d->rr_len[i] < 2 || !oeu_rrsig_times(d->rr_data[i] + 2,
		    d->rr_len[i] - 2, &inc, &exp))
			continue;
		if (!have_sig || oeu_serial_to_unix(inc, now) >
		    oeu_serial_to_unix(inc_max, now))
			inc_max = inc;
		if (!have_sig || oeu_serial_to_unix(exp, now) <
		    oeu_serial_to_unix(exp_min, now))
			exp_min = exp;
		have_sig = true;
	}
	if (req->ipseckey.nrecords == 0 || !have_sig) {
		memset(&req->ipseckey, 0, sizeof(req->ipseckey));
		return false;
	}
	req->ipseckey.ttl = d->ttl < 0 ? 0 : (uint32_t)d->ttl;
	req->ipseckey.rrsig_inception = oeu_serial_to_unix(inc_max, now);
	req->ipseckey.rrsig_expiration = oeu_serial_to_unix(exp_min, now);
	qs->keyed = true;
	qs->key_ttl = req->ipseckey.ttl;
	qs->sig_expiration = exp_min;
	return true;
}

static bool
build_request(struct oeu_env *oe, struct oeu_worker *w,
    struct module_qstate *q, struct oeu_qstate *qs,
    struct oe_trigger_request *req)
{
	struct ub_packed_rrset_key *rrset;
	struct packed_rrset_data *d;
	int family = q->qinfo.qtype == LDNS_RR_TYPE_A ? AF_INET : AF_INET6;
	size_t alen = family == AF_INET ? 4 : 16;
	bool addr_secure = q->return_msg->rep->security == sec_status_secure;

	rrset = reply_find_answer_rrset(&q->qinfo, q->return_msg->rep);
	if (rrset == NULL)
		return false;
	if (!oeu_request_init(req, oeu_worker_cookie(w), rrset->rk.dname,
	    rrset->rk.dname_len, q->qinfo.qtype, 0))
		return false;
	d = rrset->entry.data;
	for (size_t i = 0; i < d->count; i++) {
		if (d->rr_len[i] != 2 + alen ||
		    oeu_addr_is_local(w, family, d->rr_data[i] + 2))
			continue;
		if (!oeu_request_add_addr(req, d->rr_data[i] + 2, alen))
			break;		/* list full: send the first 32 */
	}
	if (req->naddrs == 0)
		return false;
	/* a key only for a secure address answer and a secure key set */
	if (addr_secure && qs->key_sec == sec_status_secure &&
	    qs->key_rrset != NULL)
		(void)request_add_keys(req, qs, *q->env->now);
	if (!qs->keyed && !oe->conf.trigger_insecure)
		return false;
	req->addr_ttl = pre_reply_ttl(oe, q, qs);
	return true;
}

/* Answer now, clamped by what we know without the daemon. */
static void
finish_unheld(struct oeu_env *oe, struct module_qstate *q, int id,
    struct oeu_qstate *qs)
{
	clamp_and_store(q, pre_reply_ttl(oe, q, qs));
	q->ext_state[id] = module_finished;
}

/* Step 3: the IPSECKEY lookup finished. */
static void
handle_key_done(struct oeu_env *oe, struct module_qstate *q, int id,
    struct oeu_qstate *qs)
{
	struct oeu_worker *w = worker_get(oe, q->env, id);
	struct oe_trigger_request *req;
	char *buf = NULL, err[256], namebuf[LDNS_MAX_DOMAINLEN + 1];
	ssize_t len;

	q->ext_state[id] = module_finished;
	if (w == NULL || q->return_msg == NULL)
		return;
	if (qs->key_sec == sec_status_bogus) {
		oeu_worker_stats(w)->bogus++;
		if (oeu_log_allowed(w, OEU_RL_BOGUS)) {
			dname_str(q->qinfo.qname, namebuf);
			log_err("oe-unbound: bogus IPSECKEY for %s: %s", namebuf,
			    oe->conf.bogus == OEU_BOGUS_SERVFAIL ?
			    "answering SERVFAIL" : "ignored by configuration");
		}
		if (oe->conf.bogus == OEU_BOGUS_SERVFAIL) {
			/* the address answer is cached already: drop it so
			 * the next client does not get it past this check */
			uncache_answer(q);
			errinf(q, "oe-unbound: bogus IPSECKEY");
			q->return_msg = NULL;
			q->return_rcode = LDNS_RCODE_SERVFAIL;
			q->ext_state[id] = module_error;
			return;
		}
		qs->key_rrset = NULL;
	}
	if (qs->key_rrset == NULL)
		return;		/* no IPSECKEY: answer at once, no request */

	req = regional_alloc_zero(q->env->scratch, sizeof(*req));
	buf = regional_alloc(q->env->scratch, OE_TRIGGER_MSG_MAX + 1);
	if (req == NULL || buf == NULL) {
		log_err("oe-unbound: out of memory for a trigger request");
		return;
	}
	if (!build_request(oe, w, q, qs, req))
		return;
	len = oeu_request_encode(req, buf, OE_TRIGGER_MSG_MAX + 1, err,
	    sizeof(err));
	if (len < 0) {
		log_err("oe-unbound: %s: cannot encode trigger request: %s",
		    req->name, err);
		finish_unheld(oe, q, id, qs);
		return;
	}
	switch (oeu_worker_send(w, buf, (size_t)len)) {
	case OEU_SENT:
		break;
	case OEU_FULL:
		oeu_worker_stats(w)->full++;
		if (oeu_log_allowed(w, OEU_RL_FULL))
			log_warn("oe-unbound: trigger socket %s full; "
			    "answering %s without waiting",
			    oe->conf.socket_path, req->name);
		finish_unheld(oe, q, id, qs);
		return;
	case OEU_UNAVAILABLE:
		oeu_worker_stats(w)->unavailable++;
		finish_unheld(oe, q, id, qs);
		return;
	}
	oeu_worker_stats(w)->requests++;
	if (qs->keyed)
		oeu_worker_stats(w)->keyed++;
	verbose(VERB_ALGO, "oe-unbound: sent %s trigger for %s, cookie %llu",
	    qs->keyed ? "keyed" : "unkeyed", req->name,
	    (unsigned long long)req->cookie);
	if (!oeu_worker_may_hold(w) ||
	    (qs->pending = oeu_hold(w, q, req->cookie)) == NULL) {
		finish_unheld(oe, q, id, qs);
		return;
	}
	/* clients asking meanwhile join this query instead of the cache */
	uncache_answer(q);
	qs->phase = OEU_PH_HELD;
	q->ext_state[id] = module_wait_reply;
}

/* Called by oeu_conn with the daemon's reply, or NULL on deadline. */
static void
oeu_resume(struct module_qstate *qstate, int id,
    const struct oe_trigger_reply *reply)
{
	struct oeu_qstate *qs = qstate->minfo[id];

	qs->pending = NULL;
	if (reply != NULL) {
		qs->have_reply = true;
		qs->reply = *reply;
	}
	mesh_run(qstate->env->mesh, qstate->mesh_info, module_event_pass,
	    NULL);
}

/* Step 4: the daemon answered or the deadline passed. */
static void
handle_resumed(struct oeu_env *oe, struct module_qstate *q, int id,
    struct oeu_qstate *qs)
{
	struct oeu_ttl_input in;

	memset(&in, 0, sizeof(in));
	in.answer_ttl = answer_ttl(q->return_msg->rep);
	in.max_ttl = oe->conf.max_ttl;
	in.keyed = qs->keyed;
	in.key_ttl = qs->key_ttl;
	in.sig_expiration = qs->sig_expiration;
	in.now = *q->env->now;
	if (qs->have_reply && qs->reply.status == OE_TRIGGER_UP) {
		in.sa_up = true;
		in.sa_lifetime = qs->reply.sa_lifetime;
	}
	if (qs->have_reply && qs->reply.status == OE_TRIGGER_ERROR)
		log_warn("oe-unbound: daemon rejected a request: %s",
		    qs->reply.error);
	clamp_and_store(q, oeu_ttl_clamp(&in));
	qs->phase = OEU_PH_PASS;
	q->ext_state[id] = module_finished;
}

void operate(struct module_qstate *qstate, enum module_ev event, int id,
    struct outbound_entry *outbound);
void
operate(struct module_qstate *qstate, enum module_ev event, int id,
    struct outbound_entry *outbound)
{
	struct oeu_env *oe = module_env_get(qstate->env, id);
	struct oeu_qstate *qs = qstate->minfo[id];

	(void)outbound;
	if (oe == NULL) {
		qstate->ext_state[id] = module_error;
		return;
	}
	if (event == module_event_new ||
	    (event == module_event_pass && qs == NULL)) {
		handle_new(oe, qstate, id);
		return;
	}
	if (qs == NULL) {
		/* a state started below us (the iterator's priming and
		 * target queries) passes back up through here: not ours */
		qstate->ext_state[id] = event == module_event_error ?
		    module_error : module_finished;
		return;
	}
	if (event == module_event_error) {
		qstate->ext_state[id] = module_error;
		return;
	}
	switch (qs->phase) {
	case OEU_PH_PASS:
		qstate->ext_state[id] = module_finished;
		return;
	case OEU_PH_ADDR:
		if (event == module_event_moddone) {
			handle_addr_answer(oe, qstate, id, qs);
			return;
		}
		break;
	case OEU_PH_KEY:
		if (event == module_event_pass) {
			handle_key_done(oe, qstate, id, qs);
			return;
		}
		break;
	case OEU_PH_HELD:
		if (event == module_event_pass && qs->pending == NULL) {
			handle_resumed(oe, qstate, id, qs);
			return;
		}
		break;
	}
	log_err("oe-unbound: unexpected event %d in phase %d", (int)event,
	    (int)qs->phase);
	qstate->ext_state[id] = module_error;
}

/* The mesh drops the query: forget a held answer; late replies miss. */
void clear(struct module_qstate *qstate, int id);
void
clear(struct module_qstate *qstate, int id)
{
	struct oeu_qstate *qs;

	if (qstate == NULL)
		return;
	qs = qstate->minfo[id];
	if (qs != NULL && qs->pending != NULL) {
		oeu_forget(qs->pending);
		qs->pending = NULL;
	}
	qstate->minfo[id] = NULL;	/* region memory, freed by the mesh */
}

size_t get_mem(struct module_env *env, int id);
size_t
get_mem(struct module_env *env, int id)
{
	struct oeu_env *oe = module_env_get(env, id);

	if (oe == NULL)
		return 0;
	return sizeof(*oe) + (size_t)oe->n_workers * sizeof(*oe->workers);
}
