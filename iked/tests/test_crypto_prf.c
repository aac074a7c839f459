/*
 * Key derivation against published vectors: RFC 4231 (HMAC-SHA2) and
 * NIST's IKEv2 KDF (SP 800-135) validation vectors.
 */
#include "config.h"

#include "test_crypto_util.h"

#include "crypto.h"
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

/* RFC 4231 §4.3, test case 2: key "Jefe". */
static const char rfc4231_tc2_data[] = "what do ya want for nothing?";
static const struct {
	uint16_t	 prf;
	const char	*mac;
} rfc4231_tc2[] = {
	{ IKEV2_PRF_HMAC_SHA2_256,
	  "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" },
	{ IKEV2_PRF_HMAC_SHA2_384,
	  "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47"
	  "e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649" },
	{ IKEV2_PRF_HMAC_SHA2_512,
	  "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
	  "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737" },
};

static void
prf_hmac_sha2_matches_rfc4231_case2(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rfc4231_tc2) / sizeof(rfc4231_tc2[0]); i++) {
		const struct crypto_prf *prf = crypto_prf_lookup(rfc4231_tc2[i].prf);
		PK11SymKey *key = crypto_symkey_import((const uint8_t *)"Jefe", 4);
		uint8_t out[CRYPTO_PRF_MAX_LEN];
		size_t elen;
		uint8_t *exp = unhex(rfc4231_tc2[i].mac, &elen);

		assert_non_null(prf);
		assert_non_null(key);
		assert_int_equal(prf->out_len, elen);
		assert_int_equal(crypto_prf_bytes(prf, key,
		    (const uint8_t *)rfc4231_tc2_data,
		    strlen(rfc4231_tc2_data), out, sizeof(out)), 0);
		assert_memory_equal(out, exp, elen);
		PK11_FreeSymKey(key);
		free(exp);
	}
}

static void
prf_to_key_matches_rfc4231_case2(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rfc4231_tc2) / sizeof(rfc4231_tc2[0]); i++) {
		const struct crypto_prf *prf = crypto_prf_lookup(rfc4231_tc2[i].prf);
		PK11SymKey *key = crypto_symkey_import((const uint8_t *)"Jefe", 4);
		PK11SymKey *out;
		uint8_t buf[CRYPTO_PRF_MAX_LEN];
		size_t elen, got;
		uint8_t *exp = unhex(rfc4231_tc2[i].mac, &elen);

		out = crypto_prf_to_key(prf, key,
		    (const uint8_t *)rfc4231_tc2_data, strlen(rfc4231_tc2_data));
		assert_non_null(out);
		assert_int_equal(crypto_symkey_extract(out, buf, sizeof(buf),
		    &got), 0);
		assert_int_equal(got, elen);
		assert_memory_equal(buf, exp, elen);
		PK11_FreeSymKey(out);
		PK11_FreeSymKey(key);
		free(exp);
	}
}

/*
 * NIST ACVP/CAVP "IKEv2 SHA2-256" known answer (SP 800-135 §5.6,
 * DKM length 3072 bits), as published in usnistgov/ACVP-Server
 * IkeV2Tests.cs.
 */
static const struct {
	const char *ni, *nr, *gir, *gir_new, *spi_i, *spi_r;
	const char *skeyseed, *dkm, *dkm_child, *dkm_child_dh, *skeyseed_rekey;
	size_t dkm_bits;
} nist_sha256 = {
	"0a58fea9c1d4fee2e74e1aad6fb02dd5f318eb127465a112be8dc3c04d5dba62eae708f9dc1b2362afd6ba4bda3cf5000f4979fbcbadbcfda9291593829c4e905c21db0c2ee15175ce77a8a0dadf25c7f175bc53fd91b636a9b3c50b203de9b9d6dc463dcb4048f101e26498ceaed3afbcd931394a7e099392dfff82e5d6fa85c2e8a8ab90ad363a66795dc32798847e405acd87988140f973058917273a6b0bafb962c75e2b1a21e79c08beeb82168bf8b4b57f3dce867bf7862a7b8acbc21be838021913daf64340c055ed17aaf7b6e1d0ca33ae890ddbdb83f4e615aad5e3bff58c3db70bac81a0dfbabe5391fc62bca4659e22a0741e01d8d06e67d9bb41",
	"e4fdfa68df6171d9eaff8b7b5ad31e7c6098d259f3397c9854cbefe7449b0864c1df16ddece8b26567560f8d59182a44c19149c2d0d72606a160021ade3d23c7c6936c91a4b6bec37adf38cfc84b851c68dcee06f81306f63abbefc07e231e3058c49437a557df617eac01663593d2a3e594699284c0a35eae6931492ccb2a43db72a600a3899205d681d2b76b1280e456339bb10e0c584aecfdae31c77a4c40dbcb345f782ac32835d4c220c1e97254ded6a40075dd717b00b69c86a49e801773026536ae02d58a649827f1ba67610ee936dffd11c9d5a9156631916a0a0046ec0ba42f56f2a18de83d5d71a985b0cc9eec2c06b3d907ca58454419f374069d",
	"9d469de41b4739c7dd01f19aa94f17e48150ae9dbede94832142db19",
	"c2987b0767006c3b9aea491bfed1646a3d7194639492b8d45b23b383",
	"c8de93111750e409",
	"32d51b33508997fa",
	"eec13ac67c2e072abb684ab4e7b6ce3e7f400af8b96bed48e113497ed337f8d4",
	"bc83518f63b762874ac57947cdfae33a8d9724df0b83ee4b6df38c23fc2ad829f4d70b5a68dd1f5a52416f09758638aedf919c09a17c5298cdb703bb75b1005cba0109739aaa4efd2fe7534c95ad05e546e4419931270eddcab68ac1589d7fde47f5b9e8d5b614cb24ec3caf515497a9e99ee6f1b318ff153b539ef071dcaff9b41945dcb780700d69e5dc888a91de195c52825badfd0ab4c33cec71ab5c2b4badefe5455455ce5d8ae91721a2091bcccc1514e69482c9c8da1d9f0f187eedda916393570a8c0a8dfabc26d8ed31e8ea47662515972a22d11d692bc1fac6395aecd82a01ab78daafcd6f3070b1201f158a19331b5d21ceee66fccd2ea37bc07648b9539a52dbf797af53e31a0e8706dd86cf5081ebabd095f281d23c222dd3bc5abf06869017ca8f751cafcc85abea6ba88c139d1f32a12f7f486cf57eae5d85551b97f3963616d8f597c70efa98c1e1fa369fb77a80b1ec5fe533890672c4551172eab1b7fd68ad08c4d4c69f2a867302065ca730aa6915bc2cfb6d93820977",
	"c725012285d56e53244a9baaaf95abfca543708d333a3f3a86ba660e00edd4d489bcd631819fda0413382edd9f53d1ed718e056c2ad91d38de90f06cd434de70141d051c021e7ddd6e4137946b4770dca59a4decabdd866852eb557fdd995646613ff2923f5f23aa58c8fbd5ad52cf2eac9bda97faad5596695f4a747a0f1cc6a1f78b2181138fb19ac24574d2e6b3a40d6e688abb919a27d793b76568ec66bd099f6f476b705c1472d774a1516a11311b887688f36649e24227640ea8d8666b9f452217e7103b6f0a92b6adb8fbda650ba58d6ac13ac6f6b6361a5d1c44f1e9f22196c96295115c5d01a120e7265962d20353a049286908da776c2165f706a16f43d85fcd319f89c4386340bcb8ed10df38345cb68af719abaf997e9789a5f19a392dcecd78168ba282f0b30555c7a47031a3156d12d7158aa41b863b8394d30fec63120e89cbc5750eed7786f7d5961b1f2e6faca641ed776d2211bee757b68b77f94056172553715da9fbd1c9a8728f28a2f3c9714a4917490132562484cd",
	"140a1f2a3c94318ece6edfa8c63f37d8d45982de8b6cbfe34011150db0253e34de3796d4aa579954a0bbf234794eb6e7ece2a8f91100f5507df4ee8e66c7813d4c0ff64d484a3494c54b0d9c605ea24234a49a010ce5c352feb9e1060c8c787229466296cdc9d11bb9d221ed2bb39544572464254ec02a0fbe777b07402c775eb6d3e53cd16214c707f851942cc7da92a811b6c5c82f29d9fc3751b0ebff9898fb14372402a6989ffb9cc32dfe7e2cea32fd882e09804d7fea34ce3b5eb6f303e095c48a452b0a3eccada81af22195ebbaad289aeabdab074c94e751496bde39d868ebf1d693f36d1c3c672bbb59c9f77aeb68de57d77da231b7f13d6d277f600c3d3086c4de7b3a59127f4cb9c118935574f30e1b7c88b52c8c3531fdbd38ee3d14c69e81803ced6e7501fa0180f6d110b648272002dc1ad5bf09dc83188011da1d48632e0d2453c8abdd8e9fd32a576aeb9ddfb0a024f674441c20a950d9bd8cd7b30933cc0d8e87b55e8aa9d913579b410417b3acc13c14bf73c457327873",
	"05f796c8df322a7e33283ae5fa2f376d8d5efa0ac3745fc548e430031424c121",
	3072,
};

struct kdf_case {
	uint8_t *ni, *nr, *gir, *gir_new, *spi_i, *spi_r;
	size_t ni_len, nr_len, gir_len, gir_new_len, spi_i_len, spi_r_len;
};

static void
kdf_case_load(struct kdf_case *c)
{
	c->ni = unhex(nist_sha256.ni, &c->ni_len);
	c->nr = unhex(nist_sha256.nr, &c->nr_len);
	c->gir = unhex(nist_sha256.gir, &c->gir_len);
	c->gir_new = unhex(nist_sha256.gir_new, &c->gir_new_len);
	c->spi_i = unhex(nist_sha256.spi_i, &c->spi_i_len);
	c->spi_r = unhex(nist_sha256.spi_r, &c->spi_r_len);
	assert_int_equal(c->spi_i_len, CRYPTO_SPI_LEN);
	assert_int_equal(c->spi_r_len, CRYPTO_SPI_LEN);
}

static void
kdf_case_free(struct kdf_case *c)
{
	free(c->ni);
	free(c->nr);
	free(c->gir);
	free(c->gir_new);
	free(c->spi_i);
	free(c->spi_r);
}

static void
assert_key_equals_hex(PK11SymKey *key, const char *hex)
{
	static uint8_t buf[1024];
	size_t elen, got = 0;
	uint8_t *exp = unhex(hex, &elen);

	assert_non_null(key);
	assert_int_equal(crypto_symkey_extract(key, buf, sizeof(buf), &got), 0);
	assert_int_equal(got, elen);
	assert_memory_equal(buf, exp, elen);
	free(exp);
}

static void
ikev2_kdf_sha256_matches_nist_vector(void **state)
{
	const struct crypto_prf *prf = crypto_prf_lookup(IKEV2_PRF_HMAC_SHA2_256);
	struct kdf_case c;
	PK11SymKey *gir, *gir_new, *skeyseed, *dkm, *sk_d, *rekey;
	uint8_t seed[2 * CRYPTO_NONCE_MAX + 2 * CRYPTO_SPI_LEN];
	size_t dkm_len = nist_sha256.dkm_bits / 8, dlen;
	uint8_t child[512], *exp;

	(void)state;
	kdf_case_load(&c);
	gir = crypto_symkey_import(c.gir, c.gir_len);
	gir_new = crypto_symkey_import(c.gir_new, c.gir_new_len);
	assert_non_null(gir);
	assert_non_null(gir_new);

	skeyseed = crypto_skeyseed(prf, c.ni, c.ni_len, c.nr, c.nr_len, gir);
	assert_key_equals_hex(skeyseed, nist_sha256.skeyseed);

	/* DKM = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr) */
	memcpy(seed, c.ni, c.ni_len);
	memcpy(seed + c.ni_len, c.nr, c.nr_len);
	memcpy(seed + c.ni_len + c.nr_len, c.spi_i, 8);
	memcpy(seed + c.ni_len + c.nr_len + 8, c.spi_r, 8);
	dkm = crypto_prf_plus(prf, skeyseed, NULL, seed,
	    c.ni_len + c.nr_len + 16, dkm_len);
	assert_key_equals_hex(dkm, nist_sha256.dkm);

	/* SK_d is the first prf-length bytes of DKM (SP 800-135 §5.6). */
	sk_d = crypto_symkey_slice(dkm, 0, prf->out_len, prf->hmac_mech,
	    CKF_DERIVE);
	assert_non_null(sk_d);

	assert_int_equal(crypto_child_keymat(prf, sk_d, NULL, c.ni, c.ni_len,
	    c.nr, c.nr_len, child, dkm_len), 0);
	exp = unhex(nist_sha256.dkm_child, &dlen);
	assert_int_equal(dlen, dkm_len);
	assert_memory_equal(child, exp, dlen);
	free(exp);

	assert_int_equal(crypto_child_keymat(prf, sk_d, gir_new, c.ni,
	    c.ni_len, c.nr, c.nr_len, child, dkm_len), 0);
	exp = unhex(nist_sha256.dkm_child_dh, &dlen);
	assert_memory_equal(child, exp, dlen);
	free(exp);

	rekey = crypto_skeyseed_rekey(prf, sk_d, gir_new, c.ni, c.ni_len,
	    c.nr, c.nr_len);
	assert_key_equals_hex(rekey, nist_sha256.skeyseed_rekey);

	PK11_FreeSymKey(rekey);
	PK11_FreeSymKey(sk_d);
	PK11_FreeSymKey(dkm);
	PK11_FreeSymKey(skeyseed);
	PK11_FreeSymKey(gir_new);
	PK11_FreeSymKey(gir);
	kdf_case_free(&c);
}

/*
 * The seven keys must be consecutive slices of the same prf+ stream in
 * RFC 7296 §2.14 order; compare against the NIST DKM (long enough for
 * every layout we support).
 */
static void
check_layout(uint16_t encr_id, uint16_t bits, uint16_t integ_id)
{
	const struct crypto_prf *prf = crypto_prf_lookup(IKEV2_PRF_HMAC_SHA2_256);
	const struct crypto_encr *encr = crypto_encr_lookup(encr_id, bits);
	const struct crypto_integ *integ = crypto_integ_lookup(integ_id);
	struct crypto_ike_keys k;
	struct kdf_case c;
	PK11SymKey *gir, *skeyseed;
	uint8_t *dkm, buf[128];
	size_t dkm_len, off = 0, got, a, e;

	assert_non_null(encr);
	kdf_case_load(&c);
	dkm = unhex(nist_sha256.dkm, &dkm_len);
	gir = crypto_symkey_import(c.gir, c.gir_len);
	skeyseed = crypto_skeyseed(prf, c.ni, c.ni_len, c.nr, c.nr_len, gir);
	assert_int_equal(crypto_ike_keys_derive(prf, encr, integ, skeyseed,
	    c.ni, c.ni_len, c.nr, c.nr_len, c.spi_i, c.spi_r, &k), 0);

	a = integ != NULL ? integ->key_len : 0;
	e = encr->key_len + encr->salt_len;
	assert_int_equal(crypto_symkey_extract(k.sk_d, buf, sizeof(buf), &got), 0);
	assert_int_equal(got, 32);
	assert_memory_equal(buf, dkm + off, 32);
	off += 32;
	if (integ != NULL) {
		assert_int_equal(crypto_symkey_extract(k.sk_ai, buf,
		    sizeof(buf), &got), 0);
		assert_memory_equal(buf, dkm + off, a);
		assert_int_equal(crypto_symkey_extract(k.sk_ar, buf,
		    sizeof(buf), &got), 0);
		assert_memory_equal(buf, dkm + off + a, a);
		off += 2 * a;
	} else {
		assert_null(k.sk_ai);
	}
	assert_int_equal(crypto_symkey_extract(k.sk_ei, buf, sizeof(buf),
	    &got), 0);
	assert_int_equal(got, encr->key_len);
	assert_memory_equal(buf, dkm + off, encr->key_len);
	assert_int_equal(k.salt_len, encr->salt_len);
	if (encr->salt_len > 0) {
		assert_memory_equal(k.salt_i, dkm + off + encr->key_len, 4);
		assert_memory_equal(k.salt_r, dkm + off + e + encr->key_len, 4);
	}
	assert_int_equal(crypto_symkey_extract(k.sk_er, buf, sizeof(buf),
	    &got), 0);
	assert_memory_equal(buf, dkm + off + e, encr->key_len);
	off += 2 * e;
	assert_int_equal(crypto_symkey_extract(k.sk_pi, buf, sizeof(buf),
	    &got), 0);
	assert_memory_equal(buf, dkm + off, 32);
	assert_int_equal(crypto_symkey_extract(k.sk_pr, buf, sizeof(buf),
	    &got), 0);
	assert_memory_equal(buf, dkm + off + 32, 32);

	crypto_ike_keys_clear(&k);
	assert_null(k.sk_d);
	PK11_FreeSymKey(skeyseed);
	PK11_FreeSymKey(gir);
	free(dkm);
	kdf_case_free(&c);
}

/*
 * Parking keeps SK_d (same value when unwrapped, wrapped blob not the
 * key in the clear) and releases every other key; without a wrapping
 * key nothing changes.
 */
static void
check_park(uint16_t encr_id, uint16_t bits, uint16_t integ_id)
{
	const struct crypto_prf *prf = crypto_prf_lookup(IKEV2_PRF_HMAC_SHA2_256);
	const struct crypto_encr *encr = crypto_encr_lookup(encr_id, bits);
	const struct crypto_integ *integ = crypto_integ_lookup(integ_id);
	struct crypto_ike_keys k;
	struct kdf_case c;
	PK11SymKey *gir, *skeyseed, *wrap, *d1, *d2;
	uint8_t *dkm, buf[128];
	size_t dkm_len, got;

	kdf_case_load(&c);
	dkm = unhex(nist_sha256.dkm, &dkm_len);
	gir = crypto_symkey_import(c.gir, c.gir_len);
	skeyseed = crypto_skeyseed(prf, c.ni, c.ni_len, c.nr, c.nr_len, gir);
	assert_int_equal(crypto_ike_keys_derive(prf, encr, integ, skeyseed,
	    c.ni, c.ni_len, c.nr, c.nr_len, c.spi_i, c.spi_r, &k), 0);

	assert_int_equal(crypto_ike_keys_park(&k, NULL), -1);
	assert_non_null(k.sk_d);
	assert_non_null(k.sk_pi);
	assert_null(k.wrapkey);

	wrap = crypto_wrapkey_new();
	assert_non_null(wrap);
	assert_int_equal(crypto_ike_keys_park(&k, wrap), 0);
	assert_null(k.sk_d);
	assert_null(k.sk_ai);
	assert_null(k.sk_ar);
	assert_null(k.sk_ei);
	assert_null(k.sk_er);
	assert_null(k.sk_pi);
	assert_null(k.sk_pr);
	assert_true(k.sk_d_parked.len >= 32 + 8);
	assert_null(memmem(k.sk_d_parked.blob, k.sk_d_parked.len, dkm, 8));
	/* A second park changes nothing. */
	assert_int_equal(crypto_ike_keys_park(&k, wrap), 0);
	PK11_FreeSymKey(wrap);		/* the keys hold their reference */

	d1 = crypto_ike_keys_sk_d(&k);
	d2 = crypto_ike_keys_sk_d(&k);
	assert_non_null(d1);
	assert_non_null(d2);
	assert_int_equal(crypto_symkey_extract(d1, buf, sizeof(buf), &got), 0);
	assert_int_equal(got, 32);
	assert_memory_equal(buf, dkm, 32);
	/* and it still derives: Child SA key material from SK_d */
	assert_int_equal(crypto_child_keymat(prf, d2, NULL, c.ni, c.ni_len,
	    c.nr, c.nr_len, buf, 64), 0);
	PK11_FreeSymKey(d1);
	PK11_FreeSymKey(d2);

	crypto_ike_keys_clear(&k);
	assert_null(k.wrapkey);
	assert_null(crypto_ike_keys_sk_d(&k));
	PK11_FreeSymKey(skeyseed);
	PK11_FreeSymKey(gir);
	free(dkm);
	kdf_case_free(&c);
}

static void
ike_keys_park_keeps_only_sk_d_wrapped_gcm256(void **state)
{
	(void)state;
	check_park(IKEV2_ENCR_AES_GCM_16, 256, IKEV2_INTEG_NONE);
}

static void
ike_keys_park_keeps_only_sk_d_wrapped_cbc128_sha256(void **state)
{
	(void)state;
	check_park(IKEV2_ENCR_AES_CBC, 128, IKEV2_INTEG_HMAC_SHA2_256_128);
}

/* Parked SK_d gives the same Child SA KEYMAT as the live one. */
static void
ike_keys_parked_sk_d_gives_the_same_child_keymat(void **state)
{
	const struct crypto_prf *prf = crypto_prf_lookup(IKEV2_PRF_HMAC_SHA2_256);
	const struct crypto_encr *encr = crypto_encr_lookup(
	    IKEV2_ENCR_AES_GCM_16, 256);
	struct crypto_ike_keys k;
	struct kdf_case c;
	PK11SymKey *gir, *skeyseed, *wrap, *d;
	uint8_t live[72], parked[72];

	(void)state;
	kdf_case_load(&c);
	gir = crypto_symkey_import(c.gir, c.gir_len);
	skeyseed = crypto_skeyseed(prf, c.ni, c.ni_len, c.nr, c.nr_len, gir);
	assert_int_equal(crypto_ike_keys_derive(prf, encr, NULL, skeyseed,
	    c.ni, c.ni_len, c.nr, c.nr_len, c.spi_i, c.spi_r, &k), 0);
	d = crypto_ike_keys_sk_d(&k);
	assert_ptr_equal(d, k.sk_d);	/* live: a reference */
	assert_int_equal(crypto_child_keymat(prf, d, gir, c.ni, c.ni_len,
	    c.nr, c.nr_len, live, sizeof(live)), 0);
	PK11_FreeSymKey(d);
	wrap = crypto_wrapkey_new();
	assert_int_equal(crypto_ike_keys_park(&k, wrap), 0);
	PK11_FreeSymKey(wrap);
	d = crypto_ike_keys_sk_d(&k);
	assert_non_null(d);
	assert_int_equal(crypto_child_keymat(prf, d, gir, c.ni, c.ni_len,
	    c.nr, c.nr_len, parked, sizeof(parked)), 0);
	assert_memory_equal(live, parked, sizeof(live));
	PK11_FreeSymKey(d);
	crypto_ike_keys_clear(&k);
	PK11_FreeSymKey(skeyseed);
	PK11_FreeSymKey(gir);
	kdf_case_free(&c);
}

static void
ike_keys_gcm256_are_consecutive_prf_plus_slices(void **state)
{
	(void)state;
	check_layout(IKEV2_ENCR_AES_GCM_16, 256, IKEV2_INTEG_NONE);
}

static void
ike_keys_cbc128_sha384_are_consecutive_prf_plus_slices(void **state)
{
	(void)state;
	check_layout(IKEV2_ENCR_AES_CBC, 128, IKEV2_INTEG_HMAC_SHA2_384_192);
}

static void
ike_keys_chacha20_are_consecutive_prf_plus_slices(void **state)
{
	(void)state;
	check_layout(IKEV2_ENCR_CHACHA20_POLY1305, 0, IKEV2_INTEG_NONE);
}

static void
ike_keys_reject_aead_with_integrity(void **state)
{
	const struct crypto_prf *prf = crypto_prf_lookup(IKEV2_PRF_HMAC_SHA2_256);
	struct crypto_ike_keys k;
	struct kdf_case c;
	PK11SymKey *gir;

	(void)state;
	kdf_case_load(&c);
	gir = crypto_symkey_import(c.gir, c.gir_len);
	assert_int_equal(crypto_ike_keys_derive(prf,
	    crypto_encr_lookup(IKEV2_ENCR_AES_GCM_16, 128),
	    crypto_integ_lookup(IKEV2_INTEG_HMAC_SHA2_256_128), gir,
	    c.ni, c.ni_len, c.nr, c.nr_len, c.spi_i, c.spi_r, &k), -1);
	assert_int_equal(crypto_ike_keys_derive(prf,
	    crypto_encr_lookup(IKEV2_ENCR_AES_CBC, 256), NULL, gir,
	    c.ni, c.ni_len, c.nr, c.nr_len, c.spi_i, c.spi_r, &k), -1);
	PK11_FreeSymKey(gir);
	kdf_case_free(&c);
}

static void
kdf_rejects_nonce_outside_8_to_256_bytes(void **state)
{
	const struct crypto_prf *prf = crypto_prf_lookup(IKEV2_PRF_HMAC_SHA2_256);
	uint8_t nonce[257] = { 0 }, km[64];
	PK11SymKey *gir = crypto_symkey_import(nonce, 32);

	(void)state;
	assert_null(crypto_skeyseed(prf, nonce, 7, nonce, 32, gir));
	assert_null(crypto_skeyseed(prf, nonce, 32, nonce, 257, gir));
	assert_null(crypto_skeyseed(prf, nonce, 0, nonce, 32, gir));
	assert_null(crypto_skeyseed_rekey(prf, gir, gir, nonce, 7, nonce, 8));
	assert_int_equal(crypto_child_keymat(prf, gir, NULL, nonce, 257,
	    nonce, 32, km, sizeof(km)), -1);
	PK11_FreeSymKey(gir);
}

/*
 * NIST IKEv2 KDF samples for SHA-384 and SHA-512 (SP 800-135 CAVS), as
 * carried in NSS's gtests (ike-sha384-vectors.h, ike-sha512-vectors.h):
 * SKEYSEED, DKM (132 bytes) and SKEYSEED(Rekey), with 8-byte nonces.
 */
static const struct {
	uint16_t prf;
	const char *gir, *ni, *nr, *spi_i, *spi_r, *skeyseed, *dkm;
	const char *gir_new, *skeyseed_rekey;
} nist_kdf[] = {
	{ IKEV2_PRF_HMAC_SHA2_384,
	  "d3288cd87565101e88fe3bad918f31939d8dd26ff1071f8b2d7f447524e58d7c",
	  "fd1b572a8e735591", "6013b0ef88dacd3d",
	  "2116ad07ce61f749", "24880e55f11a65b7",
	  "69fe7a1ac94adaeb711295f5fe004b1a8d6a0b65d05692758ce8ad2f7a45f59d"
	  "7d0b596f51f7dfcf3330061888f6a94f",
	  "4f904c2025c90c817ea5ff9b662a6fdb445a73b57cdf09eacd379b95e1f03cac"
	  "b04cd6deeda4f952191dd9bc1f7a9502471a648d74dc06d38112de48a42501f6"
	  "b1a3ad55c2099cd9a648e5f17e5bf3e34bf9b5953decb768a34f875fe2b78dca"
	  "0c2fcca81ec1a412006dfaed38fa06882e61f4c148105fb8e231fdb33c4d484c"
	  "001721d4",
	  "3358f620539473aee8d07e779764c4c6a9aabddc79a28e136b3bac021dbde44a",
	  "e0548c1682e13bce454026b3b1bdf42985b24e4e7408095a7c529de38c3d1fcb"
	  "04c9fe6868042a34c9614c6c99e3fcea" },
	{ IKEV2_PRF_HMAC_SHA2_512,
	  "276255c3eaace5c6db32b609aa86c0ef07bba4bf2dc4c262995efd95ca607c3f",
	  "97c41a9b0a03e74c", "a659fd06e1746600",
	  "ff43c5c689b95481", "e2ba607f30079bb7",
	  "d6e74966b75fd2afab48be319d63d97c8a5d2ffe2e320763a462c664b36c3a94"
	  "4067d867c3a55fd8a7e5cca64b22e24415987e15549f09a81b455adaa5303df8",
	  "22259105314717dc73c210919ee9cb3ded774dc087e866aa3960404c0ed7b8e7"
	  "8e79b993888388e2e5cb238d4bfcb4cdee9da074a26e329d6c2f2f660cc9c711"
	  "c941a2fb3d85a2e5d01e579c8f2c9d00fa6fabe76a137b00c7ff1b291899906"
	  "588c26f073d819063238c4c844f0f8d221b65b76dbc9ed6f6368e5dba86b3e81"
	  "b60eb44a1",
	  "bb4015f7727b35532021336a9e4a6370ac8729b01fbb8f15d52236820fac4709",
	  "ecdaf3ccb990abc898a453b03fd56f9975275f150e1e571b0560b3cb2ee67289"
	  "e82b899cdc2129fd821fe8aebea796f190765c25798f5883f923526551f16a4b" },
};

static void
ikev2_kdf_sha384_and_sha512_match_nist_vectors(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(nist_kdf) / sizeof(nist_kdf[0]); i++) {
		const struct crypto_prf *prf = crypto_prf_lookup(nist_kdf[i].prf);
		size_t gl, nil, nrl, sil, srl, dl, gnl;
		uint8_t *gir = unhex(nist_kdf[i].gir, &gl);
		uint8_t *ni = unhex(nist_kdf[i].ni, &nil);
		uint8_t *nr = unhex(nist_kdf[i].nr, &nrl);
		uint8_t *spi_i = unhex(nist_kdf[i].spi_i, &sil);
		uint8_t *spi_r = unhex(nist_kdf[i].spi_r, &srl);
		uint8_t *dkm = unhex(nist_kdf[i].dkm, &dl);
		uint8_t *gir_new = unhex(nist_kdf[i].gir_new, &gnl);
		uint8_t seed[32];
		PK11SymKey *g, *gn, *skeyseed, *keymat, *sk_d, *rekey;

		assert_int_equal(dl, 132);
		g = crypto_symkey_import(gir, gl);
		gn = crypto_symkey_import(gir_new, gnl);
		skeyseed = crypto_skeyseed(prf, ni, nil, nr, nrl, g);
		assert_key_equals_hex(skeyseed, nist_kdf[i].skeyseed);
		memcpy(seed, ni, 8);
		memcpy(seed + 8, nr, 8);
		memcpy(seed + 16, spi_i, 8);
		memcpy(seed + 24, spi_r, 8);
		keymat = crypto_prf_plus(prf, skeyseed, NULL, seed, 32, dl);
		assert_key_equals_hex(keymat, nist_kdf[i].dkm);
		/* SK_d = the first prf-length bytes; rekey from it. */
		sk_d = crypto_symkey_slice(keymat, 0, prf->out_len,
		    prf->hmac_mech, CKF_DERIVE);
		rekey = crypto_skeyseed_rekey(prf, sk_d, gn, ni, nil, nr, nrl);
		assert_key_equals_hex(rekey, nist_kdf[i].skeyseed_rekey);
		PK11_FreeSymKey(rekey);
		PK11_FreeSymKey(sk_d);
		PK11_FreeSymKey(keymat);
		PK11_FreeSymKey(skeyseed);
		PK11_FreeSymKey(gn);
		PK11_FreeSymKey(g);
		free(gir); free(ni); free(nr); free(spi_i); free(spi_r);
		free(dkm); free(gir_new);
	}
}

static void
prf_plus_rejects_more_than_255_blocks(void **state)
{
	const struct crypto_prf *prf = crypto_prf_lookup(IKEV2_PRF_HMAC_SHA2_256);
	uint8_t k[32] = { 1 };
	PK11SymKey *key = crypto_symkey_import(k, sizeof(k));
	PK11SymKey *out;

	(void)state;
	assert_null(crypto_prf_plus(prf, key, NULL, k, sizeof(k), 255 * 32 + 1));
	out = crypto_prf_plus(prf, key, NULL, k, sizeof(k), 255 * 32);
	assert_non_null(out);
	PK11_FreeSymKey(out);
	PK11_FreeSymKey(key);
}

static void
child_keys_split_follows_rfc7296_order(void **state)
{
	const struct crypto_encr *cbc = crypto_encr_lookup(IKEV2_ENCR_AES_CBC, 128);
	const struct crypto_encr *gcm = crypto_encr_lookup(IKEV2_ENCR_AES_GCM_16, 256);
	const struct crypto_integ *sha = crypto_integ_lookup(IKEV2_INTEG_HMAC_SHA2_256_128);
	struct crypto_child_keys ck;
	uint8_t km[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(km); i++)
		km[i] = (uint8_t)i;
	assert_int_equal(crypto_child_keymat_len(cbc, sha), 2 * (16 + 32));
	assert_int_equal(crypto_child_keys_split(cbc, sha, km, 96, &ck), 0);
	assert_ptr_equal(ck.enc_i, km);
	assert_ptr_equal(ck.integ_i, km + 16);
	assert_ptr_equal(ck.enc_r, km + 48);
	assert_ptr_equal(ck.integ_r, km + 64);
	assert_int_equal(crypto_child_keys_split(cbc, sha, km, 95, &ck), -1);

	assert_int_equal(crypto_child_keymat_len(gcm, NULL), 2 * 36);
	assert_int_equal(crypto_child_keys_split(gcm, NULL, km, 72, &ck), 0);
	assert_int_equal(ck.enc_len, 36);
	assert_ptr_equal(ck.enc_r, km + 36);
	assert_null(ck.integ_i);
}

static void
algorithm_tables_know_only_implemented_transforms(void **state)
{
	(void)state;
	assert_non_null(crypto_encr_lookup(IKEV2_ENCR_AES_GCM_16, 128));
	assert_null(crypto_encr_lookup(IKEV2_ENCR_AES_GCM_16, 192));
	assert_null(crypto_encr_lookup(IKEV2_ENCR_AES_CBC, 0));
	assert_null(crypto_encr_lookup(3, 0));	/* 3DES */
	assert_null(crypto_prf_lookup(2));	/* HMAC-SHA1 */
	assert_int_equal(crypto_integ_lookup(IKEV2_INTEG_HMAC_SHA2_512_256)->icv_len, 32);
	assert_string_equal(crypto_nssdb_path("/x"), "/x");
}

static void
nssdb_path_prefers_argument_then_environment_then_default(void **state)
{
	(void)state;
	assert_int_equal(setenv("OE_NSSDB", "sql:/tmp/oe-env-db", 1), 0);
	assert_string_equal(crypto_nssdb_path(NULL), "sql:/tmp/oe-env-db");
	assert_string_equal(crypto_nssdb_path("sql:/arg"), "sql:/arg");
	assert_int_equal(setenv("OE_NSSDB", "", 1), 0);
	assert_string_equal(crypto_nssdb_path(NULL), CRYPTO_NSSDB_DEFAULT);
	assert_int_equal(unsetenv("OE_NSSDB"), 0);
	assert_string_equal(crypto_nssdb_path(NULL), CRYPTO_NSSDB_DEFAULT);
	assert_true(strncmp(CRYPTO_NSSDB_DEFAULT, "sql:", 4) == 0);
	/* A database that does not exist is an error, not a crash. */
	assert_null(crypto_nss_init("sql:/nonexistent/oe-nssdb", false));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(prf_hmac_sha2_matches_rfc4231_case2),
		cmocka_unit_test(prf_to_key_matches_rfc4231_case2),
		cmocka_unit_test(ikev2_kdf_sha256_matches_nist_vector),
		cmocka_unit_test(ike_keys_gcm256_are_consecutive_prf_plus_slices),
		cmocka_unit_test(ike_keys_cbc128_sha384_are_consecutive_prf_plus_slices),
		cmocka_unit_test(ike_keys_chacha20_are_consecutive_prf_plus_slices),
		cmocka_unit_test(ike_keys_reject_aead_with_integrity),
		cmocka_unit_test(ike_keys_park_keeps_only_sk_d_wrapped_gcm256),
		cmocka_unit_test(ike_keys_park_keeps_only_sk_d_wrapped_cbc128_sha256),
		cmocka_unit_test(ike_keys_parked_sk_d_gives_the_same_child_keymat),
		cmocka_unit_test(ikev2_kdf_sha384_and_sha512_match_nist_vectors),
		cmocka_unit_test(kdf_rejects_nonce_outside_8_to_256_bytes),
		cmocka_unit_test(prf_plus_rejects_more_than_255_blocks),
		cmocka_unit_test(child_keys_split_follows_rfc7296_order),
		cmocka_unit_test(algorithm_tables_know_only_implemented_transforms),
		cmocka_unit_test(nssdb_path_prefers_argument_then_environment_then_default),
	};

	return cmocka_run_group_tests_name("crypto_prf", tests, setup, teardown);
}
