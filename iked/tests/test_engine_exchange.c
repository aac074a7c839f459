/*
 * IKEv2 engine tests: two complete daemon contexts, "a" at 127.0.0.1
 * and "b" at 127.0.0.2, over the fake wire of engine_harness.h
 * (deliver, drop, duplicate, tamper) with the `none` kernel backend:
 * handshakes, retransmissions, hostile datagrams, DELETE, liveness,
 * NAT, rekeys, idle and kernel expiries, OE instances and fragments.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "engine_harness.h"
#include "acquire.h"
#include "shunt.h"
#include "policy.h"

/* ---- tests ------------------------------------------------------------- */

static void
engine_null_auth_handshake_installs_matching_child_sas(void **state)
{
	struct harness *h = harness_new(NULL, NULL);
	struct ikev2_ike_sa *a, *b;

	(void)state;
	initiate(h);
	pump(h);
	assert_int_equal(h->r[0].ndone, 1);
	assert_true(h->r[0].res.ok);
	a = only_sa(h->d[0]);
	b = only_sa(h->d[1]);
	assert_int_equal(a->state, IKEV2_SA_ESTABLISHED);
	assert_int_equal(b->state, IKEV2_SA_ESTABLISHED);
	assert_int_equal(ikev2_sa_halfopen(h->d[0]->sas), 0);
	assert_int_equal(ikev2_sa_halfopen(h->d[1]->sas), 0);
	assert_true(a->initiator);
	assert_false(b->initiator);
	assert_true(a->ispi == b->ispi && a->rspi == b->rspi);
	assert_int_equal(a->auth_peer, IKEV2_AUTH_NULL);
	assert_int_equal(b->peer_id.type, IKEV2_ID_NULL);
	assert_true(a->child.installed && b->child.installed);
	assert_int_equal(a->child.spi_out, b->child.spi_in);
	assert_int_equal(a->child.spi_in, b->child.spi_out);
	assert_int_equal(h->r[0].res.spi_in, a->child.spi_in);
	assert_string_equal(a->child.fp_out, b->child.fp_in);
	assert_string_equal(a->child.fp_in, b->child.fp_out);
	assert_true(a->child.transport && b->child.transport);
	assert_true(kernel_has_sa(h->d[0], "127.0.0.2", a->child.spi_out));
	assert_true(kernel_has_sa(h->d[0], "127.0.0.1", a->child.spi_in));
	assert_true(kernel_has_sa(h->d[1], "127.0.0.1", b->child.spi_out));
	assert_true(kernel_has_sa(h->d[1], "127.0.0.2", b->child.spi_in));
	harness_free(h);
}

static void
engine_retransmitted_init_request_gets_cached_response(void **state)
{
	struct harness *h = harness_new(NULL, NULL);
	struct pkt req;
	size_t r1, r2;

	(void)state;
	h->drop_all = true;	/* we hand datagrams over ourselves */
	initiate(h);
	req = h->log[sent_by(h, 0, 0)];
	deliver(h, &req, req.buf, req.len);
	deliver(h, &req, req.buf, req.len);
	assert_int_equal(ikev2_sa_count(h->d[1]->sas), 1);
	assert_int_equal(ikev2_sa_halfopen(h->d[1]->sas), 1);
	r1 = sent_by(h, 1, 0);
	r2 = sent_by(h, 1, 1);
	assert_int_equal(h->log[r1].len, h->log[r2].len);
	assert_memory_equal(h->log[r1].buf, h->log[r2].buf, h->log[r1].len);
	harness_free(h);
}

static void
engine_duplicate_auth_request_is_replayed_not_reprocessed(void **state)
{
	struct harness *h = harness_new(NULL, NULL);
	struct pkt auth;
	size_t first, again;

	(void)state;
	initiate(h);
	pump(h);
	assert_true(h->r[0].res.ok);
	auth = h->log[sent_by(h, 0, 1)];	/* a's IKE_AUTH request */
	first = sent_by(h, 1, 1);		/* b's IKE_AUTH response */
	deliver(h, &auth, auth.buf, auth.len);
	again = sent_by(h, 1, 2);
	assert_int_equal(h->log[first].len, h->log[again].len);
	assert_memory_equal(h->log[first].buf, h->log[again].buf,
	    h->log[first].len);
	assert_int_equal(h->d[1]->stats.ike_established, 1);
	assert_int_equal(h->d[1]->stats.child_installed, 1);
	harness_free(h);
}

static void
engine_garbage_datagrams_are_dropped_without_state(void **state)
{
	struct harness *h = harness_new(NULL, NULL);
	struct pkt req, junk;
	uint8_t buf[200];
	size_t i;

	(void)state;
	h->drop_all = true;
	initiate(h);
	req = h->log[sent_by(h, 0, 0)];
	junk = req;
	memset(buf, 0, sizeof(buf));
	deliver(h, &junk, buf, 28);			/* zero SPIs */
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 37 + 11);
	deliver(h, &junk, buf, sizeof(buf));		/* noise */
	deliver(h, &junk, req.buf, req.len - 10);	/* truncated */
	memcpy(buf, req.buf, 28);
	buf[17] = 0x10;					/* IKEv1 version */
	deliver(h, &junk, buf, 28);
	assert_int_equal(ikev2_sa_count(h->d[1]->sas), 0);
	assert_int_equal(h->d[1]->stats.rx_dropped, 4);
	assert_int_equal(h->d[1]->stats.tx_packets, 0);
	harness_free(h);
}

static void
engine_tampered_auth_request_is_dropped(void **state)
{
	struct harness *h = harness_new(NULL, NULL);
	struct pkt init, resp, auth;
	uint8_t *bad;

	(void)state;
	h->drop_all = true;
	initiate(h);
	init = h->log[sent_by(h, 0, 0)];
	deliver(h, &init, init.buf, init.len);
	resp = h->log[sent_by(h, 1, 0)];
	deliver(h, &resp, resp.buf, resp.len);
	auth = h->log[sent_by(h, 0, 1)];
	bad = malloc(auth.len);
	assert_non_null(bad);
	memcpy(bad, auth.buf, auth.len);
	bad[auth.len - 1] ^= 0x01;			/* in the ICV */
	deliver(h, &auth, bad, auth.len);
	free(bad);
	assert_int_equal(only_sa(h->d[1])->state, IKEV2_SA_INIT_DONE);
	assert_int_equal(h->d[1]->stats.rx_dropped, 1);
	deliver(h, &auth, auth.buf, auth.len);		/* the real one */
	assert_int_equal(only_sa(h->d[1])->state, IKEV2_SA_ESTABLISHED);
	harness_free(h);
}

static void
engine_unanswered_request_fails_after_deadline(void **state)
{
	struct harness *h = harness_new(NULL, NULL);
	int i;

	(void)state;
	h->drop_all = true;
	initiate(h);
	for (i = 0; i < 60 && h->r[0].ndone == 0; i++)
		(void)sd_event_run(h->ev, 100000);
	assert_int_equal(h->r[0].ndone, 1);
	assert_false(h->r[0].res.ok);
	assert_int_equal(ikev2_sa_count(h->d[0]->sas), 0);
	assert_int_equal(h->d[0]->stats.ike_failed, 1);
	/* interval 50 ms doubling within 1 s: 1 + 4 transmissions */
	assert_true(h->d[0]->stats.retransmits >= 3);
	assert_true(h->d[0]->stats.retransmits <= 5);
	harness_free(h);
}

static void
engine_delete_removes_both_sides_and_kernel_state(void **state)
{
	struct harness *h = harness_new(NULL, NULL);
	size_t nsa, npol;

	(void)state;
	initiate(h);
	pump(h);
	assert_true(h->r[0].res.ok);
	kernel_none_count(h->d[1]->kernel, &nsa, &npol);
	assert_int_equal(nsa, 2);
	assert_int_equal(npol, 2);
	assert_int_equal(ikev2_info_send_delete(only_sa(h->d[0])), 0);
	pump(h);
	assert_int_equal(ikev2_sa_count(h->d[0]->sas), 0);
	assert_int_equal(ikev2_sa_count(h->d[1]->sas), 0);
	kernel_none_count(h->d[0]->kernel, &nsa, &npol);
	assert_int_equal(nsa + npol, 0);
	kernel_none_count(h->d[1]->kernel, &nsa, &npol);
	assert_int_equal(nsa + npol, 0);
	harness_free(h);
}

static void
engine_no_common_proposal_fails_initiation(void **state)
{
	struct harness *h = harness_new("\tike=aes_gcm256-sha2_256-dh31\n",
	    "\tike=aes256-sha2_512-dh19\n");

	(void)state;
	initiate(h);
	pump(h);
	assert_int_equal(h->r[0].ndone, 1);
	assert_false(h->r[0].res.ok);
	assert_int_equal(ikev2_sa_count(h->d[0]->sas), 0);
	assert_int_equal(ikev2_sa_count(h->d[1]->sas), 0);
	harness_free(h);
}

static void
engine_cbc_hmac_and_ecp256_negotiate(void **state)
{
	struct harness *h = harness_new(
	    "\tike=aes128-sha2_256-dh19\n\tesp=aes128-sha2_256\n",
	    "\tike=aes128-sha2_256-dh19\n\tesp=aes128-sha2_256\n");
	struct ikev2_ike_sa *a;

	(void)state;
	initiate(h);
	pump(h);
	assert_true(h->r[0].res.ok);
	a = only_sa(h->d[0]);
	assert_int_equal(a->alg.encr, IKEV2_ENCR_AES_CBC);
	assert_int_equal(a->alg.integ, IKEV2_INTEG_HMAC_SHA2_256_128);
	assert_int_equal(a->alg.dh, IKEV2_DH_ECP256);
	assert_int_equal(a->child.alg.encr, IKEV2_ENCR_AES_CBC);
	assert_int_equal(a->child.alg.integ, IKEV2_INTEG_HMAC_SHA2_256_128);
	assert_string_equal(a->child.fp_out, only_sa(h->d[1])->child.fp_in);
	harness_free(h);
}

static bool
a_has_no_sa(struct harness *h)
{
	return ikev2_sa_count(h->d[0]->sas) == 0;
}

static void
engine_liveness_check_answered_keeps_sa(void **state)
{
	struct harness *h = harness_new("\tdpddelay=1s\n", NULL);
	uint64_t rx_before;

	(void)state;
	initiate(h);
	pump(h);
	assert_true(h->r[0].res.ok);
	rx_before = h->d[1]->stats.rx_packets;
	run_for(h, 2600, NULL);
	/* at least two empty INFORMATIONAL requests reached b... */
	assert_true(h->d[1]->stats.rx_packets >= rx_before + 2);
	/* ...and were answered: nothing failed, nothing retransmitted */
	assert_int_equal(only_sa(h->d[0])->state, IKEV2_SA_ESTABLISHED);
	assert_int_equal(only_sa(h->d[1])->state, IKEV2_SA_ESTABLISHED);
	assert_int_equal(h->d[0]->stats.retransmits, 0);
	harness_free(h);
}

static void
engine_dead_peer_detected_and_kernel_state_removed(void **state)
{
	struct harness *h = harness_new("\tdpddelay=1s\n", NULL);
	size_t nsa, npol;

	(void)state;
	initiate(h);
	pump(h);
	assert_true(h->r[0].res.ok);
	h->drop_all = true;		/* b vanishes */
	run_for(h, 4000, a_has_no_sa);
	assert_int_equal(ikev2_sa_count(h->d[0]->sas), 0);
	kernel_none_count(h->d[0]->kernel, &nsa, &npol);
	assert_int_equal(nsa + npol, 0);
	harness_free(h);
}

static void
engine_stale_invalid_ke_answer_is_ignored(void **state)
{
	struct harness *h = harness_new("\tike=aes_gcm256-sha2_256-dh31+dh19\n",
	    "\tike=aes_gcm256-sha2_256-dh19\n");
	struct pkt init1, inv, init2, resp;
	struct ikev2_ike_sa *a;

	(void)state;
	h->drop_all = true;
	initiate(h);
	init1 = h->log[sent_by(h, 0, 0)];
	deliver(h, &init1, init1.buf, init1.len);
	inv = h->log[sent_by(h, 1, 0)];		/* INVALID_KE_PAYLOAD(19) */
	deliver(h, &inv, inv.buf, inv.len);
	a = only_sa(h->d[0]);
	assert_int_equal(a->alg.dh, IKEV2_DH_ECP256);
	init2 = h->log[sent_by(h, 0, 1)];	/* the retry with ECP256 */
	/* the first request's retransmission is answered late */
	deliver(h, &inv, inv.buf, inv.len);
	assert_true(a->req.active);		/* still waiting for init2 */
	assert_int_equal(a->state, IKEV2_SA_INIT_SENT);
	assert_int_equal(h->d[1]->stats.invalid_ke_sent, 1);
	deliver(h, &init2, init2.buf, init2.len);
	resp = h->log[sent_by(h, 1, 1)];
	h->drop_all = false;
	deliver(h, &resp, resp.buf, resp.len);
	pump(h);
	assert_int_equal(h->r[0].ndone, 1);
	assert_true(h->r[0].res.ok);
	harness_free(h);
}

static void
engine_nat_detected_moves_to_natt_port_with_udp_encap(void **state)
{
	struct harness *h = harness_new(NULL, NULL);
	const struct kernel_sa *ks;
	struct kernel_sa_id id;
	struct ikev2_ike_sa *a, *b;

	(void)state;
	h->nat_a = true;
	initiate(h);
	pump(h);
	assert_true(h->r[0].res.ok);
	a = only_sa(h->d[0]);
	b = only_sa(h->d[1]);
	assert_true(a->nat_local && !a->nat_remote);
	assert_true(b->nat_remote && !b->nat_local);
	assert_true(a->path.natt && a->path.lport == 4500 &&
	    a->path.rport == 4500);
	/* b answers where the NAT maps a's NAT-T port */
	assert_true(b->path.natt);
	assert_int_equal(b->path.rport, 4500 + NAT_PORT_SHIFT);
	memset(&id, 0, sizeof(id));
	assert_int_equal(kernel_addr_from_string(&id.dst, "127.0.0.1"), 0);
	id.spi = b->child.spi_out;
	ks = kernel_none_find_sa(h->d[1]->kernel, &id);
	assert_non_null(ks);
	assert_true(ks->encap.enabled);
	assert_int_equal(ks->encap.sport, 4500);
	assert_int_equal(ks->encap.dport, 4500 + NAT_PORT_SHIFT);
	assert_string_equal(a->child.fp_out, b->child.fp_in);
	/* and the DELETE travels the NAT-T path too */
	assert_int_equal(ikev2_info_send_delete(a), 0);
	pump(h);
	assert_int_equal(ikev2_sa_count(h->d[1]->sas), 0);
	harness_free(h);
}

static void
engine_no_nat_stays_on_ike_port(void **state)
{
	struct harness *h = harness_new(NULL, NULL);
	struct ikev2_ike_sa *a;

	(void)state;
	initiate(h);
	pump(h);
	assert_true(h->r[0].res.ok);
	a = only_sa(h->d[0]);
	assert_false(a->nat_local || a->nat_remote);
	assert_false(a->path.natt);
	assert_int_equal(a->path.rport, 500);
	harness_free(h);
}

static void
engine_child_sa_rekey_replaces_spis_and_deletes_old(void **state)
{
	/* soft lifetime = 60 s - 59 s: the initiator rekeys after 1 s */
	struct harness *h = harness_new(
	    "\tsalifetime=60s\n\trekeymargin=59s\n",
	    "\tsalifetime=60s\n\trekeymargin=59s\n");
	struct ikev2_ike_sa *a, *b;
	uint32_t old_in, old_out;
	size_t nsa, npol;

	(void)state;
	initiate(h);
	pump(h);
	assert_true(h->r[0].res.ok);
	a = only_sa(h->d[0]);
	old_in = a->child.spi_in;
	old_out = a->child.spi_out;
	run_for(h, 2500, rekey_done);
	assert_true(rekey_done(h));
	a = only_sa(h->d[0]);
	b = only_sa(h->d[1]);
	assert_int_equal(a->state, IKEV2_SA_ESTABLISHED);
	assert_int_equal(b->rekeys, a->rekeys);
	assert_true(a->child.spi_in != old_in && a->child.spi_out != old_out);
	assert_int_equal(a->child.spi_out, b->child.spi_in);
	assert_int_equal(a->child.spi_in, b->child.spi_out);
	assert_string_equal(a->child.fp_out, b->child.fp_in);
	assert_false(b->old_child.present);
	assert_true(kernel_has_sa(h->d[0], "127.0.0.2", a->child.spi_out));
	assert_true(kernel_has_sa(h->d[1], "127.0.0.2", b->child.spi_in));
	assert_false(kernel_has_sa(h->d[0], "127.0.0.1", old_in));
	/* exactly the new pair and the two policies remain on each side */
	kernel_none_count(h->d[0]->kernel, &nsa, &npol);
	assert_int_equal(nsa, 2);
	assert_int_equal(npol, 2);
	kernel_none_count(h->d[1]->kernel, &nsa, &npol);
	assert_int_equal(nsa, 2);
	assert_int_equal(npol, 2);
	harness_free(h);
}

/* Rekey after 1 s with the given extra conn lines; returns the harness. */
static struct harness *
rekey_harness(const char *extra_a, const char *extra_b)
{
	char ea[256], eb[256];

	snprintf(ea, sizeof(ea), "\tsalifetime=60s\n\trekeymargin=59s\n%s",
	    extra_a);
	snprintf(eb, sizeof(eb), "\tsalifetime=60s\n\trekeymargin=59s\n%s",
	    extra_b);
	return harness_new(ea, eb);
}

static void
engine_rekey_uses_pfs_with_the_ike_group_by_default(void **state)
{
	struct harness *h = rekey_harness("", "");
	struct ikev2_ike_sa *a, *b;

	(void)state;
	initiate(h);
	pump(h);
	assert_true(h->r[0].res.ok);
	assert_int_equal(only_sa(h->d[0])->child.alg.dh, 0);	/* IKE_AUTH */
	run_for(h, 2500, rekey_done);
	assert_true(rekey_done(h));
	a = only_sa(h->d[0]);
	b = only_sa(h->d[1]);
	assert_int_equal(a->child.alg.dh, a->alg.dh);
	assert_int_equal(b->child.alg.dh, a->alg.dh);
	assert_string_equal(a->child.fp_out, b->child.fp_in);
	assert_string_equal(a->child.fp_in, b->child.fp_out);
	harness_free(h);
}

static void
engine_rekey_without_pfs_when_both_say_pfs_no(void **state)
{
	struct harness *h = rekey_harness("\tpfs=no\n", "\tpfs=no\n");
	struct ikev2_ike_sa *a, *b;

	(void)state;
	initiate(h);
	pump(h);
	run_for(h, 2500, rekey_done);
	assert_true(rekey_done(h));
	a = only_sa(h->d[0]);
	b = only_sa(h->d[1]);
	assert_int_equal(a->child.alg.dh, 0);
	assert_string_equal(a->child.fp_out, b->child.fp_in);
	harness_free(h);
}

static void
engine_rekey_refused_without_pfs_keeps_old_child(void **state)
{
	/* b insists on PFS, a offers none: b refuses, the old pair stays */
	struct harness *h = rekey_harness("\tpfs=no\n", "");
	struct ikev2_ike_sa *a;
	uint32_t spi;
	size_t nsa, npol;

	(void)state;
	initiate(h);
	pump(h);
	assert_true(h->r[0].res.ok);
	a = only_sa(h->d[0]);
	spi = a->child.spi_out;
	run_for(h, 1600, NULL);
	a = only_sa(h->d[0]);
	assert_int_equal(a->rekeys, 0);
	/* one refused attempt, then a pause: INIT, AUTH, one CREATE_CHILD_SA */
	assert_int_equal(h->d[1]->stats.rx_packets, 3);
	assert_int_equal(a->child.spi_out, spi);
	assert_int_equal(a->state, IKEV2_SA_ESTABLISHED);
	assert_true(kernel_has_sa(h->d[0], "127.0.0.2", spi));
	/* the larval SPI of the refused attempt is gone again */
	kernel_none_count(h->d[0]->kernel, &nsa, &npol);
	assert_int_equal(nsa, 2);
	harness_free(h);
}

static void
engine_rekey_follows_invalid_ke_to_the_responders_group(void **state)
{
	struct harness *h = rekey_harness("\tesp=aes_gcm256;dh31+dh19\n",
	    "\tesp=aes_gcm256;dh19\n");
	struct ikev2_ike_sa *a, *b;

	(void)state;
	initiate(h);
	pump(h);
	assert_true(h->r[0].res.ok);
	run_for(h, 2500, rekey_done);
	assert_true(rekey_done(h));
	a = only_sa(h->d[0]);
	b = only_sa(h->d[1]);
	assert_int_equal(a->child.alg.dh, IKEV2_DH_ECP256);
	assert_int_equal(b->child.alg.dh, IKEV2_DH_ECP256);
	assert_string_equal(a->child.fp_out, b->child.fp_in);
	harness_free(h);
}

static void
engine_ike_sa_rekey_moves_child_to_new_spis(void **state)
{
	/* IKE soft lifetime = 60 s - 59 s: the initiator rekeys after 1 s */
	struct harness *h = harness_new(
	    "\tikelifetime=60s\n\trekeymargin=59s\n\tsalifetime=3600s\n",
	    "\tikelifetime=60s\n\trekeymargin=59s\n\tsalifetime=3600s\n");
	struct ikev2_ike_sa *a, *b;
	uint64_t ispi, rspi;
	uint32_t cin, cout;
	size_t nsa, npol;
	int i;

	(void)state;
	initiate(h);
	pump(h);
	assert_true(h->r[0].res.ok);
	a = only_sa(h->d[0]);
	ispi = a->ispi;
	rspi = a->rspi;
	cin = a->child.spi_in;
	cout = a->child.spi_out;
	for (i = 0; i < 50; i++) {
		(void)sd_event_run(h->ev, 50000);
		pump(h);
		if (ikev2_sa_count(h->d[0]->sas) == 1 &&
		    ikev2_sa_first(h->d[0]->sas)->ispi != ispi &&
		    ikev2_sa_count(h->d[1]->sas) == 1 && h->nq == 0 &&
		    !ikev2_sa_first(h->d[0]->sas)->req.active)
			break;
	}
	a = only_sa(h->d[0]);
	b = only_sa(h->d[1]);
	assert_true(a->ispi != ispi && a->rspi != rspi);
	assert_true(a->ispi == b->ispi && a->rspi == b->rspi);
	assert_int_equal(a->state, IKEV2_SA_ESTABLISHED);
	assert_int_equal(b->state, IKEV2_SA_ESTABLISHED);
	assert_true(a->initiator && !b->initiator);
	/* the Child SA moved over untouched */
	assert_int_equal(a->child.spi_in, cin);
	assert_int_equal(a->child.spi_out, cout);
	assert_int_equal(b->child.spi_in, cout);
	assert_true(kernel_has_sa(h->d[0], "127.0.0.2", cout));
	kernel_none_count(h->d[1]->kernel, &nsa, &npol);
	assert_int_equal(nsa, 2);
	assert_int_equal(npol, 2);
	/* and the new IKE SA works: delete it from b's side */
	assert_int_equal(ikev2_info_send_delete(b), 0);
	pump(h);
	assert_int_equal(ikev2_sa_count(h->d[0]->sas), 0);
	assert_int_equal(ikev2_sa_count(h->d[1]->sas), 0);
	harness_free(h);
}

/* Traffic on a's inbound Child SA, as the kernel would count it. */
static void
traffic_a(struct harness *h)
{
	struct kernel_sa_id id;
	struct ikev2_ike_sa *a = ikev2_sa_first(h->d[0]->sas);

	if (a == NULL)
		return;
	memset(&id, 0, sizeof(id));
	assert_int_equal(kernel_addr_from_string(&id.dst, "127.0.0.1"), 0);
	id.spi = a->child.spi_in;
	assert_int_equal(kernel_none_account(h->d[0]->kernel, &id, 100, 1,
	    (uint64_t)time(NULL)), 0);
}

static void
engine_idle_child_sa_is_deleted_busy_one_kept(void **state)
{
	struct harness *h = harness_new("\tidletimeout=2s\n", NULL);
	int i;

	(void)state;
	initiate(h);
	pump(h);
	assert_true(h->r[0].res.ok);
	/* busy: traffic every 0.3 s for 3.5 s keeps it */
	for (i = 0; i < 12; i++) {
		traffic_a(h);
		run_for(h, 300, NULL);
	}
	assert_int_equal(ikev2_sa_count(h->d[0]->sas), 1);
	assert_int_equal(only_sa(h->d[0])->state, IKEV2_SA_ESTABLISHED);
	/* then silence: gone within idletimeout (+1 s of clock granularity) */
	run_for(h, 4500, a_has_no_sa);
	assert_int_equal(ikev2_sa_count(h->d[0]->sas), 0);
	assert_int_equal(ikev2_sa_count(h->d[1]->sas), 0);
	harness_free(h);
}

/*
 * XFRM sets an SA's use_time at its first packet only: traffic that
 * goes on only moves the counters.  Outbound packets, use_time pinned
 * at the first one, for twice the idletimeout: kept; then silence: gone.
 */
static void
engine_idle_follows_counters_not_use_time(void **state)
{
	struct harness *h = harness_new("\tidletimeout=2s\n", NULL);
	struct kernel_sa_id id;
	uint64_t first = (uint64_t)time(NULL);
	int i;

	(void)state;
	initiate(h);
	pump(h);
	assert_true(h->r[0].res.ok);
	memset(&id, 0, sizeof(id));
	assert_int_equal(kernel_addr_from_string(&id.dst, "127.0.0.2"), 0);
	id.spi = only_sa(h->d[0])->child.spi_out;
	for (i = 0; i < 14; i++) {
		assert_int_equal(kernel_none_account(h->d[0]->kernel, &id, 100,
		    1, first), 0);
		run_for(h, 300, NULL);
	}
	assert_int_equal(ikev2_sa_count(h->d[0]->sas), 1);
	assert_int_equal(only_sa(h->d[0])->state, IKEV2_SA_ESTABLISHED);
	run_for(h, 4500, a_has_no_sa);
	assert_int_equal(ikev2_sa_count(h->d[0]->sas), 0);
	assert_int_equal(ikev2_sa_count(h->d[1]->sas), 0);
	harness_free(h);
}

static void
engine_kernel_expire_soft_rekeys_hard_deletes(void **state)
{
	struct harness *h = harness_new(NULL, NULL);
	struct kernel_sa_id id;
	struct ikev2_ike_sa *a;
	uint32_t old;

	(void)state;
	initiate(h);
	pump(h);
	assert_true(h->r[0].res.ok);
	a = only_sa(h->d[0]);
	old = a->child.spi_in;
	memset(&id, 0, sizeof(id));
	assert_int_equal(kernel_addr_from_string(&id.dst, "127.0.0.1"), 0);
	id.spi = old;
	/* soft: the initiator rekeys at once */
	assert_int_equal(kernel_none_inject_expire(h->d[0]->kernel, &id, false),
	    0);
	(void)kernel_process(h->d[0]->kernel);
	pump(h);
	a = only_sa(h->d[0]);
	assert_int_equal(a->rekeys, 1);
	assert_true(a->child.spi_in != old);
	/* hard on the new one: the IKE SA goes, on both sides */
	id.spi = a->child.spi_in;
	assert_int_equal(kernel_none_inject_expire(h->d[0]->kernel, &id, true),
	    0);
	(void)kernel_process(h->d[0]->kernel);
	pump(h);
	assert_int_equal(ikev2_sa_count(h->d[0]->sas), 0);
	assert_int_equal(ikev2_sa_count(h->d[1]->sas), 0);
	harness_free(h);
}

/* a's on-demand OE conn `private` (b answers with its conn peer). */
#define OE_CONN_A \
	"\nconn private\n\tleft=127.0.0.1\n\tright=%opportunisticgroup\n" \
	"\tleftid=%null\n\trightid=%null\n\tauthby=null\n\ttype=transport\n" \
	"\tauto=ondemand\n\tnegotiationshunt=hold\n\tfailureshunt=drop\n" \
	"\tretransmit-interval=50\n\tretransmit-timeout=1s\n"

/* a's group file `private` gets `line`; a reloads and installs the trap. */
static void
oe_group_a(struct harness *h, const char *line)
{
	char p[160], text[160];

	snprintf(p, sizeof(p), "%s/private", h->pol[0]);
	snprintf(text, sizeof(text), "%s\n", line);
	harness_write_file(p, text);
	assert_int_equal(iked_reload(h->d[0]), 0);
}

/* The flow a -> b (udp from sport to dport; proto 0: none given). */
static void
flow_ab(struct kernel_selector *s, uint8_t proto, uint16_t sport,
    uint16_t dport)
{
	memset(s, 0, sizeof(*s));
	s->family = AF_INET;
	assert_int_equal(kernel_addr_from_string(&s->src, "127.0.0.1"), 0);
	assert_int_equal(kernel_addr_from_string(&s->dst, "127.0.0.2"), 0);
	s->src_plen = s->dst_plen = 32;
	s->proto = proto;
	s->sport = sport;
	s->dport = dport;
}

static bool
a_established(struct harness *h)
{
	struct ikev2_ike_sa *a = ikev2_sa_first(h->d[0]->sas);

	return a != NULL && a->state == IKEV2_SA_ESTABLISHED &&
	    a->child.installed && h->nq == 0;
}

/*
 * A kernel hard expire of an OE instance's Child SA: DELETE to the
 * peer, both sides' state gone, the host policies gone, and the trap
 * governs the flow again: its next ACQUIRE negotiates a new SA.
 */
static void
engine_hard_expire_of_oe_instance_brings_the_trap_back(void **state)
{
	struct harness *h = harness_new(OE_CONN_A, NULL);
	struct kernel_selector flow, host;
	struct kernel_acquire acq;
	const struct kernel_policy *trap;
	struct kernel_sa_id id;
	uint32_t old_out;

	(void)state;
	oe_group_a(h, "127.0.0.2/32");
	flow_ab(&flow, 17, 40000, 5000);
	assert_int_equal(kernel_none_packet_out(h->d[0]->kernel, &flow),
	    KERNEL_POLICY_TRAP);
	run_for(h, 3000, a_established);
	assert_true(a_established(h));
	old_out = only_sa(h->d[0])->child.spi_out;
	assert_int_equal(kernel_none_packet_out(h->d[0]->kernel, &flow),
	    KERNEL_POLICY_IPSEC);
	/* the kernel ends the outbound SA (and removes it, as XFRM does) */
	memset(&id, 0, sizeof(id));
	assert_int_equal(kernel_addr_from_string(&id.dst, "127.0.0.2"), 0);
	id.spi = old_out;
	assert_int_equal(kernel_none_inject_expire(h->d[0]->kernel, &id, true),
	    0);
	run_for(h, 1000, a_has_no_sa);
	assert_int_equal(ikev2_sa_count(h->d[0]->sas), 0);
	assert_int_equal(ikev2_sa_count(h->d[1]->sas), 0);
	flow_ab(&host, 0, 0, 0);
	assert_null(kernel_none_find_policy(h->d[0]->kernel, &host,
	    KERNEL_DIR_OUT, NULL));
	assert_null(kernel_none_find_policy(h->d[1]->kernel, &host,
	    KERNEL_DIR_IN, NULL));
	assert_int_equal(kernel_none_packet_out(h->d[0]->kernel, &flow),
	    KERNEL_POLICY_TRAP);
	/*
	 * The none backend sends one ACQUIRE per trap; XFRM sends the
	 * next one once the larval state is gone: as it would.
	 */
	memset(&host, 0, sizeof(host));
	host.family = AF_INET;
	assert_int_equal(kernel_addr_from_string(&host.dst, "127.0.0.2"), 0);
	host.src.family = AF_INET;
	host.dst_plen = 32;
	trap = kernel_none_find_policy(h->d[0]->kernel, &host, KERNEL_DIR_OUT,
	    NULL);
	assert_non_null(trap);
	memset(&acq, 0, sizeof(acq));
	acq.sel = flow;
	acq.src = flow.src;
	acq.dst = flow.dst;
	acq.reqid = trap->reqid;
	acq.policy_index = trap->index;
	acq.dir = KERNEL_DIR_OUT;
	acquire_handle(h->d[0], &acq);
	run_for(h, 3000, a_established);
	assert_true(a_established(h));
	assert_true(only_sa(h->d[0])->child.spi_out != old_out);
	assert_int_equal(kernel_none_packet_out(h->d[0]->kernel, &flow),
	    KERNEL_POLICY_IPSEC);
	harness_free(h);
}

/*
 * A port-specific group entry (udp to port 5000): the instance from
 * its ACQUIRE negotiates that flow only, and both sides' kernel
 * policies carry it; other flows to the peer stay outside the tunnel.
 */
static void
engine_port_specific_entry_gives_a_port_specific_instance(void **state)
{
	struct harness *h = harness_new(OE_CONN_A, NULL);
	struct kernel_selector flow, other, sel;
	const struct kernel_policy *kp;
	struct ikev2_ike_sa *a, *b;

	(void)state;
	oe_group_a(h, "127.0.0.2/32 udp 0 5000");
	flow_ab(&flow, 17, 40000, 5000);
	flow_ab(&other, 17, 40000, 6000);
	assert_int_equal(kernel_none_packet_out(h->d[0]->kernel, &other), 0);
	assert_int_equal(kernel_none_packet_out(h->d[0]->kernel, &flow),
	    KERNEL_POLICY_TRAP);
	run_for(h, 3000, a_established);
	assert_true(a_established(h));
	a = only_sa(h->d[0]);
	b = only_sa(h->d[1]);
	/* traffic selectors: udp, any port of ours, port 5000 of the peer */
	assert_int_equal(a->child.ts_local.ip_proto, 17);
	assert_int_equal(a->child.ts_remote.ip_proto, 17);
	assert_int_equal(a->child.ts_local.start_port, 0);
	assert_int_equal(a->child.ts_local.end_port, 65535);
	assert_int_equal(a->child.ts_remote.start_port, 5000);
	assert_int_equal(a->child.ts_remote.end_port, 5000);
	assert_memory_equal(&b->child.ts_local, &a->child.ts_remote,
	    sizeof(b->child.ts_local));
	assert_memory_equal(&b->child.ts_remote, &a->child.ts_local,
	    sizeof(b->child.ts_remote));
	/* a's kernel policies: out to udp/5000, in from udp/5000 */
	flow_ab(&sel, 17, 0, 5000);
	kp = kernel_none_find_policy(h->d[0]->kernel, &sel, KERNEL_DIR_OUT,
	    NULL);
	assert_non_null(kp);
	assert_int_equal(kp->action, KERNEL_POLICY_IPSEC);
	assert_int_equal(kp->reqid, a->child.reqid);
	flow_ab(&sel, 0, 0, 0);
	assert_null(kernel_none_find_policy(h->d[0]->kernel, &sel,
	    KERNEL_DIR_OUT, NULL));
	memset(&sel, 0, sizeof(sel));
	sel.family = AF_INET;
	assert_int_equal(kernel_addr_from_string(&sel.src, "127.0.0.2"), 0);
	assert_int_equal(kernel_addr_from_string(&sel.dst, "127.0.0.1"), 0);
	sel.src_plen = sel.dst_plen = 32;
	sel.proto = 17;
	sel.sport = 5000;
	assert_non_null(kernel_none_find_policy(h->d[0]->kernel, &sel,
	    KERNEL_DIR_IN, NULL));
	/* b's: out from its port 5000 to a, in to its port 5000 */
	assert_non_null(kernel_none_find_policy(h->d[1]->kernel, &sel,
	    KERNEL_DIR_OUT, NULL));
	flow_ab(&sel, 17, 0, 5000);
	assert_non_null(kernel_none_find_policy(h->d[1]->kernel, &sel,
	    KERNEL_DIR_IN, NULL));
	/* the flow goes over the SA; another port of the peer does not */
	assert_int_equal(kernel_none_packet_out(h->d[0]->kernel, &flow),
	    KERNEL_POLICY_IPSEC);
	assert_int_equal(kernel_none_packet_out(h->d[0]->kernel, &other), 0);
	flow_ab(&other, 6, 40000, 5000);
	assert_int_equal(kernel_none_packet_out(h->d[0]->kernel, &other), 0);
	harness_free(h);
}

/*
 * Reqid bands (policy.h): an ACQUIRE whose reqid is in the trap band
 * but names no installed trap (a reload renumbered the conns) is
 * governed by the rule that covers the flow; one with a Child SA band
 * reqid that no SA holds is the engine's and ignored.
 */
static void
engine_acquire_reqid_band_decides_lookup_or_ignore(void **state)
{
	struct harness *h = harness_new(OE_CONN_A, NULL);
	const struct kernel_config *k;
	struct kernel_selector flow;
	struct kernel_acquire acq;

	(void)state;
	oe_group_a(h, "127.0.0.2/32");
	k = &h->d[0]->kernel->cfg;
	flow_ab(&flow, 17, 40000, 5000);
	memset(&acq, 0, sizeof(acq));
	acq.sel = flow;
	acq.src = flow.src;
	acq.dst = flow.dst;
	acq.dir = KERNEL_DIR_OUT;
	acq.reqid = k->reqid_min + 7;
	acquire_handle(h->d[0], &acq);
	run_for(h, 300, NULL);
	assert_int_equal(ikev2_sa_count(h->d[0]->sas), 0);
	assert_int_equal(shunt_count(h->d[0]->shunts), 0);
	acq.reqid = policy_trap_reqid(k, CONF_CONNS_MAX - 1);
	assert_true(policy_reqid_is_trap(k, acq.reqid));
	assert_null(policy_engine_find_trap(h->d[0]->policy, acq.reqid));
	acquire_handle(h->d[0], &acq);
	run_for(h, 3000, a_established);
	assert_true(a_established(h));
	assert_string_equal(only_sa(h->d[0])->conn, "private");
	harness_free(h);
}

static bool
a_failure_shunt(struct harness *h)
{
	return shunt_count(h->d[0]->shunts) == 1 &&
	    shunt_at(h->d[0]->shunts, 0)->kind == SHUNT_FAILURE;
}

/*
 * The shunts of a port-specific entry hold or drop its flow only: while
 * IKE runs and after it failed, other flows to the peer are untouched.
 */
static void
engine_port_specific_shunts_cover_only_the_flow(void **state)
{
	struct harness *h = harness_new(OE_CONN_A, NULL);
	struct kernel_selector flow, other, tcp;
	const struct shunt *s;

	(void)state;
	oe_group_a(h, "127.0.0.2/32 udp 0 5000");
	h->drop_all = true;	/* b never answers */
	flow_ab(&flow, 17, 40000, 5000);
	flow_ab(&other, 17, 40000, 6000);
	flow_ab(&tcp, 6, 40000, 5000);
	assert_int_equal(kernel_none_packet_out(h->d[0]->kernel, &flow),
	    KERNEL_POLICY_TRAP);
	run_for(h, 200, NULL);
	assert_int_equal(shunt_count(h->d[0]->shunts), 1);
	s = shunt_at(h->d[0]->shunts, 0);
	assert_int_equal(s->kind, SHUNT_NEGOTIATION);
	assert_int_equal(s->flow.proto, 17);
	assert_int_equal(s->flow.dport, 5000);
	assert_int_equal(kernel_none_packet_out(h->d[0]->kernel, &flow),
	    KERNEL_POLICY_DROP);
	assert_int_equal(kernel_none_packet_out(h->d[0]->kernel, &other), 0);
	assert_int_equal(kernel_none_packet_out(h->d[0]->kernel, &tcp), 0);
	run_for(h, 3000, a_failure_shunt);
	assert_true(a_failure_shunt(h));
	assert_int_equal(ikev2_sa_count(h->d[0]->sas), 0);
	assert_int_equal(kernel_none_packet_out(h->d[0]->kernel, &flow),
	    KERNEL_POLICY_DROP);
	assert_int_equal(kernel_none_packet_out(h->d[0]->kernel, &other), 0);
	assert_int_equal(kernel_none_packet_out(h->d[0]->kernel, &tcp), 0);
	harness_free(h);
}

/* Datagrams `from` sent whose IKE header announces an SKF payload first. */
static int
skf_sent(struct harness *h, int from, uint8_t exchange)
{
	size_t i;
	int n = 0;

	for (i = 0; i < h->nlog; i++)
		if (h->log[i].from == from && h->log[i].len > 28 &&
		    h->log[i].buf[18] == exchange &&
		    (h->log[i].buf[16] == IKEV2_PL_SKF))
			n++;
	return n;
}

static void
engine_large_messages_are_fragmented_and_reassembled(void **state)
{
	struct harness *h = harness_new(NULL, NULL);
	struct ikev2_ike_sa *a, *b;
	size_t first, dup;
	int nfrag;

	(void)state;
	/* fragment anything above 150 bytes: IKE_AUTH both ways */
	h->d[0]->frag_mtu = 150;
	h->d[1]->frag_mtu = 150;
	initiate(h);
	pump(h);
	assert_true(h->r[0].res.ok);
	a = only_sa(h->d[0]);
	b = only_sa(h->d[1]);
	assert_true(a->peer_frag && b->peer_frag);
	nfrag = skf_sent(h, 0, IKEV2_EXCH_IKE_AUTH);
	assert_true(nfrag >= 2);
	assert_true(skf_sent(h, 1, IKEV2_EXCH_IKE_AUTH) >= 2);
	assert_string_equal(a->child.fp_out, b->child.fp_in);
	/*
	 * The initiator retransmits all its fragments: the responder
	 * replays its answer once (on fragment 1), not once per fragment.
	 */
	first = sent_by(h, 0, 1);		/* fragment 1 of IKE_AUTH */
	dup = h->nlog;
	h->drop_all = true;
	for (int i = 0; i < nfrag; i++)
		deliver(h, &h->log[first + (size_t)i], h->log[first + (size_t)i].buf,
		    h->log[first + (size_t)i].len);
	assert_int_equal(skf_sent(h, 1, IKEV2_EXCH_IKE_AUTH),
	    2 * (int)b->resp.nfrags);
	assert_true(h->nlog > dup);
	harness_free(h);
}

static void
engine_ipv6_handshake_and_child_sa(void **state)
{
	/* no sockets here: documentation addresses stay in the process */
	struct harness *h = harness_new_addrs("2001:db8::1", "2001:db8::2",
	    NULL, NULL);
	struct ikev2_ike_sa *a, *b;

	(void)state;
	initiate(h);
	pump(h);
	assert_true(h->r[0].res.ok);
	a = only_sa(h->d[0]);
	b = only_sa(h->d[1]);
	assert_int_equal(a->path.remote.family, AF_INET6);
	assert_false(a->nat_local || a->nat_remote);
	assert_int_equal(a->child.ts_local.type, IKEV2_TS_IPV6_ADDR_RANGE);
	assert_int_equal(b->child.ts_remote.type, IKEV2_TS_IPV6_ADDR_RANGE);
	assert_true(kernel_has_sa(h->d[0], "2001:db8::2", a->child.spi_out));
	assert_true(kernel_has_sa(h->d[1], "2001:db8::2", b->child.spi_in));
	assert_string_equal(a->child.fp_out, b->child.fp_in);
	harness_free(h);
}

static void
engine_tunnel_with_subnets_installs_subnet_selectors(void **state)
{
	struct harness *h = harness_new(
	    "\ttype=tunnel\n\tleftsubnet=10.1.0.0/16\n\trightsubnet=10.2.0.0/16\n",
	    "\ttype=tunnel\n\tleftsubnet=10.2.0.0/24\n\trightsubnet=10.1.0.0/16\n");
	struct kernel_selector sel;
	const struct kernel_policy *pol;
	struct ikev2_ike_sa *a, *b;

	(void)state;
	initiate(h);
	pump(h);
	assert_true(h->r[0].res.ok);
	a = only_sa(h->d[0]);
	b = only_sa(h->d[1]);
	assert_false(a->child.transport);
	/* b narrowed a's 10.2.0.0/16 to its own 10.2.0.0/24 */
	memset(&sel, 0, sizeof(sel));
	sel.family = AF_INET;
	assert_int_equal(kernel_addr_from_string(&sel.src, "10.1.0.0"), 0);
	assert_int_equal(kernel_addr_from_string(&sel.dst, "10.2.0.0"), 0);
	sel.src_plen = 16;
	sel.dst_plen = 24;
	pol = kernel_none_find_policy(h->d[0]->kernel, &sel, KERNEL_DIR_OUT,
	    NULL);
	assert_non_null(pol);
	assert_int_equal(pol->mode, KERNEL_MODE_TUNNEL);
	assert_int_equal(pol->reqid, a->child.reqid);
	/* b's inbound policy is the mirror image */
	assert_non_null(kernel_none_find_policy(h->d[1]->kernel, &sel,
	    KERNEL_DIR_IN, NULL));
	assert_string_equal(a->child.fp_out, b->child.fp_in);
	harness_free(h);
}

static void
engine_disjoint_subnets_refuse_the_child_sa(void **state)
{
	struct harness *h = harness_new(
	    "\ttype=tunnel\n\tleftsubnet=10.1.0.0/16\n\trightsubnet=10.2.0.0/16\n",
	    "\ttype=tunnel\n\tleftsubnet=10.9.0.0/16\n\trightsubnet=10.1.0.0/16\n");
	size_t nsa, npol;

	(void)state;
	initiate(h);
	pump(h);
	assert_int_equal(h->r[0].ndone, 1);
	assert_false(h->r[0].res.ok);
	kernel_none_count(h->d[1]->kernel, &nsa, &npol);
	assert_int_equal(nsa + npol, 0);
	harness_free(h);
}

static void
engine_initial_contact_after_restart_replaces_stale_sa(void **state)
{
	struct harness *h = harness_new(NULL, NULL);
	struct ikev2_ike_sa *a, *b;
	uint32_t stale_in;
	size_t nsa, npol;

	(void)state;
	initiate(h);
	pump(h);
	assert_true(h->r[0].res.ok);
	stale_in = only_sa(h->d[1])->child.spi_in;
	/* a "crashes": its state vanishes without a word to b */
	a = only_sa(h->d[0]);
	ikev2_child_remove(a);
	ikev2_sa_destroy(a, "test: crash");
	h->r[0].ndone = 0;
	initiate(h);
	pump(h);
	assert_true(h->r[0].res.ok);
	/* b dropped the stale SA on INITIAL_CONTACT, kept the policies */
	b = only_sa(h->d[1]);
	assert_true(b->child.spi_in != stale_in);
	assert_false(kernel_has_sa(h->d[1], "127.0.0.2", stale_in));
	kernel_none_count(h->d[1]->kernel, &nsa, &npol);
	assert_int_equal(nsa, 2);
	assert_int_equal(npol, 2);
	harness_free(h);
}

static void
engine_duplicate_sa_deletion_keeps_shared_policies(void **state)
{
	struct harness *h = harness_new(NULL, NULL);
	struct ikev2_ike_sa *first, *second, *sa;
	struct kernel_selector sel;
	const struct kernel_policy *pol;
	size_t nsa, npol;

	(void)state;
	initiate(h);
	pump(h);
	initiate(h);		/* a second, duplicate SA (no INITIAL_CONTACT) */
	pump(h);
	assert_int_equal(ikev2_sa_count(h->d[0]->sas), 2);
	/* the table lists the newest first */
	second = ikev2_sa_first(h->d[0]->sas);
	first = ikev2_sa_next(second);
	assert_true(first->child.reqid != second->child.reqid);
	assert_int_equal(ikev2_info_send_delete(second), 0);
	pump(h);
	/* the first SA still has its policies, now with its own reqid */
	sa = only_sa(h->d[0]);
	assert_ptr_equal(sa, first);
	memset(&sel, 0, sizeof(sel));
	sel.family = AF_INET;
	assert_int_equal(kernel_addr_from_string(&sel.src, "127.0.0.1"), 0);
	assert_int_equal(kernel_addr_from_string(&sel.dst, "127.0.0.2"), 0);
	sel.src_plen = sel.dst_plen = 32;
	pol = kernel_none_find_policy(h->d[0]->kernel, &sel, KERNEL_DIR_OUT,
	    NULL);
	assert_non_null(pol);
	assert_int_equal(pol->reqid, first->child.reqid);
	kernel_none_count(h->d[0]->kernel, &nsa, &npol);
	assert_int_equal(nsa, 2);
	assert_int_equal(npol, 2);
	harness_free(h);
}

/* Deterministic xorshift: the same mutations on every run. */
static uint32_t
rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* Hand b `iters` copies of p, each with 1..4 bytes changed or cut short. */
static void
mutate_and_deliver(struct harness *h, const struct pkt *p, int iters,
    uint32_t *seed)
{
	uint8_t *m = malloc(p->len);
	int i, k, nmut;
	size_t len;

	assert_non_null(m);
	for (i = 0; i < iters; i++) {
		memcpy(m, p->buf, p->len);
		len = p->len;
		nmut = 1 + (int)(rnd(seed) % 4);
		for (k = 0; k < nmut; k++)
			m[rnd(seed) % len] = (uint8_t)rnd(seed);
		if (rnd(seed) % 8 == 0)
			len = 1 + rnd(seed) % len;	/* truncated */
		if (len == p->len && memcmp(m, p->buf, len) == 0)
			continue;	/* a byte changed to itself: no mutation */
		deliver(h, p, m, len);
		h->nq = 0;	/* b's answers are not needed */
	}
	free(m);
}

static void
engine_mutated_messages_never_crash_or_leak_state(void **state)
{
	struct harness *h = harness_new(NULL, NULL);
	struct pkt init, auth;
	struct ikev2_ike_sa *sa;
	uint32_t seed = 0x6f65u;
	int established = 0;

	(void)state;
	h->drop_all = true;
	initiate(h);
	init = h->log[sent_by(h, 0, 0)];
	deliver(h, &init, init.buf, init.len);
	deliver(h, &h->log[sent_by(h, 1, 0)], h->log[sent_by(h, 1, 0)].buf,
	    h->log[sent_by(h, 1, 0)].len);
	auth = h->log[sent_by(h, 0, 1)];
	/* plaintext IKE_SA_INIT: every parser path of the codec */
	mutate_and_deliver(h, &init, 3000, &seed);
	/* SK-protected IKE_AUTH: header, envelope and integrity paths */
	mutate_and_deliver(h, &auth, 3000, &seed);
	/* at most one half-open SA per mutated request that still parsed */
	assert_true(ikev2_sa_count(h->d[1]->sas) <= 3001);
	assert_int_equal(ikev2_sa_halfopen(h->d[1]->sas),
	    ikev2_sa_count(h->d[1]->sas));
	/* the real IKE_AUTH still completes the original SA, and only it */
	deliver(h, &auth, auth.buf, auth.len);
	for (sa = ikev2_sa_first(h->d[1]->sas); sa != NULL;
	    sa = ikev2_sa_next(sa))
		if (sa->state == IKEV2_SA_ESTABLISHED)
			established++;
	assert_int_equal(established, 1);
	harness_free(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(engine_null_auth_handshake_installs_matching_child_sas),
		cmocka_unit_test(engine_retransmitted_init_request_gets_cached_response),
		cmocka_unit_test(engine_duplicate_auth_request_is_replayed_not_reprocessed),
		cmocka_unit_test(engine_garbage_datagrams_are_dropped_without_state),
		cmocka_unit_test(engine_tampered_auth_request_is_dropped),
		cmocka_unit_test(engine_unanswered_request_fails_after_deadline),
		cmocka_unit_test(engine_delete_removes_both_sides_and_kernel_state),
		cmocka_unit_test(engine_no_common_proposal_fails_initiation),
		cmocka_unit_test(engine_cbc_hmac_and_ecp256_negotiate),
		cmocka_unit_test(engine_liveness_check_answered_keeps_sa),
		cmocka_unit_test(engine_dead_peer_detected_and_kernel_state_removed),
		cmocka_unit_test(engine_child_sa_rekey_replaces_spis_and_deletes_old),
		cmocka_unit_test(engine_stale_invalid_ke_answer_is_ignored),
		cmocka_unit_test(engine_nat_detected_moves_to_natt_port_with_udp_encap),
		cmocka_unit_test(engine_no_nat_stays_on_ike_port),
		cmocka_unit_test(engine_rekey_uses_pfs_with_the_ike_group_by_default),
		cmocka_unit_test(engine_rekey_without_pfs_when_both_say_pfs_no),
		cmocka_unit_test(engine_rekey_refused_without_pfs_keeps_old_child),
		cmocka_unit_test(engine_rekey_follows_invalid_ke_to_the_responders_group),
		cmocka_unit_test(engine_ike_sa_rekey_moves_child_to_new_spis),
		cmocka_unit_test(engine_idle_child_sa_is_deleted_busy_one_kept),
		cmocka_unit_test(engine_idle_follows_counters_not_use_time),
		cmocka_unit_test(engine_kernel_expire_soft_rekeys_hard_deletes),
		cmocka_unit_test(engine_hard_expire_of_oe_instance_brings_the_trap_back),
		cmocka_unit_test(engine_port_specific_entry_gives_a_port_specific_instance),
		cmocka_unit_test(engine_port_specific_shunts_cover_only_the_flow),
		cmocka_unit_test(engine_acquire_reqid_band_decides_lookup_or_ignore),
		cmocka_unit_test(engine_large_messages_are_fragmented_and_reassembled),
		cmocka_unit_test(engine_mutated_messages_never_crash_or_leak_state),
		cmocka_unit_test(engine_ipv6_handshake_and_child_sa),
		cmocka_unit_test(engine_tunnel_with_subnets_installs_subnet_selectors),
		cmocka_unit_test(engine_disjoint_subnets_refuse_the_child_sa),
		cmocka_unit_test(engine_initial_contact_after_restart_replaces_stale_sa),
		cmocka_unit_test(engine_duplicate_sa_deletion_keeps_shared_policies),
	};

	return cmocka_run_group_tests_name("engine_exchange", tests,
	    harness_nss_setup, harness_nss_teardown);
}
