/*
 * Unit tests for the XFRM netlink codec (xfrm_msg.c): the byte layout of
 * the requests we build, parsing them back, and parsing event messages
 * captured from real kernels (see test/lab/scratch-kernel/).
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/udp.h>
#include <linux/xfrm.h>
#include <libmnl/libmnl.h>
#include <cmocka.h>

#include "kernel.h"
#include "xfrm_msg.h"

/*
 * Events captured on this project's build host (Linux 6.18) in a scratch
 * network namespace with xfrm_capture: trap policies 127.0.0.1 ->
 * 127.0.0.2 udp/9 (reqid 0x6f650001) and ::1 -> ::1 udp/10 (reqid
 * 0x6f650002) hit by one datagram each, and a block policy 127.0.0.3 ->
 * 127.0.0.4 with "limit time-hard 1" (priority 0x6f6002).
 */
static const uint8_t acquire_v4_host[] = {
	0x78, 0x01, 0x00, 0x00, 0x17, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x7f, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x32, 0x00, 0x00, 0x00, 0x7f, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x7f, 0x00, 0x00, 0x02,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x7f, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x09, 0xff, 0xff, 0x11, 0x5c, 0xff, 0xff,
	0x02, 0x00, 0x20, 0x20, 0x11, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x7f, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x7f, 0x00, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x09, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x20, 0x20,
	0x11, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x18, 0x8c, 0x09, 0x6b,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x60, 0x6f, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x00, 0x00, 0x44, 0x00, 0x05, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x32, 0x00, 0x00, 0x00,
	0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x65, 0x6f,
	0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0x0a, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00,
};
static const uint8_t acquire_v6_host[] = {
	0x78, 0x01, 0x00, 0x00, 0x17, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x32, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x0a, 0xff, 0xff, 0x11, 0x5d, 0xff, 0xff,
	0x0a, 0x00, 0x80, 0x80, 0x11, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x00, 0x0a, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x80, 0x80,
	0x11, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x8c, 0x09, 0x6b,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x01, 0x60, 0x6f, 0x00, 0x09, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0x01, 0x00, 0x00, 0x00, 0x44, 0x00, 0x05, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x32, 0x00, 0x00, 0x00,
	0x0a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x65, 0x6f,
	0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0x0a, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00,
};
static const uint8_t polexpire_v4_host[] = {
	0xcc, 0x00, 0x00, 0x00, 0x1b, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x7f, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x7f, 0x00, 0x00, 0x03,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x20, 0x20,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x8c, 0x09, 0x6b,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x02, 0x60, 0x6f, 0x00, 0x11, 0x00, 0x00, 0x00, 0x01, 0x01, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x0a, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/*
 * Events captured inside the user-mode Linux guest (Linux 6.1 with ESP)
 * by test/lab/scratch-kernel/run-uml.sh: the ACQUIRE of a trap policy
 * 198.51.100.1 -> 198.51.100.2 udp (reqid 0x6f650002) hit by a datagram
 * from port 40000 to 7777, then the soft and hard EXPIRE of an AES-GCM
 * SA (spi 0x3000 to 198.51.100.3, reqid 0x6f650001) with 1 s/2 s
 * lifetimes.
 */
static const uint8_t acquire_v4_uml[] = {
	0x78, 0x01, 0x00, 0x00, 0x17, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0xc6, 0x33, 0x64, 0x02, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x32, 0x00, 0x00, 0x00, 0xc6, 0x33, 0x64, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc6, 0x33, 0x64, 0x02,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0xc6, 0x33, 0x64, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x1e, 0x61, 0xff, 0xff, 0x9c, 0x40, 0xff, 0xff,
	0x02, 0x00, 0x20, 0x20, 0x11, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0xc6, 0x33, 0x64, 0x02, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc6, 0x33, 0x64, 0x01,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x20, 0x20,
	0x11, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x18, 0x8d, 0x09, 0x6b,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x0a, 0x60, 0x6f, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0x01, 0x00, 0x00, 0x00, 0x44, 0x00, 0x05, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x32, 0x00, 0x00, 0x00,
	0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x65, 0x6f,
	0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0x0a, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00,
};
static const uint8_t expire_soft_uml[] = {
	0xf8, 0x00, 0x00, 0x00, 0x18, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0xc6, 0x33, 0x64, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x30, 0x00, 0x32, 0x00, 0x00, 0x00,
	0xc6, 0x33, 0x64, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x18, 0x8d, 0x09, 0x6b, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x65, 0x6f,
	0x02, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
static const uint8_t expire_hard_uml[] = {
	0xf8, 0x00, 0x00, 0x00, 0x18, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0xc6, 0x33, 0x64, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x30, 0x00, 0x32, 0x00, 0x00, 0x00,
	0xc6, 0x33, 0x64, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x18, 0x8d, 0x09, 0x6b, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x65, 0x6f,
	0x02, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

static uint64_t msgbuf[XFRM_MSG_BUFSIZE / 8];

static const uint8_t key36[36] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b,
	0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
	0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0xa0, 0xa1, 0xa2, 0xa3,
};
static const uint8_t key64[64] = {
	0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb,
	[63] = 0x3f,
};

static void
addr(struct kernel_addr *a, const char *s)
{
	assert_int_equal(kernel_addr_from_string(a, s), 0);
}

static void
base_sa(struct kernel_sa *sa)
{
	memset(sa, 0, sizeof(*sa));
	addr(&sa->src, "198.51.100.1");
	addr(&sa->dst, "198.51.100.2");
	sa->spi = 0xc0ffee01;
	sa->mode = KERNEL_MODE_TRANSPORT;
	sa->reqid = 0x6f650007;
	sa->enc = KERNEL_ENC_AES_GCM_16;
	sa->enc_key = key36;
	sa->enc_key_len = 36;
	sa->replay_window = 128;
	sa->esn = true;
	sa->lifetime.soft_bytes = 1000000;
	sa->lifetime.hard_seconds = 3600;
	sa->lifetime.soft_seconds = 3000;
}

/* The fixed header of a message we built (copied, never cast). */
static void
payload(const struct nlmsghdr *nlh, void *out, size_t len)
{
	assert_true(nlh->nlmsg_len >= MNL_NLMSG_HDRLEN + len);
	memcpy(out, mnl_nlmsg_get_payload(nlh), len);
}

static const struct nlattr *
find_attr(const struct nlmsghdr *nlh, size_t hdrlen, uint16_t type)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, MNL_ALIGN(hdrlen))
		if (mnl_attr_get_type(a) == type)
			return a;
	return NULL;
}

static void
sa_gcm_esn_message_layout(void **state)
{
	struct kernel_sa sa;
	struct nlmsghdr *nlh;
	struct xfrm_usersa_info info;
	struct xfrm_algo_aead aead;
	struct xfrm_replay_state_esn esn;
	const struct nlattr *a;
	int err;

	(void)state;
	base_sa(&sa);
	nlh = xfrm_msg_new_sa(msgbuf, 42, &sa, false, &err);
	assert_non_null(nlh);
	assert_int_equal(err, 0);
	assert_int_equal(nlh->nlmsg_type, XFRM_MSG_NEWSA);
	assert_int_equal(nlh->nlmsg_seq, 42);
	assert_true(nlh->nlmsg_flags & NLM_F_REQUEST);
	payload(nlh, &info, sizeof(info));
	assert_int_equal(info.id.spi, htonl(0xc0ffee01));
	assert_int_equal(info.id.proto, IPPROTO_ESP);
	assert_int_equal(info.family, AF_INET);
	assert_int_equal(info.mode, XFRM_MODE_TRANSPORT);
	assert_int_equal(info.reqid, 0x6f650007);
	assert_memory_equal(&info.id.daddr, sa.dst.u.bytes, 4);
	assert_memory_equal(&info.saddr, sa.src.u.bytes, 4);
	/* ESN: the u8 window must be 0 and the flag set */
	assert_int_equal(info.replay_window, 0);
	assert_true(info.flags & XFRM_STATE_ESN);
	assert_int_equal(info.lft.soft_byte_limit, 1000000);
	assert_true(info.lft.hard_byte_limit == XFRM_INF);
	assert_true(info.lft.soft_packet_limit == XFRM_INF);
	assert_int_equal(info.lft.hard_add_expires_seconds, 3600);
	assert_int_equal(info.lft.soft_add_expires_seconds, 3000);

	a = find_attr(nlh, sizeof(info), XFRMA_REPLAY_ESN_VAL);
	assert_non_null(a);
	assert_int_equal(mnl_attr_get_payload_len(a), sizeof(esn) + 4 * 4);
	memcpy(&esn, mnl_attr_get_payload(a), sizeof(esn));
	assert_int_equal(esn.bmp_len, 4);
	assert_int_equal(esn.replay_window, 128);

	a = find_attr(nlh, sizeof(info), XFRMA_ALG_AEAD);
	assert_non_null(a);
	assert_int_equal(mnl_attr_get_payload_len(a), sizeof(aead) + 36);
	memcpy(&aead, mnl_attr_get_payload(a), sizeof(aead));
	assert_string_equal(aead.alg_name, "rfc4106(gcm(aes))");
	assert_int_equal(aead.alg_key_len, 288);
	assert_int_equal(aead.alg_icv_len, 128);
	assert_memory_equal((const uint8_t *)mnl_attr_get_payload(a) + sizeof(aead),
	    key36, 36);
	assert_null(find_attr(nlh, sizeof(info), XFRMA_ALG_CRYPT));
	assert_null(find_attr(nlh, sizeof(info), XFRMA_ENCAP));
	assert_null(find_attr(nlh, sizeof(info), XFRMA_MARK));
	xfrm_msg_wipe(msgbuf, sizeof(msgbuf));
}

static void
sa_chacha_uses_rfc7539esp_name(void **state)
{
	struct kernel_sa sa;
	struct nlmsghdr *nlh;
	struct xfrm_algo_aead aead;
	const struct nlattr *a;
	int err;

	(void)state;
	base_sa(&sa);
	sa.enc = KERNEL_ENC_CHACHA20_POLY1305;
	nlh = xfrm_msg_new_sa(msgbuf, 1, &sa, true, &err);
	assert_non_null(nlh);
	assert_int_equal(nlh->nlmsg_type, XFRM_MSG_UPDSA);
	a = find_attr(nlh, sizeof(struct xfrm_usersa_info), XFRMA_ALG_AEAD);
	assert_non_null(a);
	memcpy(&aead, mnl_attr_get_payload(a), sizeof(aead));
	assert_string_equal(aead.alg_name, "rfc7539esp(chacha20,poly1305)");
	assert_int_equal(aead.alg_icv_len, 128);
}

static void
sa_cbc_hmac_truncation_follows_rfc4868(void **state)
{
	static const struct {
		enum kernel_integ integ;
		const char *name;
		size_t keylen;
		uint32_t trunc;
	} cases[] = {
		{ KERNEL_INTEG_HMAC_SHA2_256_128, "hmac(sha256)", 32, 128 },
		{ KERNEL_INTEG_HMAC_SHA2_384_192, "hmac(sha384)", 48, 192 },
		{ KERNEL_INTEG_HMAC_SHA2_512_256, "hmac(sha512)", 64, 256 },
	};
	struct kernel_sa sa;
	struct nlmsghdr *nlh;
	struct xfrm_algo c;
	struct xfrm_algo_auth i;
	const struct nlattr *a;
	size_t k;
	int err;

	(void)state;
	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		base_sa(&sa);
		sa.enc = KERNEL_ENC_AES_CBC;
		sa.enc_key_len = 32;
		sa.integ = cases[k].integ;
		sa.integ_key = key64;
		sa.integ_key_len = cases[k].keylen;
		nlh = xfrm_msg_new_sa(msgbuf, 1, &sa, false, &err);
		assert_non_null(nlh);
		assert_null(find_attr(nlh, sizeof(struct xfrm_usersa_info),
		    XFRMA_ALG_AEAD));
		a = find_attr(nlh, sizeof(struct xfrm_usersa_info), XFRMA_ALG_CRYPT);
		assert_non_null(a);
		memcpy(&c, mnl_attr_get_payload(a), sizeof(c));
		assert_string_equal(c.alg_name, "cbc(aes)");
		assert_int_equal(c.alg_key_len, 256);
		a = find_attr(nlh, sizeof(struct xfrm_usersa_info),
		    XFRMA_ALG_AUTH_TRUNC);
		assert_non_null(a);
		assert_int_equal(mnl_attr_get_payload_len(a),
		    sizeof(i) + cases[k].keylen);
		memcpy(&i, mnl_attr_get_payload(a), sizeof(i));
		assert_string_equal(i.alg_name, cases[k].name);
		assert_int_equal(i.alg_key_len, cases[k].keylen * 8);
		assert_int_equal(i.alg_trunc_len, cases[k].trunc);
		assert_memory_equal((const uint8_t *)mnl_attr_get_payload(a) +
		    sizeof(i), key64, cases[k].keylen);
	}
}

static void
sa_small_window_without_esn_uses_legacy_field(void **state)
{
	struct kernel_sa sa;
	struct nlmsghdr *nlh;
	struct xfrm_usersa_info info;
	int err;

	(void)state;
	base_sa(&sa);
	sa.esn = false;
	sa.replay_window = 32;
	nlh = xfrm_msg_new_sa(msgbuf, 1, &sa, false, &err);
	assert_non_null(nlh);
	payload(nlh, &info, sizeof(info));
	assert_int_equal(info.replay_window, 32);
	assert_false(info.flags & XFRM_STATE_ESN);
	assert_null(find_attr(nlh, sizeof(info), XFRMA_REPLAY_ESN_VAL));
}

static void
sa_esn_with_zero_window_needs_direction(void **state)
{
	struct kernel_sa sa;
	struct nlmsghdr *nlh;
	struct xfrm_replay_state_esn esn;
	const struct nlattr *a;
	int err;

	(void)state;
	base_sa(&sa);
	sa.replay_window = 0;
	/* outbound: Linux wants a non-zero ESN window, 1 is harmless */
	nlh = xfrm_msg_new_sa(msgbuf, 1, &sa, false, &err);
	assert_non_null(nlh);
	a = find_attr(nlh, sizeof(struct xfrm_usersa_info), XFRMA_REPLAY_ESN_VAL);
	assert_non_null(a);
	memcpy(&esn, mnl_attr_get_payload(a), sizeof(esn));
	assert_int_equal(esn.replay_window, 1);
	assert_int_equal(esn.bmp_len, 1);
	/* inbound without anti-replay cannot be expressed with ESN */
	sa.inbound = true;
	assert_null(xfrm_msg_new_sa(msgbuf, 1, &sa, false, &err));
	assert_int_equal(err, -EINVAL);
}

static void
sa_encap_and_mark_attributes(void **state)
{
	struct kernel_sa sa;
	struct nlmsghdr *nlh;
	struct xfrm_encap_tmpl e;
	struct xfrm_mark m;
	struct xfrm_usersa_info info;
	const struct nlattr *a;
	int err;

	(void)state;
	base_sa(&sa);
	sa.mode = KERNEL_MODE_TUNNEL;
	sa.encap.enabled = true;
	sa.encap.sport = 4500;
	sa.encap.dport = 31337;
	sa.mark.value = 0x55;
	sa.mark.mask = 0xff;
	nlh = xfrm_msg_new_sa(msgbuf, 1, &sa, false, &err);
	assert_non_null(nlh);
	payload(nlh, &info, sizeof(info));
	assert_int_equal(info.mode, XFRM_MODE_TUNNEL);
	a = find_attr(nlh, sizeof(info), XFRMA_ENCAP);
	assert_non_null(a);
	memcpy(&e, mnl_attr_get_payload(a), sizeof(e));
	assert_int_equal(e.encap_type, UDP_ENCAP_ESPINUDP);
	assert_int_equal(e.encap_sport, htons(4500));
	assert_int_equal(e.encap_dport, htons(31337));
	a = find_attr(nlh, sizeof(info), XFRMA_MARK);
	assert_non_null(a);
	memcpy(&m, mnl_attr_get_payload(a), sizeof(m));
	assert_int_equal(m.v, 0x55);
	assert_int_equal(m.m, 0xff);
}

static void
sa_message_parses_back_to_same_description(void **state)
{
	struct kernel_sa sa;
	struct nlmsghdr *nlh;
	struct xfrm_sa_report r;
	int err;

	(void)state;
	base_sa(&sa);
	addr(&sa.src, "2001:db8::1");
	addr(&sa.dst, "2001:db8::2");
	sa.enc = KERNEL_ENC_AES_CBC;
	sa.enc_key_len = 16;
	sa.integ = KERNEL_INTEG_HMAC_SHA2_512_256;
	sa.integ_key = key64;
	sa.integ_key_len = 64;
	sa.encap.enabled = true;
	sa.encap.sport = 4500;
	sa.encap.dport = 4501;
	sa.mark.value = 7;
	sa.mark.mask = 0xf;
	nlh = xfrm_msg_new_sa(msgbuf, 1, &sa, false, &err);
	assert_non_null(nlh);
	assert_int_equal(xfrm_msg_parse_sa(nlh, nlh->nlmsg_len, &r), 0);
	assert_true(kernel_addr_equal(&r.sa.src, &sa.src));
	assert_true(kernel_addr_equal(&r.sa.dst, &sa.dst));
	assert_int_equal(r.sa.spi, sa.spi);
	assert_int_equal(r.sa.reqid, sa.reqid);
	assert_int_equal(r.sa.enc, KERNEL_ENC_AES_CBC);
	assert_int_equal(r.sa.integ, KERNEL_INTEG_HMAC_SHA2_512_256);
	assert_int_equal(r.sa.enc_key_len, 16);
	assert_memory_equal(r.sa.enc_key, key36, 16);
	assert_int_equal(r.sa.integ_key_len, 64);
	assert_memory_equal(r.sa.integ_key, key64, 64);
	assert_int_equal(r.trunc_bits, 256);
	assert_true(r.sa.esn);
	assert_int_equal(r.sa.replay_window, 128);
	assert_true(r.sa.encap.enabled);
	assert_int_equal(r.sa.encap.sport, 4500);
	assert_int_equal(r.sa.encap.dport, 4501);
	assert_int_equal(r.sa.mark.value, 7);
	assert_int_equal(r.sa.mark.mask, 0xf);
	assert_int_equal(r.sa.lifetime.soft_bytes, 1000000);
	assert_int_equal(r.sa.lifetime.hard_bytes, 0);
	assert_int_equal(r.sa.lifetime.hard_seconds, 3600);
}

static void
sa_parse_rejects_key_longer_than_attribute(void **state)
{
	struct kernel_sa sa;
	struct nlmsghdr *nlh;
	struct xfrm_sa_report r;
	struct nlattr *a;
	uint32_t bits = 4096;
	int err;

	(void)state;
	base_sa(&sa);
	nlh = xfrm_msg_new_sa(msgbuf, 1, &sa, false, &err);
	assert_non_null(nlh);
	a = (struct nlattr *)(uintptr_t)find_attr(nlh,
	    sizeof(struct xfrm_usersa_info), XFRMA_ALG_AEAD);
	assert_non_null(a);
	memcpy((uint8_t *)mnl_attr_get_payload(a) +
	    offsetof(struct xfrm_algo_aead, alg_key_len), &bits, sizeof(bits));
	assert_int_equal(xfrm_msg_parse_sa(nlh, nlh->nlmsg_len, &r), -EINVAL);
}

static void
sa_builder_rejects_mixed_families_and_huge_window(void **state)
{
	struct kernel_sa sa;
	int err = 0;

	(void)state;
	base_sa(&sa);
	addr(&sa.dst, "2001:db8::2");
	assert_null(xfrm_msg_new_sa(msgbuf, 1, &sa, false, &err));
	assert_int_equal(err, -EINVAL);
	base_sa(&sa);
	sa.replay_window = 5000;
	assert_null(xfrm_msg_new_sa(msgbuf, 1, &sa, false, &err));
	base_sa(&sa);
	sa.enc = (enum kernel_enc)99;
	assert_null(xfrm_msg_new_sa(msgbuf, 1, &sa, false, &err));
}

static void
base_policy(struct kernel_policy *p, enum kernel_policy_action action)
{
	memset(p, 0, sizeof(*p));
	addr(&p->sel.src, "198.51.100.1");
	addr(&p->sel.dst, "198.51.100.0");
	p->sel.family = AF_INET;
	p->sel.src_plen = 32;
	p->sel.dst_plen = 24;
	p->sel.proto = IPPROTO_TCP;
	p->sel.dport = 443;
	p->dir = KERNEL_DIR_OUT;
	p->action = action;
	p->priority = 0x6f6010;
	p->reqid = 0x6f650009;
	p->mode = KERNEL_MODE_TRANSPORT;
}

static void
policy_trap_message_layout(void **state)
{
	struct kernel_policy p, back;
	struct nlmsghdr *nlh;
	struct xfrm_userpolicy_info info;
	struct xfrm_user_tmpl t;
	const struct nlattr *a;
	int err;

	(void)state;
	base_policy(&p, KERNEL_POLICY_TRAP);
	nlh = xfrm_msg_new_policy(msgbuf, 9, &p, false, &err);
	assert_non_null(nlh);
	assert_int_equal(nlh->nlmsg_type, XFRM_MSG_NEWPOLICY);
	payload(nlh, &info, sizeof(info));
	assert_int_equal(info.dir, XFRM_POLICY_OUT);
	assert_int_equal(info.action, XFRM_POLICY_ALLOW);
	assert_int_equal(info.priority, 0x6f6010);
	assert_int_equal(info.sel.family, AF_INET);
	assert_int_equal(info.sel.prefixlen_d, 24);
	assert_int_equal(info.sel.proto, IPPROTO_TCP);
	assert_int_equal(info.sel.dport, htons(443));
	assert_int_equal(info.sel.dport_mask, 0xffff);
	assert_int_equal(info.sel.sport_mask, 0);
	assert_true(info.lft.hard_byte_limit == XFRM_INF);
	a = find_attr(nlh, sizeof(info), XFRMA_TMPL);
	assert_non_null(a);
	assert_int_equal(mnl_attr_get_payload_len(a), sizeof(t));
	memcpy(&t, mnl_attr_get_payload(a), sizeof(t));
	assert_int_equal(t.id.proto, IPPROTO_ESP);
	assert_int_equal(t.reqid, 0x6f650009);
	assert_int_equal(t.mode, XFRM_MODE_TRANSPORT);
	assert_int_equal(t.optional, 0);	/* level required: fail closed */
	assert_int_equal(t.family, AF_INET);
	assert_int_equal(xfrm_msg_parse_policy(nlh, nlh->nlmsg_len, &back), 0);
	/* TRAP and IPSEC are the same on the wire */
	assert_int_equal(back.action, KERNEL_POLICY_IPSEC);
	assert_true(kernel_selector_equal(&back.sel, &p.sel));
	assert_int_equal(back.reqid, p.reqid);
	assert_int_equal(back.priority, p.priority);
	assert_int_equal(back.dir, KERNEL_DIR_OUT);
}

static void
policy_optional_trap_sets_level_use(void **state)
{
	struct kernel_policy p, back;
	struct nlmsghdr *nlh;
	struct xfrm_user_tmpl t;
	const struct nlattr *a;
	int err;

	(void)state;
	base_policy(&p, KERNEL_POLICY_TRAP_OPTIONAL);
	nlh = xfrm_msg_new_policy(msgbuf, 9, &p, true, &err);
	assert_non_null(nlh);
	assert_int_equal(nlh->nlmsg_type, XFRM_MSG_UPDPOLICY);
	a = find_attr(nlh, sizeof(struct xfrm_userpolicy_info), XFRMA_TMPL);
	assert_non_null(a);
	memcpy(&t, mnl_attr_get_payload(a), sizeof(t));
	assert_int_equal(t.optional, 1);
	assert_int_equal(xfrm_msg_parse_policy(nlh, nlh->nlmsg_len, &back), 0);
	assert_int_equal(back.action, KERNEL_POLICY_TRAP_OPTIONAL);
}

static void
policy_pass_and_drop_have_no_template(void **state)
{
	struct kernel_policy p, back;
	struct nlmsghdr *nlh;
	struct xfrm_userpolicy_info info;
	int err;

	(void)state;
	base_policy(&p, KERNEL_POLICY_PASS);
	p.hard_seconds = 30;
	nlh = xfrm_msg_new_policy(msgbuf, 9, &p, false, &err);
	assert_non_null(nlh);
	payload(nlh, &info, sizeof(info));
	assert_int_equal(info.action, XFRM_POLICY_ALLOW);
	assert_int_equal(info.lft.hard_add_expires_seconds, 30);
	assert_null(find_attr(nlh, sizeof(info), XFRMA_TMPL));
	assert_int_equal(xfrm_msg_parse_policy(nlh, nlh->nlmsg_len, &back), 0);
	assert_int_equal(back.action, KERNEL_POLICY_PASS);
	assert_int_equal(back.hard_seconds, 30);

	base_policy(&p, KERNEL_POLICY_DROP);
	nlh = xfrm_msg_new_policy(msgbuf, 9, &p, false, &err);
	assert_non_null(nlh);
	payload(nlh, &info, sizeof(info));
	assert_int_equal(info.action, XFRM_POLICY_BLOCK);
	assert_null(find_attr(nlh, sizeof(info), XFRMA_TMPL));
	assert_int_equal(xfrm_msg_parse_policy(nlh, nlh->nlmsg_len, &back), 0);
	assert_int_equal(back.action, KERNEL_POLICY_DROP);
}

static void
policy_tunnel_template_carries_endpoints(void **state)
{
	struct kernel_policy p, back;
	struct nlmsghdr *nlh;
	struct xfrm_user_tmpl t;
	const struct nlattr *a;
	int err;

	(void)state;
	base_policy(&p, KERNEL_POLICY_IPSEC);
	addr(&p.sel.src, "2001:db8:1::");
	addr(&p.sel.dst, "2001:db8:2::");
	p.sel.family = AF_INET6;
	p.sel.src_plen = p.sel.dst_plen = 48;
	p.mode = KERNEL_MODE_TUNNEL;
	addr(&p.tmpl_src, "203.0.113.1");
	addr(&p.tmpl_dst, "203.0.113.2");
	p.dir = KERNEL_DIR_FWD;
	nlh = xfrm_msg_new_policy(msgbuf, 9, &p, false, &err);
	assert_non_null(nlh);
	a = find_attr(nlh, sizeof(struct xfrm_userpolicy_info), XFRMA_TMPL);
	assert_non_null(a);
	memcpy(&t, mnl_attr_get_payload(a), sizeof(t));
	assert_int_equal(t.mode, XFRM_MODE_TUNNEL);
	/* an IPv6 flow in an IPv4 tunnel: the template has its own family */
	assert_int_equal(t.family, AF_INET);
	assert_memory_equal(&t.id.daddr, p.tmpl_dst.u.bytes, 4);
	assert_memory_equal(&t.saddr, p.tmpl_src.u.bytes, 4);
	assert_int_equal(xfrm_msg_parse_policy(nlh, nlh->nlmsg_len, &back), 0);
	assert_int_equal(back.mode, KERNEL_MODE_TUNNEL);
	assert_int_equal(back.dir, KERNEL_DIR_FWD);
	assert_true(kernel_addr_equal(&back.tmpl_dst, &p.tmpl_dst));
	assert_true(kernel_addr_equal(&back.tmpl_src, &p.tmpl_src));
	assert_true(kernel_selector_equal(&back.sel, &p.sel));
}

static void
policy_builders_reject_bad_selectors(void **state)
{
	struct kernel_policy p;
	int err = 0;

	(void)state;
	base_policy(&p, KERNEL_POLICY_PASS);
	p.sel.dst_plen = 33;
	assert_null(xfrm_msg_new_policy(msgbuf, 1, &p, false, &err));
	assert_int_equal(err, -EINVAL);
	assert_null(xfrm_msg_del_policy(msgbuf, 1, &p.sel, KERNEL_DIR_OUT, NULL,
	    &err));
	base_policy(&p, KERNEL_POLICY_IPSEC);
	p.mode = KERNEL_MODE_TUNNEL;	/* no tunnel endpoints */
	assert_null(xfrm_msg_new_policy(msgbuf, 1, &p, false, &err));
	base_policy(&p, KERNEL_POLICY_PASS);
	p.dir = (enum kernel_dir)3;
	assert_null(xfrm_msg_new_policy(msgbuf, 1, &p, false, &err));
}

static void
alloc_spi_message_layout(void **state)
{
	struct kernel_addr src, dst;
	struct nlmsghdr *nlh;
	struct xfrm_userspi_info spi;
	int err;

	(void)state;
	addr(&src, "2001:db8::1");
	addr(&dst, "2001:db8::2");
	nlh = xfrm_msg_alloc_spi(msgbuf, 3, &src, &dst, 0x6f650001, 0x100,
	    0xffffffff, &err);
	assert_non_null(nlh);
	assert_int_equal(nlh->nlmsg_type, XFRM_MSG_ALLOCSPI);
	payload(nlh, &spi, sizeof(spi));
	assert_int_equal(spi.info.family, AF_INET6);
	assert_int_equal(spi.info.id.proto, IPPROTO_ESP);
	assert_int_equal(spi.info.reqid, 0x6f650001);
	assert_int_equal(spi.min, 0x100);
	assert_int_equal(spi.max, 0xffffffff);
	assert_memory_equal(&spi.info.id.daddr, dst.u.bytes, 16);
	/* reserved SPIs and mixed families are refused */
	assert_null(xfrm_msg_alloc_spi(msgbuf, 3, &src, &dst, 1, 1, 0xff, &err));
	addr(&src, "198.51.100.1");
	assert_null(xfrm_msg_alloc_spi(msgbuf, 3, &src, &dst, 1, 0x100,
	    0x200, &err));
}

static void
sa_id_message_layout(void **state)
{
	struct kernel_sa_id id;
	struct nlmsghdr *nlh;
	struct xfrm_usersa_id x;
	int err;

	(void)state;
	memset(&id, 0, sizeof(id));
	addr(&id.dst, "198.51.100.2");
	id.spi = 0x01020304;
	nlh = xfrm_msg_sa_id(msgbuf, 3, &id, false, &err);
	assert_non_null(nlh);
	assert_int_equal(nlh->nlmsg_type, XFRM_MSG_DELSA);
	payload(nlh, &x, sizeof(x));
	assert_int_equal(x.spi, htonl(0x01020304));
	assert_int_equal(x.proto, IPPROTO_ESP);
	assert_int_equal(x.family, AF_INET);
	nlh = xfrm_msg_sa_id(msgbuf, 3, &id, true, &err);
	assert_int_equal(nlh->nlmsg_type, XFRM_MSG_GETSA);
}

/* Captured events -------------------------------------------------- */

static void
parses_captured_ipv4_acquire(void **state)
{
	struct kernel_acquire a;
	struct kernel_addr want;

	(void)state;
	assert_int_equal(xfrm_msg_parse_acquire(
	    (const struct nlmsghdr *)(const void *)acquire_v4_host,
	    sizeof(acquire_v4_host), &a), 0);
	assert_int_equal(a.sel.family, AF_INET);
	addr(&want, "127.0.0.1");
	assert_true(kernel_addr_equal(&a.sel.src, &want));
	assert_true(kernel_addr_equal(&a.src, &want));
	addr(&want, "127.0.0.2");
	assert_true(kernel_addr_equal(&a.sel.dst, &want));
	assert_true(kernel_addr_equal(&a.dst, &want));
	assert_int_equal(a.sel.src_plen, 32);
	assert_int_equal(a.sel.proto, IPPROTO_UDP);
	assert_int_equal(a.sel.dport, 9);
	assert_int_equal(a.sel.sport, 4444);
	assert_int_equal(a.reqid, 0x6f650001);
	assert_int_equal(a.dir, KERNEL_DIR_OUT);
	assert_int_not_equal(a.policy_index, 0);
	assert_int_equal(a.policy_index & 7, XFRM_POLICY_OUT);
}

static void
parses_captured_ipv6_acquire(void **state)
{
	struct kernel_acquire a;
	struct kernel_addr want;

	(void)state;
	assert_int_equal(xfrm_msg_parse_acquire(
	    (const struct nlmsghdr *)(const void *)acquire_v6_host,
	    sizeof(acquire_v6_host), &a), 0);
	assert_int_equal(a.sel.family, AF_INET6);
	addr(&want, "::1");
	assert_true(kernel_addr_equal(&a.sel.src, &want));
	assert_true(kernel_addr_equal(&a.dst, &want));
	assert_int_equal(a.sel.dst_plen, 128);
	assert_int_equal(a.sel.dport, 10);
	assert_int_equal(a.sel.sport, 4445);
	assert_int_equal(a.reqid, 0x6f650002);
}

static void
parses_captured_hard_polexpire(void **state)
{
	struct kernel_polexpire p;
	struct kernel_addr want;

	(void)state;
	assert_int_equal(xfrm_msg_parse_polexpire(
	    (const struct nlmsghdr *)(const void *)polexpire_v4_host,
	    sizeof(polexpire_v4_host), &p), 0);
	assert_true(p.hard);
	assert_int_equal(p.dir, KERNEL_DIR_OUT);
	assert_int_equal(p.priority, 0x6f6002);
	addr(&want, "127.0.0.4");
	assert_true(kernel_addr_equal(&p.sel.dst, &want));
	assert_int_equal(p.index & 7, XFRM_POLICY_OUT);
}

struct captured {
	const uint8_t	*bytes;
	size_t		 len;
	int		(*parse)(const uint8_t *b, size_t len);
};

static int
parse_acq(const uint8_t *b, size_t len)
{
	struct kernel_acquire a;

	return xfrm_msg_parse_acquire((const struct nlmsghdr *)(const void *)b,
	    len, &a);
}

static int
parse_polexp(const uint8_t *b, size_t len)
{
	struct kernel_polexpire p;

	return xfrm_msg_parse_polexpire((const struct nlmsghdr *)(const void *)b,
	    len, &p);
}

static int
parse_exp(const uint8_t *b, size_t len)
{
	struct kernel_expire e;

	return xfrm_msg_parse_expire((const struct nlmsghdr *)(const void *)b,
	    len, &e);
}

static int
parse_sa(const uint8_t *b, size_t len)
{
	struct xfrm_sa_report r;

	return xfrm_msg_parse_sa((const struct nlmsghdr *)(const void *)b,
	    len, &r);
}

static int
parse_pol(const uint8_t *b, size_t len)
{
	struct kernel_policy p;

	return xfrm_msg_parse_policy((const struct nlmsghdr *)(const void *)b,
	    len, &p);
}

static const struct captured captures[] = {
	{ acquire_v4_host, sizeof(acquire_v4_host), parse_acq },
	{ acquire_v6_host, sizeof(acquire_v6_host), parse_acq },
	{ polexpire_v4_host, sizeof(polexpire_v4_host), parse_polexp },
	{ acquire_v4_uml, sizeof(acquire_v4_uml), parse_acq },
	{ expire_soft_uml, sizeof(expire_soft_uml), parse_exp },
	{ expire_hard_uml, sizeof(expire_hard_uml), parse_exp },
};

static void
parsers_reject_every_truncation(void **state)
{
	uint64_t copy[1024 / 8];
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(captures) / sizeof(captures[0]); i++) {
		assert_true(captures[i].len <= sizeof(copy));
		for (len = 0; len < captures[i].len; len++) {
			/* heap copy of exactly len bytes: ASan sees overreads */
			uint8_t *b = malloc(len + 1);

			memcpy(b, captures[i].bytes, len);
			assert_int_equal(captures[i].parse(b, len), -EINVAL);
			free(b);
		}
		/* a header that claims less than the fixed part */
		memcpy(copy, captures[i].bytes, captures[i].len);
		((struct nlmsghdr *)copy)->nlmsg_len = MNL_NLMSG_HDRLEN + 8;
		assert_int_equal(captures[i].parse((uint8_t *)copy,
		    captures[i].len), -EINVAL);
	}
}

static void
parsers_check_message_type(void **state)
{
	(void)state;
	assert_int_equal(parse_exp(acquire_v4_host, sizeof(acquire_v4_host)),
	    -EINVAL);
	assert_int_equal(parse_acq(polexpire_v4_host, sizeof(polexpire_v4_host)),
	    -EINVAL);
	assert_int_equal(parse_polexp(expire_hard_uml, sizeof(expire_hard_uml)),
	    -EINVAL);
	assert_int_equal(parse_sa(acquire_v6_host, sizeof(acquire_v6_host)),
	    -EINVAL);
	assert_int_equal(parse_pol(acquire_v6_host, sizeof(acquire_v6_host)),
	    -EINVAL);
}

/*
 * Random corruption of real messages: every parser must either accept
 * or reject, never read outside the buffer (the sanitizer build checks).
 */
static void
parsers_survive_corrupted_messages(void **state)
{
	int (*parsers[])(const uint8_t *, size_t) = {
		parse_acq, parse_polexp, parse_exp, parse_sa, parse_pol,
	};
	size_t i, p, round;
	unsigned int seed = 12345;

	(void)state;
	for (i = 0; i < sizeof(captures) / sizeof(captures[0]); i++) {
		for (round = 0; round < 2000; round++) {
			size_t len = captures[i].len;
			uint8_t *b = malloc(len);
			int flips = 1 + rand_r(&seed) % 8, f, ret;

			memcpy(b, captures[i].bytes, len);
			for (f = 0; f < flips; f++)
				b[(size_t)rand_r(&seed) % len] =
				    (uint8_t)rand_r(&seed);
			for (p = 0; p < sizeof(parsers) / sizeof(parsers[0]); p++) {
				ret = parsers[p](b, len);
				assert_true(ret == 0 || ret == -EINVAL ||
				    ret == -ENOTSUP);
			}
			free(b);
		}
	}
}

static void
parses_netlink_error_and_ack(void **state)
{
	uint64_t b[8];
	struct nlmsghdr *nlh = (struct nlmsghdr *)b;
	int err = 1, e = -EEXIST;

	(void)state;
	memset(b, 0, sizeof(b));
	nlh->nlmsg_len = MNL_NLMSG_HDRLEN + sizeof(struct nlmsgerr);
	nlh->nlmsg_type = NLMSG_ERROR;
	memcpy((uint8_t *)b + MNL_NLMSG_HDRLEN, &e, sizeof(e));
	assert_int_equal(xfrm_msg_parse_error(nlh, sizeof(b), &err), 0);
	assert_int_equal(err, -EEXIST);
	e = 0;
	memcpy((uint8_t *)b + MNL_NLMSG_HDRLEN, &e, sizeof(e));
	assert_int_equal(xfrm_msg_parse_error(nlh, sizeof(b), &err), 0);
	assert_int_equal(err, 0);
	e = 5;	/* positive: not something the kernel sends */
	memcpy((uint8_t *)b + MNL_NLMSG_HDRLEN, &e, sizeof(e));
	assert_int_equal(xfrm_msg_parse_error(nlh, sizeof(b), &err), -EINVAL);
	assert_int_equal(xfrm_msg_parse_error(nlh, 10, &err), -EINVAL);
}

static void
parses_captured_uml_acquire(void **state)
{
	struct kernel_acquire a;
	struct kernel_addr want;

	(void)state;
	assert_int_equal(xfrm_msg_parse_acquire(
	    (const struct nlmsghdr *)(const void *)acquire_v4_uml,
	    sizeof(acquire_v4_uml), &a), 0);
	addr(&want, "198.51.100.1");
	assert_true(kernel_addr_equal(&a.sel.src, &want));
	assert_true(kernel_addr_equal(&a.src, &want));
	addr(&want, "198.51.100.2");
	assert_true(kernel_addr_equal(&a.dst, &want));
	assert_int_equal(a.sel.proto, IPPROTO_UDP);
	assert_int_equal(a.sel.sport, 40000);
	assert_int_equal(a.sel.dport, 7777);
	assert_int_equal(a.reqid, 0x6f650002);
	assert_int_equal(a.dir, KERNEL_DIR_OUT);
	assert_int_equal(a.policy_index & 7, XFRM_POLICY_OUT);
}

static void
parses_captured_uml_soft_and_hard_expire(void **state)
{
	struct kernel_expire e;
	struct kernel_addr want;

	(void)state;
	addr(&want, "198.51.100.3");
	assert_int_equal(xfrm_msg_parse_expire(
	    (const struct nlmsghdr *)(const void *)expire_soft_uml,
	    sizeof(expire_soft_uml), &e), 0);
	assert_false(e.hard);
	assert_int_equal(e.spi, 0x3000);
	assert_int_equal(e.reqid, 0x6f650001);
	assert_true(kernel_addr_equal(&e.dst, &want));
	assert_int_equal(e.stats.packets, 0);
	assert_int_not_equal(e.stats.add_time, 0);
	assert_int_equal(xfrm_msg_parse_expire(
	    (const struct nlmsghdr *)(const void *)expire_hard_uml,
	    sizeof(expire_hard_uml), &e), 0);
	assert_true(e.hard);
	assert_int_equal(e.spi, 0x3000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sa_gcm_esn_message_layout),
		cmocka_unit_test(sa_chacha_uses_rfc7539esp_name),
		cmocka_unit_test(sa_cbc_hmac_truncation_follows_rfc4868),
		cmocka_unit_test(sa_small_window_without_esn_uses_legacy_field),
		cmocka_unit_test(sa_esn_with_zero_window_needs_direction),
		cmocka_unit_test(sa_encap_and_mark_attributes),
		cmocka_unit_test(sa_message_parses_back_to_same_description),
		cmocka_unit_test(sa_parse_rejects_key_longer_than_attribute),
		cmocka_unit_test(sa_builder_rejects_mixed_families_and_huge_window),
		cmocka_unit_test(policy_trap_message_layout),
		cmocka_unit_test(policy_optional_trap_sets_level_use),
		cmocka_unit_test(policy_pass_and_drop_have_no_template),
		cmocka_unit_test(policy_tunnel_template_carries_endpoints),
		cmocka_unit_test(policy_builders_reject_bad_selectors),
		cmocka_unit_test(alloc_spi_message_layout),
		cmocka_unit_test(sa_id_message_layout),
		cmocka_unit_test(parses_captured_ipv4_acquire),
		cmocka_unit_test(parses_captured_ipv6_acquire),
		cmocka_unit_test(parses_captured_hard_polexpire),
		cmocka_unit_test(parses_captured_uml_acquire),
		cmocka_unit_test(parses_captured_uml_soft_and_hard_expire),
		cmocka_unit_test(parsers_reject_every_truncation),
		cmocka_unit_test(parsers_check_message_type),
		cmocka_unit_test(parsers_survive_corrupted_messages),
		cmocka_unit_test(parses_netlink_error_and_ack),
	};

	return cmocka_run_group_tests_name("xfrm_msg", tests, NULL, NULL);
}
