/*
 * libFuzzer target for the XFRM netlink message parsers (iked/xfrm_msg.c):
 * every parser gets every input.  Netlink messages come from the kernel,
 * but a parser that trusts a length field is a bug wherever the bytes
 * come from.  Seeds: ACQUIRE, EXPIRE and POLEXPIRE messages captured from
 * the host kernel and from the user-mode Linux guest.
 *
 * Built by test/fuzz/run (test/Makefile.am: fuzz/fuzz_xfrm_msg).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netlink.h>

#include "kernel.h"
#include "xfrm_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct xfrm_sa_report sa;
	struct kernel_policy pol;
	struct kernel_acquire acq;
	struct kernel_expire exp;
	struct kernel_polexpire pexp;
	const struct nlmsghdr *nlh;
	void *buf;
	int err;

	if (len < sizeof(struct nlmsghdr) || len > 65536)
		return 0;
	/* The socket code hands the parsers an aligned receive buffer. */
	buf = malloc(len);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, len);
	nlh = buf;
	(void)xfrm_msg_parse_sa(nlh, len, &sa);
	(void)xfrm_msg_parse_policy(nlh, len, &pol);
	(void)xfrm_msg_parse_acquire(nlh, len, &acq);
	(void)xfrm_msg_parse_expire(nlh, len, &exp);
	(void)xfrm_msg_parse_polexpire(nlh, len, &pexp);
	(void)xfrm_msg_parse_error(nlh, len, &err);
	free(buf);
	return 0;
}
