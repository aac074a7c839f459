/*
 * Rekeying between two engines over the fake wire of
 * test_engine_exchange.c (`none` kernel backend): what each side keeps
 * in the kernel across a Child SA rekey, and (later in this file)
 * rekeys that collide.
 *
 * The harness (two daemon contexts, the wire, run_for(), kernel_has_sa()
 * and the rest) is test_engine_exchange.c's, compiled in here rather
 * than copied; its own tests are built but run by its own program.
 */
#include "config.h"

int	engine_exchange_main(void);
#define main engine_exchange_main
#include "test_engine_exchange.c"
#undef main

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
	assert_true(h->res.ok);
	a = only_sa(h->d[0]);
	a_in = a->child.spi_in;		/* = b's old outbound */
	a_out = a->child.spi_out;	/* = b's old inbound */
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
	/* after the grace period (2 s) the old inbound SAs are gone too */
	run_for(h, 3000, rekey_done);
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
	assert_true(h->res.ok);
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rekey_old_inbound_sa_outlives_the_delete_then_goes),
		cmocka_unit_test(rekey_without_ke_refused_old_child_kept_then_childless_ike_sa_deleted),
	};

	return cmocka_run_group_tests_name("engine_rekey", tests,
	    group_setup, group_teardown);
}
