/*
 * TTL clamping: see oeu_ttl.h.
 */
#include "oeu_ttl.h"

uint32_t
oeu_sig_remaining(uint32_t sig_time, time_t now)
{
	/* the difference modulo 2^32, read as signed: RFC 1982 ordering */
	uint32_t diff = sig_time - (uint32_t)(uint64_t)now;

	if (diff == 0 || diff >= 0x80000000u)
		return 0;
	return diff;
}

static uint32_t
min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

uint32_t
oeu_ttl_clamp(const struct oeu_ttl_input *in)
{
	uint32_t ttl = min_u32(in->answer_ttl, in->max_ttl);

	if (in->keyed) {
		ttl = min_u32(ttl, in->key_ttl);
		ttl = min_u32(ttl, oeu_sig_remaining(in->sig_expiration,
		    in->now));
	}
	if (in->sa_up) {
		/* strictly below the SA's life, with a margin */
		uint32_t sa = in->sa_lifetime > OEU_SA_MARGIN ?
		    in->sa_lifetime - OEU_SA_MARGIN : 0;
		ttl = min_u32(ttl, sa);
	}
	return ttl;
}
