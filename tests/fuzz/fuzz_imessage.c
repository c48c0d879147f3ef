/*
 * fuzz_imessage.c - libFuzzer target for the MIKEY-SAKKE I_MESSAGE parser
 * (firmware/crypto/mikey.c).  Properties checked beyond "no crash, no
 * over-read" (ASan + UBSan): whatever parses can be rebuilt by
 * mikey_imsg_build, and the rebuilt message parses to the same fields;
 * the associated-parameters decryption of any type-7 extension fails or
 * succeeds cleanly.
 *
 * Built by tests/fuzz/CMakeLists.txt: with -DKMS_FUZZ=ON (clang) as a
 * libFuzzer binary, and always as a replay program (replay.c) that runs
 * the seed corpus and deterministic mutations of it in the normal suite.
 * Seeds: tests/fuzz/corpus/imessage/.  Bounded run: tests/fuzz/run.sh.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* RFC 6507 Appendix A: SSK, PVT and HS, j (public test values). */
static const uint8_t t_ssk[32] = {
	0x23, 0xf3, 0x74, 0xae, 0x1f, 0x40, 0x33, 0xf3,
	0xe9, 0xdb, 0xdd, 0xaa, 0xef, 0x20, 0xf4, 0xcf,
	0x0b, 0x86, 0xbb, 0xd5, 0xa1, 0x38, 0xa5, 0xae,
	0x9e, 0x7e, 0x00, 0x6b, 0x34, 0x48, 0x9a, 0x0d,
};
static const uint8_t t_pvt[65] = {
	0x04, 0x75, 0x8a, 0x14, 0x27, 0x79, 0xbe, 0x89,
	0xe8, 0x29, 0xe7, 0x19, 0x84, 0xcb, 0x40, 0xef,
	0x75, 0x8c, 0xc4, 0xad, 0x77, 0x5f, 0xc5, 0xb9,
	0xa3, 0xe1, 0xc8, 0xed, 0x52, 0xf6, 0xfa, 0x36,
	0xd9, 0xa7, 0x9d, 0x24, 0x76, 0x92, 0xf4, 0xed,
	0xa3, 0xa6, 0xbd, 0xab, 0x77, 0xd6, 0xaa, 0x64,
	0x74, 0xa4, 0x64, 0xae, 0x49, 0x34, 0x66, 0x3c,
	0x52, 0x65, 0xba, 0x70, 0x18, 0xba, 0x09, 0x1f,
	0x79,
};
static const uint8_t t_hs[32] = {
	0x49, 0x0f, 0x3f, 0xeb, 0xbc, 0x1c, 0x90, 0x2f,
	0x62, 0x89, 0x72, 0x3d, 0x7f, 0x8c, 0xbf, 0x79,
	0xdb, 0x88, 0x93, 0x08, 0x49, 0xd1, 0x9f, 0x38,
	0xf0, 0x29, 0x5b, 0x5c, 0x27, 0x6c, 0x14, 0xd1,
};

static int
fixed_j(void *arg, uint8_t *out, size_t len)
{
	(void)arg;
	memset(out, 0, len);
	out[len - 3] = 0x03;
	out[len - 2] = 0x45;
	out[len - 1] = 0x67;
	return 0;
}

static int
same_bytes(const struct mikey_bytes *a, const struct mikey_bytes *b)
{
	return a->len == b->len &&
	    (a->len == 0 || memcmp(a->p, b->p, a->len) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t		 out[MIKEY_MSG_MAX], pt[MIKEY_AP_PT_MAX];
	static const uint8_t	 key[16] = { 0x07, 0xd1, 0xa1, 0x67 };
	struct mikey_imsg	 m, m2;
	struct mikey_ap		 ap;
	const struct mikey_gext	*gx;
	size_t			 n, i;
	uint8_t			 role;

	if (mikey_imsg_parse(data, size, &m) != CRYPTO_OK)
		return 0;
	for (role = 0; role < 12; role++)
		(void)mikey_imsg_idr(&m, role);
	if ((gx = mikey_imsg_gext(&m, MIKEY_GEXT_AP)) != NULL)
		(void)mikey_ap_open(gx->data.p, gx->data.len, key, m.csb_id,
		    &ap, pt, sizeof(pt));

	/* Round trip: build what was parsed, parse it again. */
	if (mikey_imsg_build(&m, t_ssk, t_pvt, t_hs, fixed_j, NULL, out,
	    sizeof(out), &n) != CRYPTO_OK)
		abort();
	if (n != size || mikey_imsg_parse(out, n, &m2) != CRYPTO_OK)
		abort();
	if (m2.csb_id != m.csb_id || m2.prf != m.prf || m2.ncs != m.ncs ||
	    m2.map_type != m.map_type || m2.t_ntp64 != m.t_ntp64 ||
	    !same_bytes(&m2.rand, &m.rand) || m2.nidr != m.nidr ||
	    m2.nsp != m.nsp || m2.ngext != m.ngext || m2.ncert != m.ncert ||
	    m2.sakke_scheme != m.sakke_scheme ||
	    memcmp(m2.sakke_data, m.sakke_data, MIKEY_SAKKE_DATA_LEN) != 0)
		abort();
	for (i = 0; i < m.nidr; i++)
		if (m2.idr[i].role != m.idr[i].role ||
		    !same_bytes(&m2.idr[i].id, &m.idr[i].id))
			abort();
	for (i = 0; i < m.ncs; i++)
		if (m2.cs[i].cs_id != m.cs[i].cs_id ||
		    !same_bytes(&m2.cs[i].spi, &m.cs[i].spi) ||
		    !same_bytes(&m2.cs[i].session, &m.cs[i].session))
			abort();
	return 0;
}
