/*
 * ikev2_net tests over real UDP sockets on loopback: the RFC 3948
 * non-ESP marker on the NAT-T port (added when sending, stripped and
 * required when receiving), NAT keepalives, and the local address and
 * ports reported with each datagram.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>

#include <systemd/sd-event.h>

#include "oe_log.h"
#include "ikev2_net.h"

struct rx {
	int		 n;
	struct ikev2_path path;
	uint8_t		 msg[256];
	size_t		 len;
};

static void
on_rx(void *arg, const struct ikev2_path *path, const uint8_t *msg, size_t len)
{
	struct rx *rx = arg;

	rx->n++;
	rx->path = *path;
	rx->len = len < sizeof(rx->msg) ? len : sizeof(rx->msg);
	memcpy(rx->msg, msg, rx->len);
}

static uint16_t
base_port(void)
{
	/* Spread concurrent runs; loopback only. */
	return (uint16_t)(21000 + (getpid() % 4000) * 2);
}

static void
addr(struct oe_addr *a, const char *s)
{
	assert_int_equal(oe_addr_parse(a, s, AF_UNSPEC, NULL, 0), 0);
}

static void
run(sd_event *ev, struct rx *rx, int want)
{
	int i;

	for (i = 0; i < 50 && rx->n < want; i++)
		(void)sd_event_run(ev, 20000);
}

static void
net_natt_strip_accepts_only_marked_ike(void **state)
{
	uint8_t d[64];
	size_t len = 0;

	(void)state;
	memset(d, 0, sizeof(d));
	d[4] = 0x11;
	assert_ptr_equal(ikev2_net_natt_strip(d, sizeof(d), &len), d + 4);
	assert_int_equal(len, sizeof(d) - 4);
	d[0] = 0xff;				/* keepalive / ESP SPI */
	assert_null(ikev2_net_natt_strip(d, 1, &len));
	d[0] = 0x12;				/* ESP: non-zero SPI */
	assert_null(ikev2_net_natt_strip(d, sizeof(d), &len));
	d[0] = 0;
	assert_null(ikev2_net_natt_strip(d, 4 + 27, &len));	/* < header */
}

static void
net_natt_send_adds_marker_and_receiver_strips_it(void **state)
{
	sd_event *ev = NULL;
	struct ikev2_net *a, *b;
	struct oe_addr la, lb;
	struct ikev2_path p;
	struct rx rxa, rxb;
	uint16_t port = base_port();
	uint8_t msg[40];

	(void)state;
	memset(&rxa, 0, sizeof(rxa));
	memset(&rxb, 0, sizeof(rxb));
	assert_int_equal(sd_event_new(&ev), 0);
	addr(&la, "127.0.0.1");
	addr(&lb, "127.0.0.2");
	a = ikev2_net_open(ev, &la, 1, port, (uint16_t)(port + 1), false,
	    on_rx, &rxa);
	b = ikev2_net_open(ev, &lb, 1, port, (uint16_t)(port + 1), false,
	    on_rx, &rxb);
	assert_non_null(a);
	assert_non_null(b);
	memset(msg, 0x5a, sizeof(msg));
	memset(&p, 0, sizeof(p));
	p.local = la;
	p.remote = lb;
	p.lport = p.rport = (uint16_t)(port + 1);
	p.natt = true;
	assert_int_equal(ikev2_net_send(a, &p, msg, sizeof(msg)), 0);
	run(ev, &rxb, 1);
	assert_int_equal(rxb.n, 1);
	assert_int_equal(rxb.len, sizeof(msg));		/* marker gone */
	assert_memory_equal(rxb.msg, msg, sizeof(msg));
	assert_true(rxb.path.natt);
	assert_true(oe_addr_eq(&rxb.path.local, &lb));
	assert_true(oe_addr_eq(&rxb.path.remote, &la));
	assert_int_equal(rxb.path.lport, port + 1);
	assert_int_equal(rxb.path.rport, port + 1);
	/* and on the IKE port, no marker */
	p.lport = p.rport = port;
	p.natt = false;
	assert_int_equal(ikev2_net_send(a, &p, msg, sizeof(msg)), 0);
	run(ev, &rxb, 2);
	assert_int_equal(rxb.n, 2);
	assert_int_equal(rxb.len, sizeof(msg));
	assert_false(rxb.path.natt);
	assert_int_equal(rxa.n, 0);
	ikev2_net_free(a);
	ikev2_net_free(b);
	sd_event_unref(ev);
}

static void
net_keepalive_is_one_ff_byte_not_delivered_as_ike(void **state)
{
	sd_event *ev = NULL;
	struct ikev2_net *a, *b;
	struct oe_addr la, lb;
	struct ikev2_path p;
	struct rx rxa, rxb;
	uint16_t port = (uint16_t)(base_port() + 2000);
	struct sockaddr_in sin;
	uint8_t buf[8];
	int fd;
	ssize_t n;

	(void)state;
	memset(&rxa, 0, sizeof(rxa));
	memset(&rxb, 0, sizeof(rxb));
	assert_int_equal(sd_event_new(&ev), 0);
	addr(&la, "127.0.0.1");
	addr(&lb, "127.0.0.2");
	a = ikev2_net_open(ev, &la, 1, port, (uint16_t)(port + 1), false,
	    on_rx, &rxa);
	b = ikev2_net_open(ev, &lb, 1, port, (uint16_t)(port + 1), false,
	    on_rx, &rxb);
	assert_non_null(a);
	assert_non_null(b);
	memset(&p, 0, sizeof(p));
	p.local = la;
	p.remote = lb;
	p.lport = p.rport = (uint16_t)(port + 1);
	p.natt = true;
	assert_int_equal(ikev2_net_send_keepalive(a, &p), 0);
	run(ev, &rxb, 1);
	assert_int_equal(rxb.n, 0);		/* not an IKE message */
	/* what goes on the wire: a plain socket sees exactly 0xff */
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)(port + 7));
	sin.sin_addr.s_addr = htonl(0x7f000003);	/* 127.0.0.3 */
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	addr(&p.remote, "127.0.0.3");
	p.rport = (uint16_t)(port + 7);
	assert_int_equal(ikev2_net_send_keepalive(a, &p), 0);
	n = recv(fd, buf, sizeof(buf), 0);
	assert_int_equal(n, 1);
	assert_int_equal(buf[0], 0xff);
	p.natt = false;				/* only on the NAT-T port */
	assert_true(ikev2_net_send_keepalive(a, &p) < 0);
	close(fd);
	ikev2_net_free(a);
	ikev2_net_free(b);
	sd_event_unref(ev);
}

static void
net_open_fails_cleanly_when_port_taken(void **state)
{
	sd_event *ev = NULL;
	struct ikev2_net *a, *b;
	struct oe_addr la;
	struct rx rx;
	uint16_t port = (uint16_t)(base_port() + 4000);

	(void)state;
	assert_int_equal(sd_event_new(&ev), 0);
	addr(&la, "127.0.0.1");
	a = ikev2_net_open(ev, &la, 1, port, (uint16_t)(port + 1), false,
	    on_rx, &rx);
	assert_non_null(a);
	/* a second daemon on the same address and port must not start */
	b = ikev2_net_open(ev, &la, 1, port, (uint16_t)(port + 1), false,
	    on_rx, &rx);
	assert_null(b);
	ikev2_net_free(a);
	sd_event_unref(ev);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(net_natt_strip_accepts_only_marked_ike),
		cmocka_unit_test(net_natt_send_adds_marker_and_receiver_strips_it),
		cmocka_unit_test(net_keepalive_is_one_ff_byte_not_delivered_as_ike),
		cmocka_unit_test(net_open_fails_cleanly_when_port_taken),
	};

	oe_log_init("test_engine_net", LOG_CRIT);
	return cmocka_run_group_tests_name("engine_net", tests, NULL, NULL);
}
