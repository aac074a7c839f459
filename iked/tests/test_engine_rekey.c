/*
 * Rekeying between two engines over the fake wire of engine_harness.h
 * (`none` kernel backend): what each side keeps in the kernel across a
 * Child SA rekey, a rekey without the key exchange pfs=yes asks for,
 * the responder's own rekeys, and rekeys that collide (Child SA and IKE
 * SA, RFC 7296 2.8.1, 2.8.2, 2.25).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "engine_harness.h"
#include "ikev2_child.h"

/* The rekey initiator's DELETE of the old Child SA has been answered. */
static bool
old_delete_answered(struct harness *h)
{
	struct ikev2_ike_sa *a = ikev2_sa_first(h->d[0]->sas);

	return a != NULL && a->rekeys >= 1 && !a->deleting_old &&
	    !a->req.active && h->nq == 0;
}

/* An hour's lifetimes: rekeys happen only when a test starts them. */
#define LONG_LIFE	"\tsalifetime=3600s\n\tikelifetime=3600s\n"

static void
rekey_old_inbound_sa_outlives_the_delete_then_goes(void **state)
{
	struct harness *h = harness_new(LONG_LIFE, LONG_LIFE);
	struct ikev2_ike_sa *a, *b;
	uint32_t a_in, a_out;
	size_t nsa, npol;

	(void)state;
	initiate(h);
	pump(h);
	assert_true(h->r[0].res.ok);
	a = only_sa(h->d[0]);
	a_in = a->child.spi_in;		/* = b's old outbound */
	a_out = a->child.spi_out;	/* = b's old inbound */
	/* a minute old: the full grace (at most a quarter of the age) */
	a->child.established_usec -= 60 * 1000000ULL;
	only_sa(h->d[1])->child.established_usec -= 60 * 1000000ULL;
	assert_int_equal(ikev2_rekey_child_start(a), 0);
	run_for(h, 1000, old_delete_answered);
	assert_true(old_delete_answered(h));
	a = only_sa(h->d[0]);
	b = only_sa(h->d[1]);
	assert_true(a->child.spi_in != a_in && a->child.spi_out != a_out);
	/* both sides: the old inbound SA still takes packets ... */
	assert_true(kernel_has_sa(h->d[0], "127.0.0.1", a_in));
	assert_true(kernel_has_sa(h->d[1], "127.0.0.2", a_out));
	/* ... while nothing can be sent under the old outbound SA */
	assert_false(kernel_has_sa(h->d[0], "127.0.0.2", a_out));
	assert_false(kernel_has_sa(h->d[1], "127.0.0.1", a_in));
	/* the new pair is in on both sides, keys matching */
	assert_true(kernel_has_sa(h->d[0], "127.0.0.2", a->child.spi_out));
	assert_true(kernel_has_sa(h->d[1], "127.0.0.2", b->child.spi_in));
	assert_string_equal(a->child.fp_out, b->child.fp_in);
	assert_string_equal(a->child.fp_in, b->child.fp_out);
	/* still there a second later ... */
	run_for(h, 1000, NULL);
	assert_true(kernel_has_sa(h->d[0], "127.0.0.1", a_in));
	assert_true(kernel_has_sa(h->d[1], "127.0.0.2", a_out));
	/* ... gone after the grace period (2 s) */
	run_for(h, 2000, rekey_done);
	assert_true(rekey_done(h));
	assert_false(kernel_has_sa(h->d[0], "127.0.0.1", a_in));
	assert_false(kernel_has_sa(h->d[1], "127.0.0.2", a_out));
	kernel_none_count(h->d[0]->kernel, &nsa, &npol);
	assert_int_equal(nsa, 2);
	assert_int_equal(npol, 2);
	kernel_none_count(h->d[1]->kernel, &nsa, &npol);
	assert_int_equal(nsa, 2);
	assert_int_equal(npol, 2);
	harness_free(h);
}

/*
 * The shape of strongSwan's default (no PFS group) against our pfs=yes:
 * a offers a rekey without KE, b refuses it (NO_PROPOSAL_CHOSEN) and the
 * old pair keeps working; when a then deletes that Child SA (its
 * expiry), b does not keep a silent IKE SA without Child SA: it deletes
 * it, so the next packet negotiates afresh with a full key exchange.
 */
static void
rekey_without_ke_refused_old_child_kept_then_childless_ike_sa_deleted(
    void **state)
{
	struct harness *h = harness_new(LONG_LIFE "\tpfs=no\n", LONG_LIFE);
	struct ikev2_ike_sa *a, *b;
	struct ikev2_payload del;
	uint32_t a_in, a_out;
	uint8_t spi[4];
	size_t nsa, npol;

	(void)state;
	initiate(h);
	pump(h);
	assert_true(h->r[0].res.ok);
	a = only_sa(h->d[0]);
	a_in = a->child.spi_in;
	a_out = a->child.spi_out;
	assert_int_equal(ikev2_rekey_child_start(a), 0);
	pump(h);
	a = only_sa(h->d[0]);
	b = only_sa(h->d[1]);
	assert_int_equal(a->rekeys, 0);
	assert_int_equal(b->rekeys, 0);
	assert_false(a->rekeying || a->req.active);
	/* the old pair still carries traffic, on both sides */
	assert_int_equal(b->state, IKEV2_SA_ESTABLISHED);
	assert_int_equal(b->child.spi_in, a_out);
	assert_int_equal(b->child.spi_out, a_in);
	assert_true(kernel_has_sa(h->d[0], "127.0.0.2", a_out));
	assert_true(kernel_has_sa(h->d[0], "127.0.0.1", a_in));
	assert_true(kernel_has_sa(h->d[1], "127.0.0.2", a_out));
	assert_true(kernel_has_sa(h->d[1], "127.0.0.1", a_in));
	assert_string_equal(a->child.fp_out, b->child.fp_in);
	/* a deletes its Child SA, as strongSwan does at its expiry */
	memset(&del, 0, sizeof(del));
	del.type = IKEV2_PL_DELETE;
	del.u.del.protocol = IKEV2_PROTO_ESP;
	del.u.del.spi_len = 4;
	del.u.del.nspi = 1;
	ikev2_spi_be(a_in, spi);
	del.u.del.spis.ptr = spi;
	del.u.del.spis.len = 4;
	assert_int_equal(ikev2_request_send(a, IKEV2_EXCH_INFORMATIONAL, &del,
	    1), 0);
	pump(h);
	/* b answered, then deleted the IKE SA; a agreed */
	assert_int_equal(ikev2_sa_count(h->d[1]->sas), 0);
	assert_int_equal(ikev2_sa_count(h->d[0]->sas), 0);
	kernel_none_count(h->d[1]->kernel, &nsa, &npol);
	assert_int_equal(nsa, 0);
	assert_int_equal(npol, 0);
	harness_free(h);
}

/* Both sides' rekeys and DELETEs are done; no old Child SA left. */
static bool
rekeys_settled(struct harness *h)
{
	struct ikev2_ike_sa *a = ikev2_sa_first(h->d[0]->sas);
	struct ikev2_ike_sa *b = ikev2_sa_first(h->d[1]->sas);

	return a != NULL && b != NULL && h->nq == 0 &&
	    !a->req.active && !b->req.active && !a->rekeying && !b->rekeying &&
	    !a->old_child.present && !b->old_child.present;
}

/*
 * 2.8.1: both ends start a rekey of the Child SA in the same tick.  Both
 * exchanges complete; the new Child SA of the exchange with the lowest
 * nonce is deleted by its initiator, the old one by the other; exactly
 * one pair survives, the same on both sides.  Three rounds, so that
 * (nonces being random) either side is likely the one to back off.
 */
static void
rekey_child_collision_leaves_one_pair_same_on_both_sides(void **state)
{
	struct harness *h = harness_new(LONG_LIFE, LONG_LIFE);
	struct ikev2_ike_sa *a, *b;
	uint32_t old_in, old_out;
	size_t nsa, npol;
	uint64_t round;

	(void)state;
	initiate(h);
	pump(h);
	assert_true(h->r[0].res.ok);
	for (round = 1; round <= 3; round++) {
		a = only_sa(h->d[0]);
		b = only_sa(h->d[1]);
		old_in = a->child.spi_in;
		old_out = a->child.spi_out;
		assert_int_equal(ikev2_rekey_child_start(a), 0);
		assert_int_equal(ikev2_rekey_child_start(b), 0);
		run_for(h, 3500, rekeys_settled);
		assert_true(rekeys_settled(h));
		run_for(h, 600, NULL);	/* the redundant pair's grace */
		a = only_sa(h->d[0]);
		b = only_sa(h->d[1]);
		assert_int_equal(a->state, IKEV2_SA_ESTABLISHED);
		assert_int_equal(b->state, IKEV2_SA_ESTABLISHED);
		assert_int_equal(a->rekeys, round);
		assert_int_equal(b->rekeys, round);
		assert_true(a->child.installed && b->child.installed);
		assert_true(a->child.spi_in != old_in &&
		    a->child.spi_out != old_out);
		assert_int_equal(a->child.spi_in, b->child.spi_out);
		assert_int_equal(a->child.spi_out, b->child.spi_in);
		assert_string_equal(a->child.fp_out, b->child.fp_in);
		assert_string_equal(a->child.fp_in, b->child.fp_out);
		/* in the kernels: that pair and nothing else */
		assert_true(kernel_has_sa(h->d[0], "127.0.0.2", a->child.spi_out));
		assert_true(kernel_has_sa(h->d[0], "127.0.0.1", a->child.spi_in));
		assert_true(kernel_has_sa(h->d[1], "127.0.0.2", b->child.spi_in));
		assert_true(kernel_has_sa(h->d[1], "127.0.0.1", b->child.spi_out));
		kernel_none_count(h->d[0]->kernel, &nsa, &npol);
		assert_int_equal(nsa, 2);
		assert_int_equal(npol, 2);
		kernel_none_count(h->d[1]->kernel, &nsa, &npol);
		assert_int_equal(nsa, 2);
		assert_int_equal(npol, 2);
	}
	harness_free(h);
}

static bool
b_rekeyed_and_settled(struct harness *h)
{
	struct ikev2_ike_sa *b = ikev2_sa_first(h->d[1]->sas);

	return b != NULL && b->rekeys >= 1 && rekeys_settled(h);
}

/*
 * The original responder rekeys too, but only at half the margin
 * before the end, in case the initiator does not: b's Child SA (60 s,
 * margin 50 s) is made to look 30 s old (an initiator would have
 * rekeyed at 10 s): nothing; then 36 s old: b rekeys it, as the
 * initiator of that exchange, and both sides end up on the new pair.
 */
static void
rekey_responder_rekeys_late_when_the_initiator_does_not(void **state)
{
	struct harness *h = harness_new(LONG_LIFE,
	    "\tsalifetime=60s\n\trekeymargin=50s\n\tikelifetime=3600s\n");
	struct ikev2_ike_sa *a, *b;
	uint32_t old_in;

	(void)state;
	initiate(h);
	pump(h);
	assert_true(h->r[0].res.ok);
	b = only_sa(h->d[1]);
	assert_false(b->initiator);
	old_in = b->child.spi_in;
	b->child.established_usec = iked_now_usec(h->d[1]) - 30 * 1000000ULL;
	ikev2_sa_arm_timer(b);
	run_for(h, 400, NULL);
	b = only_sa(h->d[1]);
	assert_int_equal(b->rekeys, 0);
	assert_false(b->rekeying);
	b->child.established_usec = iked_now_usec(h->d[1]) - 36 * 1000000ULL;
	ikev2_sa_arm_timer(b);
	run_for(h, 3500, b_rekeyed_and_settled);
	assert_true(b_rekeyed_and_settled(h));
	a = only_sa(h->d[0]);
	b = only_sa(h->d[1]);
	assert_int_equal(b->rekeys, 1);
	assert_int_equal(a->rekeys, 1);
	assert_true(b->child.spi_in != old_in);
	assert_int_equal(a->child.spi_in, b->child.spi_out);
	assert_int_equal(a->child.spi_out, b->child.spi_in);
	assert_string_equal(a->child.fp_out, b->child.fp_in);
	assert_true(kernel_has_sa(h->d[0], "127.0.0.2", a->child.spi_out));
	assert_true(kernel_has_sa(h->d[1], "127.0.0.2", b->child.spi_in));
	harness_free(h);
}

/*
 * The rekey responder (b) puts the new outbound SA in only once a's
 * DELETE of the old Child SA shows that a has the new inbound one (a
 * sends it after installing): until then b sends under the old SA.
 * Without that DELETE (lost here), after 5 s.
 */
static void
rekey_responder_outbound_waits_for_the_old_sas_delete(void **state)
{
	int lose_delete;

	(void)state;
	for (lose_delete = 0; lose_delete < 2; lose_delete++) {
		struct harness *h = harness_new(LONG_LIFE, LONG_LIFE);
		struct ikev2_ike_sa *a, *b;
		uint32_t old_b_out, a_in;
		char a_fp_in[17];

		initiate(h);
		pump(h);
		assert_true(h->r[0].res.ok);
		a = only_sa(h->d[0]);
		b = only_sa(h->d[1]);
		old_b_out = b->child.spi_out;
		assert_int_equal(ikev2_rekey_child_start(a), 0);
		deliver_at(h, 0);		/* b answers */
		b = only_sa(h->d[1]);
		assert_true(b->child.out_later);
		assert_true(kernel_has_sa(h->d[1], "127.0.0.2", b->child.spi_in));
		assert_false(kernel_has_sa(h->d[1], "127.0.0.1", b->child.spi_out));
		assert_true(kernel_has_sa(h->d[1], "127.0.0.1", old_b_out));
		deliver_at(h, 0);		/* a installs, sends its DELETE */
		a = only_sa(h->d[0]);
		assert_true(kernel_has_sa(h->d[0], "127.0.0.1", a->child.spi_in));
		a_in = a->child.spi_in;
		memcpy(a_fp_in, a->child.fp_in, sizeof(a_fp_in));
		assert_int_equal(h->nq, 1);
		if (lose_delete) {
			/* it and its retransmissions: a gives up, b waits */
			free(h->q[0].buf);
			h->nq = 0;
			h->drop_all = true;
			run_for(h, 4000, NULL);
			b = only_sa(h->d[1]);
			assert_true(b->child.out_later);
			run_for(h, 2000, NULL);
		} else
			deliver_at(h, 0);	/* b gets the DELETE */
		b = only_sa(h->d[1]);
		assert_false(b->child.out_later);
		assert_true(kernel_has_sa(h->d[1], "127.0.0.1", b->child.spi_out));
		assert_int_equal(b->child.spi_out, a_in);
		assert_string_equal(b->child.fp_out, a_fp_in);
		if (!lose_delete)
			assert_false(kernel_has_sa(h->d[1], "127.0.0.1", old_b_out));
		harness_free(h);
	}
}

/*
 * A collision where the loser's DELETE of its redundant Child SA
 * overtakes its answer to the other side's rekey: b, whose exchange has
 * the lowest nonce, deletes its new Child SA before a has the answer to
 * its own rekey.  a must take that DELETE for the redundant SA, not for
 * its Child SA (which would leave nothing), and end on the same single
 * pair as b.  Nonces are random: repeated until b is the one to lose.
 */
static void
rekey_child_collision_loser_delete_overtaking_the_answer(void **state)
{
	int tries;

	(void)state;
	for (tries = 0; tries < 30; tries++) {
		struct harness *h = harness_new(LONG_LIFE, LONG_LIFE);
		struct ikev2_ike_sa *a, *b;
		size_t nsa, npol;

		initiate(h);
		pump(h);
		assert_true(h->r[0].res.ok);
		a = only_sa(h->d[0]);
		b = only_sa(h->d[1]);
		a->child.established_usec -= 60 * 1000000ULL;
		b->child.established_usec -= 60 * 1000000ULL;
		assert_int_equal(ikev2_rekey_child_start(a), 0);
		assert_int_equal(ikev2_rekey_child_start(b), 0);
		assert_int_equal(h->nq, 2);	/* a's request, b's request */
		deliver_at(h, 0);		/* b answers a: [b req, b resp] */
		deliver_at(h, 0);		/* a answers b: [b resp, a resp] */
		assert_int_equal(h->nq, 2);
		deliver_at(h, 1);		/* b has its answer and decides */
		if (h->nq != 2 || h->q[1].from != 1) {
			/* b won (it deletes the old one later): try again */
			harness_free(h);
			continue;
		}
		deliver_at(h, 1);		/* b's DELETE before its answer */
		pump(h);
		run_for(h, 3000, rekeys_settled);
		assert_true(rekeys_settled(h));
		run_for(h, 300, NULL);
		a = only_sa(h->d[0]);
		b = only_sa(h->d[1]);
		assert_int_equal(a->state, IKEV2_SA_ESTABLISHED);
		assert_int_equal(b->state, IKEV2_SA_ESTABLISHED);
		assert_int_equal(a->rekeys, 1);
		assert_int_equal(b->rekeys, 1);
		assert_int_equal(a->child.spi_in, b->child.spi_out);
		assert_int_equal(a->child.spi_out, b->child.spi_in);
		assert_string_equal(a->child.fp_out, b->child.fp_in);
		kernel_none_count(h->d[0]->kernel, &nsa, &npol);
		assert_int_equal(nsa, 2);
		assert_int_equal(npol, 2);
		kernel_none_count(h->d[1]->kernel, &nsa, &npol);
		assert_int_equal(nsa, 2);
		assert_int_equal(npol, 2);
		harness_free(h);
		return;
	}
	fail_msg("b never had the lowest nonce in %d collisions", tries);
}

/* One IKE SA on each side, no request or datagram in flight. */
static bool
one_ike_sa_each(struct harness *h)
{
	struct ikev2_ike_sa *a = ikev2_sa_first(h->d[0]->sas);
	struct ikev2_ike_sa *b = ikev2_sa_first(h->d[1]->sas);

	return ikev2_sa_count(h->d[0]->sas) == 1 &&
	    ikev2_sa_count(h->d[1]->sas) == 1 && h->nq == 0 &&
	    !a->req.active && !b->req.active;
}

/*
 * 2.8.2: both ends start an IKE SA rekey in the same tick.  Both
 * exchanges complete; the new IKE SA of the exchange with the lowest
 * nonce is deleted by its initiator, the old one by the other.  Exactly
 * one IKE SA remains on each side, the same SPIs, holding the Child SA
 * (kernel state untouched), and it works: a DELETE on it (protected
 * with the new keys) ends both sides.  Three runs, so that either side
 * is likely to be the one backing off.
 */
static void
rekey_ike_collision_leaves_one_ike_sa_same_on_both_sides(void **state)
{
	int run;

	(void)state;
	for (run = 0; run < 3; run++) {
		struct harness *h = harness_new(LONG_LIFE, LONG_LIFE);
		struct ikev2_ike_sa *a, *b;
		uint64_t ispi, rspi;
		uint32_t cin, cout;
		char fp[17];
		size_t nsa, npol;

		initiate(h);
		pump(h);
		assert_true(h->r[0].res.ok);
		a = only_sa(h->d[0]);
		b = only_sa(h->d[1]);
		ispi = a->ispi;
		rspi = a->rspi;
		cin = a->child.spi_in;
		cout = a->child.spi_out;
		memcpy(fp, a->child.fp_out, sizeof(fp));
		assert_int_equal(ikev2_rekey_ike_start(a), 0);
		assert_int_equal(ikev2_rekey_ike_start(b), 0);
		run_for(h, 2000, one_ike_sa_each);
		assert_true(one_ike_sa_each(h));
		a = only_sa(h->d[0]);
		b = only_sa(h->d[1]);
		assert_int_equal(a->state, IKEV2_SA_ESTABLISHED);
		assert_int_equal(b->state, IKEV2_SA_ESTABLISHED);
		assert_false(a->replaced || b->replaced);
		assert_true(a->ispi != ispi && a->rspi != rspi);
		assert_true(a->ispi == b->ispi && a->rspi == b->rspi);
		assert_true(a->initiator != b->initiator);
		/* the Child SA moved over untouched */
		assert_int_equal(a->child.spi_in, cin);
		assert_int_equal(a->child.spi_out, cout);
		assert_int_equal(b->child.spi_in, cout);
		assert_string_equal(a->child.fp_out, fp);
		assert_string_equal(b->child.fp_in, fp);
		kernel_none_count(h->d[0]->kernel, &nsa, &npol);
		assert_int_equal(nsa, 2);
		assert_int_equal(npol, 2);
		kernel_none_count(h->d[1]->kernel, &nsa, &npol);
		assert_int_equal(nsa, 2);
		/* the survivor's keys agree: b's DELETE on it reaches a */
		assert_int_equal(ikev2_info_send_delete(b), 0);
		pump(h);
		assert_int_equal(ikev2_sa_count(h->d[0]->sas), 0);
		assert_int_equal(ikev2_sa_count(h->d[1]->sas), 0);
		harness_free(h);
	}
}

/*
 * A Child SA rekey of a's and an IKE SA rekey of b's, started in the
 * same tick so that they cross (2.25); returns when each side holds one
 * IKE SA again.  *ispi and *cin: the IKE SA and a's inbound Child SA
 * before the rekeys.
 */
static struct harness *
crossed_child_and_ike_rekeys(uint64_t *ispi, uint32_t *cin)
{
	struct harness *h = harness_new(LONG_LIFE, LONG_LIFE);
	struct ikev2_ike_sa *a, *b;

	initiate(h);
	pump(h);
	assert_true(h->r[0].res.ok);
	a = only_sa(h->d[0]);
	b = only_sa(h->d[1]);
	*ispi = a->ispi;
	*cin = a->child.spi_in;
	assert_int_equal(ikev2_rekey_child_start(a), 0);
	assert_int_equal(ikev2_rekey_ike_start(b), 0);
	run_for(h, 500, one_ike_sa_each);
	assert_true(one_ike_sa_each(h));
	return h;
}

/*
 * 2.25: an IKE SA rekey refused with TEMPORARY_FAILURE (it crossed our
 * peer's Child SA rekey) is asked again on its own once the back-off
 * has passed, and not before.
 */
static void
rekey_ike_refused_temporarily_is_asked_again_after_the_backoff(void **state)
{
	struct harness *h;
	const struct conf_conn *c;
	struct ikev2_ike_sa *a, *b;
	uint64_t ispi, now, due;
	uint32_t cin;
	int i;

	(void)state;
	h = crossed_child_and_ike_rekeys(&ispi, &cin);
	b = only_sa(h->d[1]);
	now = iked_now_usec(h->d[1]);
	assert_int_equal(b->ispi, ispi);
	assert_false(b->ike_rekey_disabled);
	assert_int_equal(b->ike_rekey_refusals, 1);
	assert_true(b->ike_rekey_not_before_usec > now + 20 * 1000000ULL);
	/* Age b's IKE SA so that its rekey is due: the back-off holds it. */
	c = conf_find_conn(h->d[1]->conf, b->conn);
	assert_non_null(c);
	due = (uint64_t)(b->lifetime - c->rekeymargin / 2) * 1000000ULL;
	assert_true(b->established_usec > due);
	b->established_usec -= due;
	ikev2_sa_arm_timer(b);
	run_for(h, 300, NULL);
	assert_true(one_ike_sa_each(h));
	assert_int_equal(only_sa(h->d[1])->ispi, ispi);
	/* The back-off is over: the timer rekeys the IKE SA by itself. */
	b = only_sa(h->d[1]);
	b->ike_rekey_not_before_usec = iked_now_usec(h->d[1]);
	ikev2_sa_arm_timer(b);
	for (i = 0; i < 40 && (!one_ike_sa_each(h) ||
	    only_sa(h->d[1])->ispi == ispi); i++)
		run_for(h, 50, NULL);
	assert_true(one_ike_sa_each(h));
	b = only_sa(h->d[1]);
	a = only_sa(h->d[0]);
	assert_true(b->ispi != ispi);
	assert_true(a->ispi == b->ispi && a->rspi == b->rspi);
	assert_int_equal(b->ike_rekey_refusals, 0);
	harness_free(h);
}

/*
 * 2.25: a Child SA rekey and an IKE SA rekey cross.  Each side answers
 * the other's request with TEMPORARY_FAILURE; the Child SA and the IKE
 * SA stay as they were, working, and a later rekey goes through.
 */
static void
rekey_child_and_ike_rekeys_crossing_get_temporary_failure(void **state)
{
	struct harness *h;
	struct ikev2_ike_sa *a, *b;
	uint64_t ispi;
	uint32_t cin;

	(void)state;
	h = crossed_child_and_ike_rekeys(&ispi, &cin);
	a = only_sa(h->d[0]);
	b = only_sa(h->d[1]);
	assert_int_equal(a->ispi, ispi);
	assert_int_equal(b->ispi, ispi);
	assert_int_equal(a->rekeys, 0);
	assert_int_equal(b->rekeys, 0);
	assert_int_equal(a->child.spi_in, cin);
	assert_true(kernel_has_sa(h->d[0], "127.0.0.1", cin));
	assert_true(kernel_has_sa(h->d[1], "127.0.0.1", b->child.spi_out));
	assert_false(a->rekeying || a->rekey_child.present);
	/* the Child SA can still be rekeyed (after the back-off) */
	a->rekey_not_before_usec = 0;
	assert_int_equal(ikev2_rekey_child_start(a), 0);
	run_for(h, 3500, rekeys_settled);
	assert_true(rekeys_settled(h));
	assert_int_equal(only_sa(h->d[0])->rekeys, 1);
	assert_int_equal(only_sa(h->d[1])->rekeys, 1);
	harness_free(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rekey_old_inbound_sa_outlives_the_delete_then_goes),
		cmocka_unit_test(rekey_without_ke_refused_old_child_kept_then_childless_ike_sa_deleted),
		cmocka_unit_test(rekey_child_collision_leaves_one_pair_same_on_both_sides),
		cmocka_unit_test(rekey_responder_rekeys_late_when_the_initiator_does_not),
		cmocka_unit_test(rekey_responder_outbound_waits_for_the_old_sas_delete),
		cmocka_unit_test(rekey_child_collision_loser_delete_overtaking_the_answer),
		cmocka_unit_test(rekey_ike_collision_leaves_one_ike_sa_same_on_both_sides),
		cmocka_unit_test(rekey_child_and_ike_rekeys_crossing_get_temporary_failure),
		cmocka_unit_test(rekey_ike_refused_temporarily_is_asked_again_after_the_backoff),
	};

	return cmocka_run_group_tests_name("engine_rekey", tests,
	    harness_nss_setup, harness_nss_teardown);
}
