/*
 * Key exchange: RFC 5903 §8 ECDH vectors (groups 19, 20, 21), RFC 7748
 * §6.1 X25519, RFC 3526 group sizes, generated round trips and the
 * peer-value checks.
 */
#include "config.h"

#include "test_crypto_util.h"

#include "crypto.h"
#include "crypto_dh.h"
#include "crypto_prf.h"

static struct crypto_nss *nss;

static int
setup(void **state)
{
	(void)state;
	nss = crypto_nss_init(NULL, false);
	return nss != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	crypto_nss_shutdown(nss);
	return 0;
}

struct dh_kat {
	uint16_t	 group;
	const char	*i, *gi, *r, *gr, *gir;
};

/* RFC 5903 §8.1: KE data is gx || gy, g^ir is the x coordinate. */
static const struct dh_kat ecp256 = {
	IKEV2_DH_ECP256,
	"C88F01F5 10D9AC3F 70A292DA A2316DE5 44E9AAB8 AFE84049 C62A9C57 862D1433",
	"DAD0B653 94221CF9 B051E1FE CA5787D0 98DFE637 FC90B9EF 945D0C37 72581180"
	"5271A046 1CDB8252 D61F1C45 6FA3E59A B1F45B33 ACCF5F58 389E0577 B8990BB3",
	"C6EF9C5D 78AE012A 011164AC B397CE20 88685D8F 06BF9BE0 B283AB46 476BEE53",
	"D12DFB52 89C8D4F8 1208B702 70398C34 2296970A 0BCCB74C 736FC755 4494BF63"
	"56FBF3CA 366CC23E 8157854C 13C58D6A AC23F046 ADA30F83 53E74F33 039872AB",
	"D6840F6B 42F6EDAF D13116E0 E1256520 2FEF8E9E CE7DCE03 812464D0 4B9442DE",
};

/* RFC 5903 §8.2 */
static const struct dh_kat ecp384 = {
	IKEV2_DH_ECP384,
	"099F3C70 34D4A2C6 99884D73 A375A67F 7624EF7C 6B3C0F16 0647B674 14DCE655"
	"E35B5380 41E649EE 3FAEF896 783AB194",
	"667842D7 D180AC2C DE6F74F3 7551F557 55C7645C 20EF73E3 1634FE72 B4C55EE6"
	"DE3AC808 ACB4BDB4 C88732AE E95F41AA"
	"9482ED1F C0EEB9CA FC498462 5CCFC23F 65032149 E0E144AD A0241815 35A0F38E"
	"EB9FCFF3 C2C947DA E69B4C63 4573A81C",
	"41CB0779 B4BDB85D 47846725 FBEC3C94 30FAB46C C8DC5060 855CC9BD A0AA2942"
	"E0308312 916B8ED2 960E4BD5 5A7448FC",
	"E558DBEF 53EECDE3 D3FCCFC1 AEA08A89 A987475D 12FD950D 83CFA417 32BC509D"
	"0D1AC43A 0336DEF9 6FDA41D0 774A3571"
	"DCFBEC7A ACF31964 72169E83 8430367F 66EEBE3C 6E70C416 DD5F0C68 759DD1FF"
	"F83FA401 42209DFF 5EAAD96D B9E6386C",
	"11187331 C279962D 93D60424 3FD592CB 9D0A926F 422E4718 7521287E 7156C5C4"
	"D6031355 69B9E9D0 9CF5D4A2 70F59746",
};

/* RFC 5903 §8.3 */
static const struct dh_kat ecp521 = {
	IKEV2_DH_ECP521,
	"0037ADE9 319A89F4 DABDB3EF 411AACCC A5123C61 ACAB57B5 393DCE47 608172A0"
	"95AA85A3 0FE1C295 2C6771D9 37BA9777 F5957B26 39BAB072 462F68C2 7A57382D"
	"4A52",
	"0015417E 84DBF28C 0AD3C278 713349DC 7DF153C8 97A1891B D98BAB43 57C9ECBE"
	"E1E3BF42 E00B8E38 0AEAE57C 2D107564 94188594 2AF5A7F4 601723C4 195D176C"
	"ED3E"
	"017CAE20 B6641D2E EB695786 D8C94614 6239D099 E18E1D5A 514C739D 7CB4A10A"
	"D8A78801 5AC405D7 799DC75E 7B7D5B6C F2261A6A 7F150743 8BF01BEB 6CA3926F"
	"9582",
	"0145BA99 A847AF43 793FDD0E 872E7CDF A16BE30F DC780F97 BCCC3F07 8380201E"
	"9C677D60 0B343757 A3BDBF2A 3163E4C2 F869CCA7 458AA4A4 EFFC311F 5CB15168"
	"5EB9",
	"00D0B397 5AC4B799 F5BEA16D 5E13E9AF 971D5E9B 984C9F39 728B5E57 39735A21"
	"9B97C356 436ADC6E 95BB0352 F6BE64A6 C2912D4E F2D0433C ED2B6171 640012D9"
	"460F"
	"015C6822 6383956E 3BD066E7 97B623C2 7CE0EAC2 F551A10C 2C724D98 52077B87"
	"220B6536 C5C408A1 D2AEBB8E 86D678AE 49CB5709 1F473229 6579AB44 FCD17F0F"
	"C56A",
	"01144C7D 79AE6956 BC8EDB8E 7C787C45 21CB086F A64407F9 7894E5E6 B2D79B04"
	"D1427E73 CA4BAA24 0A347868 59810C06 B3C715A3 A8CC3151 F2BEE417 996D19F3"
	"DDEA",
};

/* RFC 7748 §6.1 (little-endian scalars and u-coordinates). */
static const struct dh_kat x25519 = {
	IKEV2_DH_CURVE25519,
	"77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
	"8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
	"5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
	"de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
	"4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742",
};

static void
check_dh_kat(const struct dh_kat *v)
{
	size_t ilen, gilen, rlen, grlen, glen, got, plen;
	uint8_t *i = unhex(v->i, &ilen), *gi = unhex(v->gi, &gilen);
	uint8_t *r = unhex(v->r, &rlen), *gr = unhex(v->gr, &grlen);
	uint8_t *gir = unhex(v->gir, &glen), buf[256];
	const uint8_t *pub;
	struct crypto_dh *a, *b;
	PK11SymKey *ka, *kb;

	a = crypto_dh_new_fixed(v->group, i, ilen, gi, gilen);
	b = crypto_dh_new_fixed(v->group, r, rlen, gr, grlen);
	assert_non_null(a);
	assert_non_null(b);
	pub = crypto_dh_public(a, &plen);
	assert_int_equal(plen, crypto_dh_group_lookup(v->group)->ke_len);
	assert_memory_equal(pub, gi, plen);

	ka = crypto_dh_shared(a, gr, grlen);
	kb = crypto_dh_shared(b, gi, gilen);
	assert_non_null(ka);
	assert_non_null(kb);
	assert_int_equal(crypto_symkey_extract(ka, buf, sizeof(buf), &got), 0);
	assert_int_equal(got, glen);
	assert_memory_equal(buf, gir, glen);
	assert_int_equal(crypto_symkey_extract(kb, buf, sizeof(buf), &got), 0);
	assert_int_equal(got, glen);
	assert_memory_equal(buf, gir, glen);

	PK11_FreeSymKey(ka);
	PK11_FreeSymKey(kb);
	crypto_dh_free(a);
	crypto_dh_free(b);
	free(i); free(gi); free(r); free(gr); free(gir);
}

static void
ecdh_p256_matches_rfc5903_8_1(void **state)
{
	(void)state;
	check_dh_kat(&ecp256);
}

static void
ecdh_p384_matches_rfc5903_8_2(void **state)
{
	(void)state;
	check_dh_kat(&ecp384);
}

static void
ecdh_p521_matches_rfc5903_8_3(void **state)
{
	(void)state;
	check_dh_kat(&ecp521);
}

static void
x25519_matches_rfc7748_6_1(void **state)
{
	(void)state;
	check_dh_kat(&x25519);
}

static void
modp_groups_have_rfc3526_sizes(void **state)
{
	(void)state;
	assert_int_equal(crypto_dh_group_lookup(IKEV2_DH_MODP2048)->ke_len, 256);
	assert_int_equal(crypto_dh_group_lookup(IKEV2_DH_MODP3072)->ke_len, 384);
	assert_int_equal(crypto_dh_group_lookup(IKEV2_DH_ECP521)->ke_len, 132);
	assert_int_equal(crypto_dh_group_lookup(IKEV2_DH_CURVE25519)->ke_len, 32);
	assert_null(crypto_dh_group_lookup(2));		/* MODP 1024 */
	assert_null(crypto_dh_new(5));
}

/* Both sides of a generated exchange agree, for every group. */
static void
generated_exchange_agrees_for_every_group(void **state)
{
	static const uint16_t groups[] = { IKEV2_DH_MODP2048, IKEV2_DH_MODP3072,
	    IKEV2_DH_ECP256, IKEV2_DH_ECP384, IKEV2_DH_ECP521,
	    IKEV2_DH_CURVE25519 };
	uint8_t sa[512], sb[512];
	size_t g, la, lb, pa, pb;

	(void)state;
	for (g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
		const struct crypto_dh_group *grp = crypto_dh_group_lookup(groups[g]);
		struct crypto_dh *a = crypto_dh_new(groups[g]);
		struct crypto_dh *b = crypto_dh_new(groups[g]);
		const uint8_t *puba, *pubb;
		PK11SymKey *ka, *kb;

		assert_non_null(a);
		assert_non_null(b);
		puba = crypto_dh_public(a, &pa);
		pubb = crypto_dh_public(b, &pb);
		assert_int_equal(pa, grp->ke_len);
		assert_int_equal(pb, grp->ke_len);
		assert_memory_not_equal(puba, pubb, pa);
		ka = crypto_dh_shared(a, pubb, pb);
		kb = crypto_dh_shared(b, puba, pa);
		assert_non_null(ka);
		assert_non_null(kb);
		assert_int_equal(crypto_symkey_extract(ka, sa, sizeof(sa), &la), 0);
		assert_int_equal(crypto_symkey_extract(kb, sb, sizeof(sb), &lb), 0);
		/* g^ir has the full length (MODP: padded to the prime). */
		assert_int_equal(la, grp->secret_len);
		assert_int_equal(lb, grp->secret_len);
		assert_memory_equal(sa, sb, la);
		PK11_FreeSymKey(ka);
		PK11_FreeSymKey(kb);
		crypto_dh_free(a);
		crypto_dh_free(b);
	}
}

static void
shared_rejects_wrong_length_peer_value(void **state)
{
	struct crypto_dh *a = crypto_dh_new(IKEV2_DH_ECP256);
	uint8_t junk[65] = { 0 };

	(void)state;
	assert_non_null(a);
	assert_null(crypto_dh_shared(a, junk, 63));
	assert_null(crypto_dh_shared(a, junk, 65));
	assert_null(crypto_dh_shared(a, junk, 0));
	crypto_dh_free(a);
}

static void
ecdh_rejects_point_not_on_curve(void **state)
{
	size_t len;
	uint8_t *gr = unhex(ecp256.gr, &len);
	struct crypto_dh *a = crypto_dh_new(IKEV2_DH_ECP256);

	(void)state;
	gr[63] ^= 0x01;		/* y no longer matches x */
	assert_null(crypto_dh_shared(a, gr, len));
	memset(gr, 0, len);	/* the point at infinity has no x||y form */
	assert_null(crypto_dh_shared(a, gr, len));
	crypto_dh_free(a);
	free(gr);
}

static void
modp_rejects_0_1_p_minus_1_and_above(void **state)
{
	static const uint16_t groups[] = { IKEV2_DH_MODP2048, IKEV2_DH_MODP3072 };
	uint8_t y[384];
	size_t g, i, len;

	(void)state;
	for (g = 0; g < 2; g++) {
		struct crypto_dh *a = crypto_dh_new(groups[g]);
		const uint8_t *p = crypto_dh_modp_prime(groups[g], &len);
		PK11SymKey *k;

		assert_non_null(a);
		assert_non_null(p);
		/* RFC 3526: the top and bottom 64 bits of p are all ones. */
		for (i = 0; i < 8; i++) {
			assert_int_equal(p[i], 0xff);
			assert_int_equal(p[len - 1 - i], 0xff);
		}
		memset(y, 0, len);
		assert_null(crypto_dh_shared(a, y, len));	/* 0 */
		y[len - 1] = 1;
		assert_null(crypto_dh_shared(a, y, len));	/* 1 */
		memcpy(y, p, len);
		assert_null(crypto_dh_shared(a, y, len));	/* p */
		y[len - 1] = 0xfe;
		assert_null(crypto_dh_shared(a, y, len));	/* p - 1 */
		memset(y, 0xff, len);
		assert_null(crypto_dh_shared(a, y, len));	/* > p */
		/* 2 and p - 2 pass the range check. */
		memcpy(y, p, len);
		y[len - 1] = 0xfd;
		k = crypto_dh_shared(a, y, len);
		assert_non_null(k);
		PK11_FreeSymKey(k);
		memset(y, 0, len);
		y[len - 1] = 2;
		k = crypto_dh_shared(a, y, len);
		assert_non_null(k);
		PK11_FreeSymKey(k);
		crypto_dh_free(a);
	}
	assert_null(crypto_dh_modp_prime(IKEV2_DH_ECP256, &len));
}

static void
x25519_rejects_all_zero_shared_secret(void **state)
{
	struct crypto_dh *a = crypto_dh_new(IKEV2_DH_CURVE25519);
	uint8_t zero[32] = { 0 }, one[32] = { 1 };

	(void)state;
	assert_non_null(a);
	/* u = 0 and u = 1 are small-order points: the result is all zero. */
	assert_null(crypto_dh_shared(a, zero, sizeof(zero)));
	assert_null(crypto_dh_shared(a, one, sizeof(one)));
	crypto_dh_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ecdh_p256_matches_rfc5903_8_1),
		cmocka_unit_test(ecdh_p384_matches_rfc5903_8_2),
		cmocka_unit_test(ecdh_p521_matches_rfc5903_8_3),
		cmocka_unit_test(x25519_matches_rfc7748_6_1),
		cmocka_unit_test(modp_groups_have_rfc3526_sizes),
		cmocka_unit_test(generated_exchange_agrees_for_every_group),
		cmocka_unit_test(shared_rejects_wrong_length_peer_value),
		cmocka_unit_test(ecdh_rejects_point_not_on_curve),
		cmocka_unit_test(modp_rejects_0_1_p_minus_1_and_above),
		cmocka_unit_test(x25519_rejects_all_zero_shared_secret),
	};

	return cmocka_run_group_tests_name("crypto_dh", tests, setup, teardown);
}
