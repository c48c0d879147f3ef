/*
 * test_hsm_derive.c - the derivations as whole operations in hsm/
 * (hsm_derive.c): the RSK equals firmware/crypto's for the same z_S and
 * validates by pairing; the SSK/PVT validate and are the same for the
 * same identity (v derived, not drawn) and different for another; the
 * entry points refuse keys of the wrong class and wipe their outputs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crypto.h"
#include "hsm.h"
#include "hsm_fixture.h"

static const uint8_t	 uid_a[UID_LEN] = { 0x74, 0xe2, 0xaf, 0x80, 1, 2, 3 };
static const uint8_t	 uid_b[UID_LEN] = { 0x11, 0x22, 0x33, 0x44, 5, 6, 7 };

struct masters {
	hsm_key_id	 kek, z, ksak;
	uint8_t		 zs[SAKKE_POINT_LEN];
	uint8_t		 kpak[ECCSI_POINT_LEN];
};

static int
setup(void **state)
{
	return hsm_fixture_setup(state, "kms-derive", "derive-test",
	    "Dv4-pin!");
}

static int
pub_z(const uint8_t *s, size_t len, void *arg)
{
	return sakke_pubkey(s, arg) == CRYPTO_OK ? 0 : -1;
}

static int
pub_k(const uint8_t *s, size_t len, void *arg)
{
	return eccsi_kpak(s, arg) == CRYPTO_OK ? 0 : -1;
}

/* The reference RSK: firmware/crypto on the same z_S, inside the scope. */
struct ref_arg {
	const uint8_t	*id;
	uint8_t		 rsk[SAKKE_RSK_LEN];
};

static int
ref_rsk(const uint8_t *s, size_t len, void *arg)
{
	struct ref_arg	*r = arg;

	return sakke_rsk(s, r->id, UID_LEN, r->rsk) == CRYPTO_OK ? 0 : -1;
}

static void
make_masters(struct tctx *t, struct masters *m)
{
	hsm_fixture_open(t);
	assert_int_equal(hsm_kek_create(t->h, HSM_LABEL_KEK, &m->kek), HSM_OK);
	assert_int_equal(hsm_master_create(t->h, HSM_KC_MASTER_SAKKE,
	    HSM_LABEL_SAKKE, m->kek, sakke_q, sizeof(sakke_q), &m->z), HSM_OK);
	assert_int_equal(hsm_master_create(t->h, HSM_KC_MASTER_ECCSI,
	    HSM_LABEL_ECCSI, m->kek, eccsi_q, sizeof(eccsi_q), &m->ksak),
	    HSM_OK);
	assert_int_equal(hsm_master_use(t->h, m->z, pub_z, m->zs), HSM_OK);
	assert_int_equal(hsm_master_use(t->h, m->ksak, pub_k, m->kpak),
	    HSM_OK);
}

static void
derive_rsk(void **state)
{
	struct tctx	*t = *state;
	struct masters	 m;
	struct ref_arg	 ref = { .id = uid_a };
	uint8_t		 rsk[SAKKE_RSK_LEN + 8];
	size_t		 len = 99;

	make_masters(t, &m);
	assert_int_equal(hsm_derive_rsk(t->h, m.z, uid_a, sizeof(uid_a), rsk,
	    sizeof(rsk), &len), HSM_OK);
	assert_int_equal(len, SAKKE_RSK_LEN);
	assert_int_equal(hsm_master_use(t->h, m.z, ref_rsk, &ref), HSM_OK);
	assert_memory_equal(rsk, ref.rsk, SAKKE_RSK_LEN);
	assert_int_equal(sakke_rsk_validate(rsk, uid_a, sizeof(uid_a), m.zs),
	    CRYPTO_OK);
	/* Another identity, another RSK that does not validate for uid_a. */
	assert_int_equal(hsm_derive_rsk(t->h, m.z, uid_b, sizeof(uid_b), rsk,
	    sizeof(rsk), &len), HSM_OK);
	assert_memory_not_equal(rsk, ref.rsk, SAKKE_RSK_LEN);
	assert_int_not_equal(sakke_rsk_validate(rsk, uid_a, sizeof(uid_a),
	    m.zs), CRYPTO_OK);
	/* Too small an output: refused, nothing written. */
	assert_int_equal(hsm_derive_rsk(t->h, m.z, uid_a, sizeof(uid_a), rsk,
	    SAKKE_RSK_LEN - 1, &len), HSM_ERR_BUFFER);
	assert_int_equal(len, 0);
}

static void
derive_ssk_pvt(void **state)
{
	struct tctx	*t = *state;
	struct masters	 m;
	uint8_t		 ssk1[32], pvt1[ECCSI_POINT_LEN];
	uint8_t		 ssk2[32], pvt2[ECCSI_POINT_LEN];
	uint8_t		 ssk3[32], pvt3[ECCSI_POINT_LEN];

	make_masters(t, &m);
	assert_int_equal(hsm_derive_ssk_pvt(t->h, m.ksak, m.kpak, uid_a,
	    sizeof(uid_a), ssk1, pvt1), HSM_OK);
	assert_int_equal(eccsi_ssk_validate(m.kpak, uid_a, sizeof(uid_a),
	    ssk1, pvt1, NULL), CRYPTO_OK);
	/* The same identity: the same pair (v derived from KSAK and UID). */
	assert_int_equal(hsm_derive_ssk_pvt(t->h, m.ksak, m.kpak, uid_a,
	    sizeof(uid_a), ssk2, pvt2), HSM_OK);
	assert_memory_equal(ssk1, ssk2, sizeof(ssk1));
	assert_memory_equal(pvt1, pvt2, sizeof(pvt1));
	/* Another identity: another PVT, and it validates only for itself. */
	assert_int_equal(hsm_derive_ssk_pvt(t->h, m.ksak, m.kpak, uid_b,
	    sizeof(uid_b), ssk3, pvt3), HSM_OK);
	assert_memory_not_equal(pvt1, pvt3, sizeof(pvt1));
	assert_int_equal(eccsi_ssk_validate(m.kpak, uid_b, sizeof(uid_b),
	    ssk3, pvt3, NULL), CRYPTO_OK);
	assert_int_not_equal(eccsi_ssk_validate(m.kpak, uid_a, sizeof(uid_a),
	    ssk3, pvt3, NULL), CRYPTO_OK);
}

static void
derive_refusals(void **state)
{
	struct tctx	*t = *state;
	struct masters	 m;
	uint8_t		 rsk[SAKKE_RSK_LEN], ssk[32], pvt[ECCSI_POINT_LEN];
	uint8_t		 zero[SAKKE_RSK_LEN];
	size_t		 len;

	make_masters(t, &m);
	memset(zero, 0, sizeof(zero));
	/* The KEK is no master secret: the policy refuses it. */
	memset(rsk, 0xaa, sizeof(rsk));
	assert_int_equal(hsm_derive_rsk(t->h, m.kek, uid_a, sizeof(uid_a),
	    rsk, sizeof(rsk), &len), HSM_ERR_DENIED);
	/* KSAK used as z_S: the derivation fails and the output is wiped. */
	memset(rsk, 0xaa, sizeof(rsk));
	assert_int_equal(hsm_derive_rsk(t->h, m.ksak, uid_a, sizeof(uid_a),
	    rsk, sizeof(rsk), &len), HSM_ERR_GENERAL);
	assert_memory_equal(rsk, zero, sizeof(rsk));
	memset(ssk, 0xaa, sizeof(ssk));
	memset(pvt, 0xaa, sizeof(pvt));
	assert_int_equal(hsm_derive_ssk_pvt(t->h, m.z, m.kpak, uid_a,
	    sizeof(uid_a), ssk, pvt), HSM_ERR_GENERAL);
	assert_memory_equal(ssk, zero, sizeof(ssk));
	assert_memory_equal(pvt, zero, sizeof(pvt));
	assert_int_equal(hsm_derive_rsk(t->h, m.z, uid_a, 0, rsk,
	    sizeof(rsk), &len), HSM_ERR_ARGS);
}

int
main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
		HSM_FIXTURE_TEST(derive_rsk, setup),
		HSM_FIXTURE_TEST(derive_ssk_pvt, setup),
		HSM_FIXTURE_TEST(derive_refusals, setup),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
