/*
 * XFRM netlink message codec: builds the requests the XFRM backend sends
 * and parses what the kernel sends back (replies, dump entries and the
 * ACQUIRE/EXPIRE/POLEXPIRE events), on plain byte buffers.  No sockets
 * here, so every message can be unit-tested from captured bytes.
 *
 * Builders write one message into `buf` (at least XFRM_MSG_BUFSIZE bytes,
 * suitably aligned for struct nlmsghdr) and return its header, or NULL
 * with errno-style error through *err when the description is invalid.
 * Buffers holding SA messages contain key material: the caller zeroes
 * them after use (xfrm_msg_wipe()).
 *
 * Parsers take a message of `len` bytes as received (len bounds every
 * read; nlmsg_len is checked against it), copy fixed headers into local
 * structs and never trust a length field from the message.
 */
#ifndef OE_XFRM_MSG_H
#define OE_XFRM_MSG_H

#include <stddef.h>
#include <stdint.h>
#include <linux/netlink.h>

#include "kernel.h"

#define XFRM_MSG_BUFSIZE	8192

struct nlmsghdr *xfrm_msg_alloc_spi(void *buf, uint32_t seq,
	    const struct kernel_addr *src, const struct kernel_addr *dst,
	    uint32_t reqid, uint32_t spi_min, uint32_t spi_max, int *err);
/* NEWSA (update=false) or UPDSA (update=true). */
struct nlmsghdr *xfrm_msg_new_sa(void *buf, uint32_t seq,
	    const struct kernel_sa *sa, bool update, int *err);
/* DELSA (get=false) or GETSA (get=true). */
struct nlmsghdr *xfrm_msg_sa_id(void *buf, uint32_t seq,
	    const struct kernel_sa_id *id, bool get, int *err);
/* NEWPOLICY (replace=false) or UPDPOLICY (replace=true). */
struct nlmsghdr *xfrm_msg_new_policy(void *buf, uint32_t seq,
	    const struct kernel_policy *pol, bool replace, int *err);
struct nlmsghdr *xfrm_msg_del_policy(void *buf, uint32_t seq,
	    const struct kernel_selector *sel, enum kernel_dir dir,
	    const struct kernel_mark *mark, int *err);
/* A dump request: type XFRM_MSG_GETSA or XFRM_MSG_GETPOLICY. */
struct nlmsghdr *xfrm_msg_dump(void *buf, uint32_t seq, uint16_t type);

void	xfrm_msg_wipe(void *buf, size_t len);

/* An SA as the kernel reports it (NEWSA reply or dump entry). */
struct xfrm_sa_report {
	struct kernel_sa	 sa;	/* key pointers point into the message */
	struct kernel_sa_stats	 stats;
	char			 enc_name[64];
	char			 integ_name[64];
	uint32_t		 icv_bits;	/* AEAD */
	uint32_t		 trunc_bits;	/* integrity */
	uint32_t		 oseq;
	uint32_t		 seq;
};

/*
 * Each returns 0, -EINVAL for malformed input (nothing was filled in
 * usable form), or -ENOTSUP for a well-formed message we cannot map
 * (e.g. an SA with an algorithm we never install).  They check the
 * message type.
 */
int	xfrm_msg_parse_sa(const struct nlmsghdr *nlh, size_t len,
	    struct xfrm_sa_report *out);
int	xfrm_msg_parse_policy(const struct nlmsghdr *nlh, size_t len,
	    struct kernel_policy *out);
int	xfrm_msg_parse_acquire(const struct nlmsghdr *nlh, size_t len,
	    struct kernel_acquire *out);
int	xfrm_msg_parse_expire(const struct nlmsghdr *nlh, size_t len,
	    struct kernel_expire *out);
int	xfrm_msg_parse_polexpire(const struct nlmsghdr *nlh, size_t len,
	    struct kernel_polexpire *out);
/* NLMSG_ERROR: *errnum gets the (negative) errno, 0 for an ACK. */
int	xfrm_msg_parse_error(const struct nlmsghdr *nlh, size_t len, int *errnum);

/* Kernel algorithm names for our transforms (NULL if unknown). */
const char *xfrm_enc_name(enum kernel_enc enc);
const char *xfrm_integ_name(enum kernel_integ integ);

#endif /* OE_XFRM_MSG_H */
