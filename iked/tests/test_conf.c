/*
 * iked.conf loading: every conn of the slides, broken files rejected
 * with the exact FILE:LINE, includes, also= and conn %default.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "conf_options.h"
#include "conf_value.h"
#include "policy_group.h"

#ifndef TEST_DATA
#define TEST_DATA "test/data"
#endif
#ifndef TOP_SRCDIR
#define TOP_SRCDIR "."
#endif

static char data_dir[1024];
static struct conf_msgs msgs;

static const char *
data(const char *rel)
{
	static char buf[2048];

	snprintf(buf, sizeof(buf), "%s/conf/%s", data_dir, rel);
	return buf;
}

static void
dump_msgs(void)
{
	size_t i;

	for (i = 0; i < msgs.n; i++)
		print_message("  %s: %s\n", msgs.msg[i].sev == CONF_SEV_ERROR ?
		    "error" : "warning", msgs.msg[i].text);
}

static struct iked_conf *
load_ok(const char *rel, bool groups)
{
	struct conf_load_opts opts = { .policies_dir = NULL, .no_groups = !groups };
	struct iked_conf *conf = NULL;
	int rc;

	conf_msgs_init(&msgs);
	rc = conf_load(data(rel), &opts, &conf, &msgs);
	if (rc != 0)
		dump_msgs();
	assert_int_equal(rc, 0);
	assert_non_null(conf);
	assert_int_equal(msgs.nerrors, 0);
	return conf;
}

static void
load_fails(const char *rel)
{
	struct conf_load_opts opts = { .policies_dir = NULL, .no_groups = true };
	struct iked_conf *conf = (struct iked_conf *)&opts;	/* must be reset */

	conf_msgs_init(&msgs);
	assert_int_equal(conf_load(data(rel), &opts, &conf, &msgs), -1);
	assert_null(conf);
	assert_true(msgs.nerrors > 0);
}

/* An error whose text starts with "<data>/conf/<rel>:<line>: " and contains `what`. */
static void
expect_error_at(const char *rel, unsigned line, const char *what)
{
	char prefix[2100];
	size_t i;

	snprintf(prefix, sizeof(prefix), "%s:%u: ", data(rel), line);
	for (i = 0; i < msgs.n; i++)
		if (msgs.msg[i].sev == CONF_SEV_ERROR &&
		    strncmp(msgs.msg[i].text, prefix, strlen(prefix)) == 0 &&
		    strstr(msgs.msg[i].text, what) != NULL)
			return;
	dump_msgs();
	fail_msg("no error \"%s...%s\"", prefix, what);
}

/* ---- the slides --------------------------------------------------------- */

static void
slide_private_parses_and_is_disabled_for_certificates(void **state)
{
	struct iked_conf *conf = load_ok("slides/private.conf", false);
	const struct conf_conn *c = conf_find_conn(conf, "private");

	(void)state;
	assert_non_null(c);
	assert_int_equal(c->left.host.kind, CONF_HOST_DEFAULTROUTE);
	assert_int_equal(c->left.id.kind, CONF_ID_FROMCERT);
	assert_string_equal(c->left.cert, "node1.example.com");
	assert_int_equal(c->right.host.kind, CONF_HOST_OPPOGROUP);
	assert_int_equal(c->right.id.kind, CONF_ID_FROMCERT);
	assert_string_equal(c->right.ca, "%same");
	assert_int_equal(c->ikev2, CONF_IKEV2_INSIST);
	assert_int_equal(c->authby, CONF_AUTHBY_RSASIG);
	assert_int_equal(c->left.auth, CONF_AUTH_RSASIG);
	assert_int_equal(c->right.auth, CONF_AUTH_RSASIG);
	assert_int_equal(c->failureshunt, CONF_SHUNT_DROP);
	assert_int_equal(c->negotiationshunt, CONF_SHUNT_HOLD);
	assert_int_equal(c->autostart, CONF_AUTO_ONDEMAND);
	assert_int_equal(c->type, CONF_TYPE_TUNNEL);
	assert_true(conf_conn_is_authenticated(c));
	/* Certificates are not built yet: loaded, disabled, and said so. */
	assert_true(c->disabled);
	assert_non_null(strstr(c->disabled_reason, "needs certificates"));
	assert_non_null(strstr(c->disabled_reason, "leftcert"));
	assert_non_null(strstr(c->disabled_reason, "rightca"));
	assert_non_null(strstr(c->disabled_reason, "rightid"));
	assert_int_equal(conf_conn_disabled_shunt(c), CONF_SHUNT_DROP);	/* fails closed */
	assert_int_equal(msgs.nwarnings, 1);
	assert_non_null(conf_msgs_find(&msgs, "slides/private.conf:3: conn \"private\" "
	    "is loaded but disabled: needs certificates"));
	conf_free(conf);
}

static void
slide_private_or_clear_is_null_auth_oe_with_clear_fallback(void **state)
{
	struct iked_conf *conf = load_ok("slides/private-or-clear.conf", false);
	const struct conf_conn *c = conf_find_conn(conf, "private-or-clear");

	(void)state;
	assert_non_null(c);
	assert_int_equal(c->left.host.kind, CONF_HOST_DEFAULTROUTE);
	assert_int_equal(c->left.id.kind, CONF_ID_NULL);
	assert_int_equal(c->right.id.kind, CONF_ID_NULL);
	assert_int_equal(c->right.host.kind, CONF_HOST_OPPOGROUP);
	assert_int_equal(c->authby, CONF_AUTHBY_NULL);
	assert_int_equal(c->left.auth, CONF_AUTH_NULL);
	assert_int_equal(c->right.auth, CONF_AUTH_NULL);
	assert_int_equal(c->failureshunt, CONF_SHUNT_PASSTHROUGH);
	assert_int_equal(c->negotiationshunt, CONF_SHUNT_PASSTHROUGH);
	assert_int_equal(c->autostart, CONF_AUTO_ONDEMAND);
	assert_false(c->disabled);
	assert_false(conf_conn_is_authenticated(c));
	assert_int_equal(msgs.nwarnings, 0);
	conf_free(conf);
}

static void
slide_letsencrypt_client_parses_and_names_missing_features(void **state)
{
	struct iked_conf *conf = load_ok("slides/le-client.conf", false);
	const struct conf_conn *c = conf_find_conn(conf, "private-or-clear");

	(void)state;
	assert_non_null(c);
	assert_int_equal(c->left.id.kind, CONF_ID_NULL);
	assert_int_equal(c->left.auth, CONF_AUTH_NULL);
	assert_true(c->left.modecfgclient);
	assert_true(c->left.cat);
	assert_int_equal(c->right.id.kind, CONF_ID_FROMCERT);
	assert_int_equal(c->right.sigkey.kind, CONF_SIGKEY_CERT);
	assert_int_equal(c->right.auth, CONF_AUTH_RSASIG);
	assert_true(c->right.modecfgclient);
	assert_true(c->narrowing);
	assert_int_equal(c->negotiationshunt, CONF_SHUNT_HOLD);
	assert_int_equal(c->failureshunt, CONF_SHUNT_PASSTHROUGH);
	assert_int_equal(c->autostart, CONF_AUTO_ONDEMAND);
	assert_true(c->disabled);
	assert_non_null(strstr(c->disabled_reason, "certificates"));
	assert_non_null(strstr(c->disabled_reason, "address pools"));
	assert_non_null(strstr(c->disabled_reason, "client address translation"));
	assert_non_null(strstr(c->disabled_reason, "rightrsasigkey=%cert"));
	assert_int_equal(conf_conn_disabled_shunt(c), CONF_SHUNT_PASSTHROUGH);
	conf_free(conf);
}

static void
slide_letsencrypt_server_parses_pool_and_responder_only(void **state)
{
	struct iked_conf *conf = load_ok("slides/le-server.conf", false);
	const struct conf_conn *c = conf_find_conn(conf, "clear-or-private");
	struct oe_addr lo, hi;
	char err[128];

	(void)state;
	assert_non_null(c);
	assert_int_equal(c->left.id.kind, CONF_ID_FROMCERT);
	assert_int_equal(c->left.sigkey.kind, CONF_SIGKEY_CERT);
	assert_string_equal(c->left.cert, "yourserver.example.com");
	assert_int_equal(c->left.auth, CONF_AUTH_RSASIG);
	assert_true(c->left.pool.set);
	assert_int_equal(conf_parse_addr(&lo, "100.64.0.1", err, sizeof(err)), 0);
	assert_int_equal(conf_parse_addr(&hi, "100.64.255.254", err, sizeof(err)), 0);
	assert_memory_equal(&c->left.pool.lo, &lo, sizeof(lo));
	assert_memory_equal(&c->left.pool.hi, &hi, sizeof(hi));
	assert_true(c->left.modecfgclient);
	assert_int_equal(c->right.id.kind, CONF_ID_NULL);
	assert_int_equal(c->right.auth, CONF_AUTH_NULL);
	assert_int_equal(c->sendca, CONF_SENDCA_ISSUER);
	assert_int_equal(c->autostart, CONF_AUTO_ADD);
	assert_int_equal(c->negotiationshunt, CONF_SHUNT_PASSTHROUGH);
	assert_int_equal(c->failureshunt, CONF_SHUNT_PASSTHROUGH);
	assert_true(c->disabled);
	assert_non_null(strstr(c->disabled_reason, "leftaddresspool"));
	assert_null(strstr(c->disabled_reason, "sendca"));
	conf_free(conf);
}

static void
disabled_conn_with_failureshunt_none_fails_closed(void **state)
{
	static const char text[] =
	    "conn certs\n    left=%defaultroute\n    leftcert=me\n"
	    "    right=%opportunisticgroup\n    auto=ondemand\n";
	char path[] = "/tmp/oe-test-dis-XXXXXX";
	struct conf_load_opts opts = { .policies_dir = NULL, .no_groups = true };
	struct iked_conf *conf = NULL;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)(sizeof(text) - 1));
	close(fd);
	conf_msgs_init(&msgs);
	assert_int_equal(conf_load(path, &opts, &conf, &msgs), 0);
	assert_true(conf->conns[0].disabled);
	assert_int_equal(conf->conns[0].failureshunt, CONF_SHUNT_NONE);
	assert_int_equal(conf_conn_disabled_shunt(&conf->conns[0]), CONF_SHUNT_DROP);
	conf_free(conf);
	unlink(path);
}

static void
slide_typo_lefrtrsasigkey_rejected_with_suggestion(void **state)
{
	(void)state;
	load_fails("broken/slide-typo.conf");
	expect_error_at("broken/slide-typo.conf", 4, "unknown key \"lefrtrsasigkey\" "
	    "in conn \"clear-or-private\" (did you mean \"leftrsasigkey\"?)");
	assert_int_equal(msgs.nerrors, 1);
}

static void
slide_unindented_keys_rejected_at_their_lines(void **state)
{
	(void)state;
	load_fails("broken/slide-unindented.conf");
	expect_error_at("broken/slide-unindented.conf", 6, "is not indented");
	expect_error_at("broken/slide-unindented.conf", 7, "is not indented");
	assert_int_equal(msgs.nerrors, 2);
}

/* ---- broken files -------------------------------------------------------- */

static void
bad_cidr_rejected_with_both_lines(void **state)
{
	(void)state;
	load_fails("broken/bad-cidr.conf");
	expect_error_at("broken/bad-cidr.conf", 3, "bad value for leftsubnet in "
	    "conn \"net\": prefix length 33 exceeds 32 (expected ADDRESS/PREFIX)");
	expect_error_at("broken/bad-cidr.conf", 5, "\"10.2.0.1/16\" has host bits "
	    "set (did you mean 10.2.0.0/16?)");
	assert_int_equal(msgs.nerrors, 2);
}

static void
dns_resolver_off_loopback_rejected_with_line(void **state)
{
	(void)state;
	load_fails("broken/dns-resolver-not-loopback.conf");
	expect_error_at("broken/dns-resolver-not-loopback.conf", 3,
	    "dns-resolver= takes loopback addresses only");
	assert_int_equal(msgs.nerrors, 1);
}

static void
unknown_key_rejected_with_did_you_mean(void **state)
{
	(void)state;
	load_fails("broken/unknown-key.conf");
	expect_error_at("broken/unknown-key.conf", 7, "unknown key \"leftsubnett\" "
	    "in conn \"private\" (did you mean \"leftsubnet\"?)");
}

static void
duplicate_conn_rejected_naming_first_definition(void **state)
{
	char first[2100];

	(void)state;
	load_fails("broken/dup-conn.conf");
	snprintf(first, sizeof(first), "duplicate conn \"a\" (first defined at %s:1)",
	    data("broken/dup-conn.conf"));
	expect_error_at("broken/dup-conn.conf", 9, first);
	assert_int_equal(msgs.nerrors, 1);
}

static void
duplicate_key_in_one_conn_rejected(void **state)
{
	(void)state;
	load_fails("broken/dup-key.conf");
	expect_error_at("broken/dup-key.conf", 5, "duplicate key \"auto\" in conn \"a\"");
}

static void
missing_include_rejected_at_include_line(void **state)
{
	(void)state;
	load_fails("broken/missing-include.conf");
	expect_error_at("broken/missing-include.conf", 4, "cannot include");
	expect_error_at("broken/missing-include.conf", 4, "does-not-exist.conf");
}

static void
include_loop_rejected_where_it_closes(void **state)
{
	(void)state;
	load_fails("broken/include-loop.conf");
	expect_error_at("broken/inc/loop-c.conf", 1, "include loop");
	assert_int_equal(msgs.nerrors, 1);
}

static void
bad_duration_unit_rejected(void **state)
{
	(void)state;
	load_fails("broken/bad-duration.conf");
	expect_error_at("broken/bad-duration.conf", 4, "unknown unit \"w\" in \"3w\"");
	assert_int_equal(msgs.nerrors, 1);
}

static void
unknown_percent_keyword_rejected(void **state)
{
	(void)state;
	load_fails("broken/unknown-keyword.conf");
	expect_error_at("broken/unknown-keyword.conf", 3,
	    "unknown keyword \"%opportunistic\"");
}

static void
ikev2_no_rejected_ikev2_only(void **state)
{
	(void)state;
	load_fails("broken/ikev2-no.conf");
	expect_error_at("broken/ikev2-no.conf", 4, "IKEv1 is not supported");
}

static void
authby_secret_rejected_as_unsupported(void **state)
{
	(void)state;
	load_fails("broken/secret.conf");
	expect_error_at("broken/secret.conf", 4, "pre-shared keys are not supported");
}

static void
also_loop_rejected(void **state)
{
	(void)state;
	load_fails("broken/also-loop.conf");
	/* Found from each side: base's also=top reaches top's also=base. */
	expect_error_at("broken/also-loop.conf", 7, "also= loop: base -> top -> base");
	expect_error_at("broken/also-loop.conf", 2, "also= loop: top -> base -> top");
}

static void
all_errors_of_a_file_are_collected(void **state)
{
	(void)state;
	load_fails("broken/many-errors.conf");
	expect_error_at("broken/many-errors.conf", 3, "bad value for left in conn "
	    "\"a\": \"192.0.2.300\" is not a valid IPv4 address");
	expect_error_at("broken/many-errors.conf", 5, "keyingtries");
	expect_error_at("broken/many-errors.conf", 6, "unknown unit \"x\"");
	expect_error_at("broken/many-errors.conf", 7, "3DES is not allowed");
	expect_error_at("broken/many-errors.conf", 8, "1024-bit MODP is not allowed");
	expect_error_at("broken/many-errors.conf", 9, "unknown value \"tunel\" for type "
	    "(expected tunnel|transport|passthrough|drop|reject)");
	assert_int_equal(msgs.nerrors, 6);
}

/* ---- includes, also=, %default, setup ----------------------------------- */

static void
glob_include_order_is_bytewise_and_deterministic(void **state)
{
	struct iked_conf *conf = load_ok("good/iked.conf", false);

	(void)state;
	/* strcmp order: "10-..." < "20-..." < "3-..."; README not matched. */
	assert_int_equal(conf->nconns, 4);
	assert_string_equal(conf->conns[0].name, "oe-base");
	assert_string_equal(conf->conns[1].name, "private-or-clear");
	assert_string_equal(conf->conns[2].name, "private");
	assert_string_equal(conf->conns[3].name, "clear");
	assert_non_null(strstr(conf->conns[3].file, "iked.d/3-clear.conf"));
	assert_int_equal(conf->conns[3].line, 1);
	conf_free(conf);
}

static void
own_keys_beat_also_which_beats_default(void **state)
{
	struct iked_conf *conf = load_ok("good/iked.conf", false);
	const struct conf_conn *poc = conf_find_conn(conf, "private-or-clear");
	const struct conf_conn *p = conf_find_conn(conf, "private");
	const struct conf_conn *base = conf_find_conn(conf, "oe-base");

	(void)state;
	assert_non_null(poc);
	assert_int_equal(poc->ikelifetime, 7200);	/* own, over %default */
	assert_int_equal(poc->dpddelay, 30);		/* %default */
	assert_int_equal(poc->dpdtimeout, 120);		/* %default "2m" */
	assert_int_equal(poc->salifetime, 8 * 3600);	/* built-in default */
	assert_int_equal(poc->left.id.kind, CONF_ID_NULL);	/* also=oe-base */
	assert_int_equal(poc->right.host.kind, CONF_HOST_OPPOGROUP);
	assert_int_equal(poc->authby, CONF_AUTHBY_NULL);
	assert_non_null(p);
	assert_int_equal(p->authby, CONF_AUTHBY_RSASIG);	/* own, over also */
	assert_int_equal(p->right.auth, CONF_AUTH_RSASIG);
	assert_int_equal(p->left.id.kind, CONF_ID_FQDN);
	assert_string_equal(p->left.id.name, "east.oe.test");
	assert_int_equal(p->right.id.kind, CONF_ID_ANY);
	assert_int_equal(p->right.sigkey.kind, CONF_SIGKEY_DNSONDEMAND);
	assert_int_equal(p->ikelifetime, 3600);		/* %default */
	assert_false(p->disabled);			/* DNS keys need no certificates */
	assert_non_null(base);
	assert_int_equal(base->autostart, CONF_AUTO_IGNORE);	/* template only */
	conf_free(conf);
}

static void
proposal_strings_reach_the_conn(void **state)
{
	struct iked_conf *conf = load_ok("good/iked.conf", false);
	const struct conf_conn *p = conf_find_conn(conf, "private");
	const struct conf_conn *poc = conf_find_conn(conf, "private-or-clear");

	(void)state;
	assert_int_equal(p->ike.n, 1);
	assert_int_equal(p->ike.p[0].nencr, 1);
	assert_int_equal(p->ike.p[0].encr[0].id, CONF_ENCR_AES_GCM_16);
	assert_int_equal(p->ike.p[0].encr[0].keylen, 256);
	assert_int_equal(p->ike.p[0].nprf, 1);
	assert_int_equal(p->ike.p[0].prf[0], CONF_PRF_HMAC_SHA2_512);
	assert_int_equal(p->ike.p[0].ninteg, 0);	/* AEAD */
	assert_int_equal(p->ike.p[0].nke, 2);
	assert_int_equal(p->ike.p[0].ke[0], CONF_KE_ECP256);
	assert_int_equal(p->ike.p[0].ke[1], CONF_KE_CURVE25519);
	assert_int_equal(p->esp.n, 1);
	assert_int_equal(p->esp.p[0].encr[0].id, CONF_ENCR_CHACHA20_POLY1305);
	/* Not set: the RFC 8247 / 8221 defaults. */
	assert_int_equal(poc->ike.n, 2);
	assert_int_equal(poc->ike.p[0].encr[0].id, CONF_ENCR_AES_GCM_16);
	assert_int_equal(poc->ike.p[1].encr[0].id, CONF_ENCR_AES_CBC);
	assert_int_equal(poc->ike.p[1].ninteg, 2);
	assert_int_equal(poc->esp.n, 2);
	conf_free(conf);
}

static void
config_setup_values_and_relative_policies_dir(void **state)
{
	struct iked_conf *conf = load_ok("good/iked.conf", false);
	char want[2100];

	(void)state;
	assert_int_equal(conf->setup.loglevel, LOG_DEBUG);
	assert_string_equal(conf->setup.nssdb, "sql:/tmp/oe-test-nss");
	assert_int_equal(conf->setup.listen.n, 2);
	assert_int_equal(conf->setup.listen.a[0].family, AF_INET);
	assert_int_equal(conf->setup.listen.a[1].family, AF_INET6);
	assert_int_equal(conf->setup.ikeport, 1500);
	assert_int_equal(conf->setup.nat_ikeport, 14500);
	assert_string_equal(conf->setup.trigger_socket, "/tmp/oe-test/trigger.sock");
	assert_string_equal(conf->setup.ctl_socket, "/tmp/oe-test/iked.ctl");
	assert_string_equal(conf->setup.ctl_group, "oe");
	assert_int_equal(conf->setup.protostack, CONF_STACK_XFRM);
	snprintf(want, sizeof(want), "%s", data("good/policies"));
	assert_string_equal(conf->setup.policies_dir, want);
	conf_free(conf);
}

static void
failed_load_leaves_current_configuration_untouched(void **state)
{
	struct iked_conf *cur = load_ok("good/iked.conf", false);
	struct iked_conf *next = cur;

	(void)state;
	conf_msgs_init(&msgs);
	assert_int_equal(conf_load(data("broken/dup-key.conf"), NULL, &next, &msgs), -1);
	assert_null(next);
	/* The caller's configuration is a separate object, still intact. */
	assert_int_equal(cur->nconns, 4);
	assert_string_equal(cur->conns[2].name, "private");
	conf_free(cur);
}

/* ---- the shipped examples (conf/) ---------------------------------------- */

static void
shipped_examples_load_cleanly_with_the_five_standard_conns(void **state)
{
	struct conf_load_opts opts = { .policies_dir = TOP_SRCDIR "/conf/policies",
	    .no_groups = false };
	struct iked_conf *conf = NULL;
	const struct conf_conn *c;
	size_t i;

	(void)state;
	conf_msgs_init(&msgs);
	assert_int_equal(conf_load(TOP_SRCDIR "/conf/iked.conf", &opts, &conf, &msgs), 0);
	if (msgs.n)
		dump_msgs();
	assert_int_equal(msgs.n, 0);
	assert_int_equal(conf->nconns, 5);
	for (i = 0; i < conf->nconns; i++) {
		assert_false(conf->conns[i].disabled);
		assert_non_null(conf->conns[i].group);
		assert_false(conf->conns[i].group->missing);
	}
	c = conf_find_conn(conf, "block");
	assert_int_equal(c->type, CONF_TYPE_REJECT);
	assert_int_equal(c->right.host.kind, CONF_HOST_GROUP);
	c = conf_find_conn(conf, "clear");
	assert_int_equal(c->type, CONF_TYPE_PASSTHROUGH);
	c = conf_find_conn(conf, "clear-or-private");
	assert_int_equal(c->autostart, CONF_AUTO_ADD);
	assert_int_equal(c->failureshunt, CONF_SHUNT_PASSTHROUGH);
	c = conf_find_conn(conf, "private-or-clear");
	assert_int_equal(c->autostart, CONF_AUTO_ONDEMAND);
	assert_int_equal(c->failureshunt, CONF_SHUNT_PASSTHROUGH);
	assert_int_equal(c->negotiationshunt, CONF_SHUNT_HOLD);
	assert_false(conf_conn_is_authenticated(c));
	c = conf_find_conn(conf, "private");
	assert_int_equal(c->failureshunt, CONF_SHUNT_DROP);
	assert_int_equal(c->negotiationshunt, CONF_SHUNT_HOLD);
	assert_int_equal(c->right.sigkey.kind, CONF_SIGKEY_DNSONDEMAND);
	assert_true(conf_conn_is_authenticated(c));
	conf_free(conf);
}

/* ---- hostile input, written to a temporary directory --------------------- */

static char tmpdir[64];

static const char *
write_tmp(const char *name, const char *text, size_t len)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	fclose(f);
	return path;
}

static int
tmp_setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/oe-test-conf-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int
tmp_teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
error_list_is_bounded_but_counts_everything(void **state)
{
	char *text = malloc(200 * 32 + 64);
	const char *path;
	struct iked_conf *conf = NULL;
	size_t len = 0;
	int i;

	(void)state;
	assert_non_null(text);
	len += (size_t)sprintf(text, "conn a\n");
	for (i = 0; i < 200; i++)
		len += (size_t)sprintf(text + len, "    bogus%d=1\n", i);
	path = write_tmp("many.conf", text, len);
	conf_msgs_init(&msgs);
	assert_int_equal(conf_load(path, NULL, &conf, &msgs), -1);
	assert_int_equal(msgs.n, CONF_MSGS_MAX);
	assert_int_equal(msgs.nerrors, 200);
	assert_int_equal(msgs.dropped, 200 - CONF_MSGS_MAX);
	free(text);
}

static void
nul_bytes_and_overlong_lines_rejected(void **state)
{
	static const char nul[] = "conn a\n    left=1.2.3.4\0junk\n";
	char *long_line = malloc(8000);
	const char *path;
	struct iked_conf *conf = NULL;
	char want[300];

	(void)state;
	path = write_tmp("nul.conf", nul, sizeof(nul) - 1);
	conf_msgs_init(&msgs);
	assert_int_equal(conf_load(path, NULL, &conf, &msgs), -1);
	snprintf(want, sizeof(want), "%s:2: NUL byte", path);
	assert_non_null(conf_msgs_find(&msgs, want));

	assert_non_null(long_line);
	memcpy(long_line, "conn a\n    leftid=@", 19);
	memset(long_line + 19, 'a', 7000);
	long_line[7019] = '\n';
	path = write_tmp("long.conf", long_line, 7020);
	conf_msgs_init(&msgs);
	assert_int_equal(conf_load(path, NULL, &conf, &msgs), -1);
	snprintf(want, sizeof(want), "%s:2: line too long", path);
	assert_non_null(conf_msgs_find(&msgs, want));
	free(long_line);
}

static void
include_depth_is_bounded(void **state)
{
	char name[32], text[64], want[300];
	const char *path = NULL;
	struct iked_conf *conf = NULL;
	int i;

	(void)state;
	for (i = 0; i < 12; i++) {
		snprintf(name, sizeof(name), "d%d.conf", i);
		snprintf(text, sizeof(text), "include d%d.conf\n", i + 1);
		path = write_tmp(name, text, strlen(text));
	}
	write_tmp("d12.conf", "conn z\n    left=1.2.3.4\n", 24);
	conf_msgs_init(&msgs);
	snprintf(want, sizeof(want), "%s/d0.conf", tmpdir);
	assert_int_equal(conf_load(want, NULL, &conf, &msgs), -1);
	assert_non_null(conf_msgs_find(&msgs, "includes nested deeper than 8 levels"));
	(void)path;
}

static void
include_of_fifo_or_directory_fails_without_hanging(void **state)
{
	char fifo[128], want[300];
	struct iked_conf *conf = NULL;
	const char *path;

	(void)state;
	snprintf(fifo, sizeof(fifo), "%s/fifo.conf", tmpdir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	path = write_tmp("inc-fifo.conf", "include fifo.conf\ninclude /tmp\n", 31);
	conf_msgs_init(&msgs);
	assert_int_equal(conf_load(path, NULL, &conf, &msgs), -1);
	snprintf(want, sizeof(want), "%s:1: cannot read", path);
	assert_non_null(conf_msgs_find(&msgs, want));
	snprintf(want, sizeof(want), "%s:2: cannot read \"/tmp\": not a regular file",
	    path);
	assert_non_null(conf_msgs_find(&msgs, want));
}

/* Deterministic pseudo-random numbers (no libc rand state). */
static uint32_t
lcg(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

static size_t
slurp(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, len, f);
	fclose(f);
	return n;
}

static void
mutated_configs_never_crash_and_every_error_names_the_file(void **state)
{
	static const char *const seeds[] = {
		"slides/private.conf", "slides/le-client.conf", "slides/le-server.conf",
		"good/iked.d/20-private.conf", "broken/many-errors.conf",
	};
	static const char alphabet[] = "=#\"\n \t%/,.:-+;@0aZ\x01\xff";
	char orig[4096], buf[4200];
	struct iked_conf *conf;
	const char *path = NULL;
	uint32_t seed = 42;
	size_t n, len, i, k, pos;
	int rc, round;

	(void)state;
	for (round = 0; round < 2000; round++) {
		n = slurp(data(seeds[round % 5]), orig, sizeof(orig));
		memcpy(buf, orig, n);
		len = n;
		for (k = 1 + lcg(&seed) % 4; k > 0 && len > 0; k--) {
			pos = lcg(&seed) % len;
			switch (lcg(&seed) % 3) {
			case 0:		/* replace */
				buf[pos] = alphabet[lcg(&seed) % (sizeof(alphabet) - 1)];
				break;
			case 1:		/* delete */
				memmove(buf + pos, buf + pos + 1, len - pos - 1);
				len--;
				break;
			default:	/* insert */
				if (len + 1 >= sizeof(buf))
					break;
				memmove(buf + pos + 1, buf + pos, len - pos);
				buf[pos] = alphabet[lcg(&seed) % (sizeof(alphabet) - 1)];
				len++;
			}
		}
		path = write_tmp("mutant.conf", buf, len);
		conf = NULL;
		conf_msgs_init(&msgs);
		rc = conf_load(path, NULL, &conf, &msgs);
		assert_true((rc == 0) == (msgs.nerrors == 0));
		assert_true((rc == 0) == (conf != NULL));
		for (i = 0; i < msgs.n; i++)
			assert_int_equal(strncmp(msgs.msg[i].text, path, strlen(path)), 0);
		conf_free(conf);
	}
}

static void
also_diamonds_resolve_in_linear_time(void **state)
{
	/* 7 levels; each a<i> names 30 conns b<i>_<j>, each naming a<i+1>:
	 * 30^7 paths if every path were walked, ~200 conns if each conn is
	 * applied once.  Without that this test does not finish. */
	char *text = malloc(256 * 1024);
	struct iked_conf *conf = NULL;
	const char *path;
	size_t len = 0;
	int i, j;

	(void)state;
	assert_non_null(text);
	for (i = 0; i < 7; i++) {
		len += (size_t)sprintf(text + len, "conn a%d\n", i);
		for (j = 0; j < 30; j++)
			len += (size_t)sprintf(text + len, "    also=b%d_%d\n", i, j);
		for (j = 0; j < 30; j++)
			len += (size_t)sprintf(text + len, "conn b%d_%d\n    also=a%d\n",
			    i, j, i + 1);
	}
	len += (size_t)sprintf(text + len, "conn a7\n    left=192.0.2.1\n"
	    "    right=192.0.2.2\n    dpddelay=7s\n");
	path = write_tmp("diamond.conf", text, len);
	conf_msgs_init(&msgs);
	assert_int_equal(conf_load(path, NULL, &conf, &msgs), 0);
	assert_int_equal(conf_find_conn(conf, "a0")->dpddelay, 7);
	assert_int_equal(conf_find_conn(conf, "b3_17")->dpddelay, 7);
	conf_free(conf);

	/* One level more is deeper than the bound: an error, not a hang. */
	len = (size_t)sprintf(text, "conn x0\n    also=x1\n");
	for (i = 1; i < 20; i++)
		len += (size_t)sprintf(text + len, "conn x%d\n    also=x%d\n", i, i + 1);
	len += (size_t)sprintf(text + len, "conn x20\n    dpddelay=7s\n");
	path = write_tmp("deep.conf", text, len);
	conf_msgs_init(&msgs);
	assert_int_equal(conf_load(path, NULL, &conf, &msgs), -1);
	assert_non_null(conf_msgs_find(&msgs, "also= nested deeper than 16 conns"));
	free(text);
}

static void
missing_main_file_is_an_error_not_a_crash(void **state)
{
	struct iked_conf *conf = NULL;

	(void)state;
	conf_msgs_init(&msgs);
	assert_int_equal(conf_load("/nonexistent/iked.conf", NULL, &conf, &msgs), -1);
	assert_non_null(conf_msgs_find(&msgs, "/nonexistent/iked.conf: cannot read "
	    "configuration"));
}

static void
cross_key_errors_cite_the_key_line(void **state)
{
	static const char text[] =
	    "conn a\n"
	    "    left=192.0.2.1\n"
	    "    right=%opportunisticgroup\n"
	    "    type=passthrough\n"
	    "    leftid=%null\n"
	    "    authby=rsasig\n"
	    "    auto=add\n"
	    "conn b\n"
	    "    left=192.0.2.1\n"
	    "    right=192.0.2.9\n"
	    "    rekeymargin=9h\n"
	    "    auto=add\n"
	    "conn c\n"
	    "    left=192.0.2.1\n"
	    "    right=192.0.2.9\n"
	    "    type=transport\n"
	    "    rightsubnet=10.0.0.0/8\n"
	    "    authby=null\n"
	    "conn d\n"
	    "    left=192.0.2.1\n"
	    "    right=192.0.2.9\n"
	    "    authby=null\n"
	    "    sendca=none\n"
	    "    auto=add\n"
	    "conn e\n"
	    "    left=%defaultroute\n"
	    "    right=%opportunisticgroup\n"
	    "    authby=null\n"
	    "    auto=start\n";
	const char *path = write_tmp("cross.conf", text, sizeof(text) - 1);
	struct iked_conf *conf = NULL;
	char want[300];

	(void)state;
	conf_msgs_init(&msgs);
	assert_int_equal(conf_load(path, NULL, &conf, &msgs), -1);
	snprintf(want, sizeof(want), "%s:3: conn \"a\": right=%%opportunisticgroup "
	    "needs type=tunnel", path);
	assert_non_null(conf_msgs_find(&msgs, want));
	snprintf(want, sizeof(want), "%s:11: conn \"b\": rekeymargin (32400s) must "
	    "be shorter", path);
	assert_non_null(conf_msgs_find(&msgs, want));
	snprintf(want, sizeof(want), "%s:17: conn \"c\": type=transport protects", path);
	assert_non_null(conf_msgs_find(&msgs, want));
	snprintf(want, sizeof(want), "%s:29: conn \"e\": auto=start needs right= "
	    "to be an address", path);
	assert_non_null(conf_msgs_find(&msgs, want));
	if (msgs.nerrors != 4)
		dump_msgs();
	assert_int_equal(msgs.nerrors, 4);
	assert_null(conf_msgs_find(&msgs, "conn \"d\""));	/* sendca=none needs nothing */
}

int
main(void)
{
	const char *env = getenv("OE_TEST_DATA");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(slide_private_parses_and_is_disabled_for_certificates),
		cmocka_unit_test(slide_private_or_clear_is_null_auth_oe_with_clear_fallback),
		cmocka_unit_test(slide_letsencrypt_client_parses_and_names_missing_features),
		cmocka_unit_test(slide_letsencrypt_server_parses_pool_and_responder_only),
		cmocka_unit_test(disabled_conn_with_failureshunt_none_fails_closed),
		cmocka_unit_test(slide_typo_lefrtrsasigkey_rejected_with_suggestion),
		cmocka_unit_test(slide_unindented_keys_rejected_at_their_lines),
		cmocka_unit_test(bad_cidr_rejected_with_both_lines),
		cmocka_unit_test(dns_resolver_off_loopback_rejected_with_line),
		cmocka_unit_test(unknown_key_rejected_with_did_you_mean),
		cmocka_unit_test(duplicate_conn_rejected_naming_first_definition),
		cmocka_unit_test(duplicate_key_in_one_conn_rejected),
		cmocka_unit_test(missing_include_rejected_at_include_line),
		cmocka_unit_test(include_loop_rejected_where_it_closes),
		cmocka_unit_test(bad_duration_unit_rejected),
		cmocka_unit_test(unknown_percent_keyword_rejected),
		cmocka_unit_test(ikev2_no_rejected_ikev2_only),
		cmocka_unit_test(authby_secret_rejected_as_unsupported),
		cmocka_unit_test(also_loop_rejected),
		cmocka_unit_test(all_errors_of_a_file_are_collected),
		cmocka_unit_test(glob_include_order_is_bytewise_and_deterministic),
		cmocka_unit_test(own_keys_beat_also_which_beats_default),
		cmocka_unit_test(proposal_strings_reach_the_conn),
		cmocka_unit_test(config_setup_values_and_relative_policies_dir),
		cmocka_unit_test(failed_load_leaves_current_configuration_untouched),
		cmocka_unit_test(shipped_examples_load_cleanly_with_the_five_standard_conns),
		cmocka_unit_test(error_list_is_bounded_but_counts_everything),
		cmocka_unit_test(nul_bytes_and_overlong_lines_rejected),
		cmocka_unit_test(include_depth_is_bounded),
		cmocka_unit_test(include_of_fifo_or_directory_fails_without_hanging),
		cmocka_unit_test(mutated_configs_never_crash_and_every_error_names_the_file),
		cmocka_unit_test(also_diamonds_resolve_in_linear_time),
		cmocka_unit_test(missing_main_file_is_an_error_not_a_crash),
		cmocka_unit_test(cross_key_errors_cite_the_key_line),
	};

	snprintf(data_dir, sizeof(data_dir), "%s", env && *env ? env : TEST_DATA);
	return cmocka_run_group_tests_name("conf", tests, tmp_setup, tmp_teardown);
}
