/*
 * test_tkms.c - the MIKEY-TICKET KMS on software keys: PRF and key
 * protection against the vectors of spec/mikey-ticket.md 12, the ticket
 * format (seal, open, tampering, key generations), the request / transfer
 * / resolve flow with the UE code of tools/ims-client, and each refusal
 * with its HTTP status or MIKEY error.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/rand.h>

#include "ticket.h"
#include "ue.h"

#define NOW	1767225600	/* 2026-01-01T00:00:00Z */
#define KMS_ID	"kms.operator.example"
#define ALICE	"sip:alice@operator.example"
#define BOB	"sip:bob@operator.example"
#define A_KEYID	"QUxJQ0VSQU5E@bsf.operator.example"
#define B_KEYID	"Qk9CUkFORA==@bsf.operator.example"

static void
unhex(const char *h, uint8_t *out, size_t len)
{
	size_t	 i;

	assert_int_equal(strlen(h), 2 * len);
	for (i = 0; i < len; i++) {
		unsigned int v;

		assert_int_equal(sscanf(h + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

static void
seq(uint8_t *out, size_t len, uint8_t first)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		out[i] = (uint8_t)(first + i);
}

/* --- software keys --------------------------------------------------- */

struct soft {
	struct ue	 a, b, b2;	/* b2: a second device of bob */
	uint8_t		 tpk[3][TK_KEY_LEN];	/* generations 1, 2 */
	uint32_t	 newest;
	int		 psk_fail;		/* -1: device error */
};

static int
soft_psk(void *ctx, const uint8_t *keyid, size_t klen, const uint8_t *id,
    size_t ilen, struct tk_key *out)
{
	struct soft		*s = ctx;
	const struct ue		*u[3] = { &s->a, &s->b, &s->b2 };
	size_t			 i;

	if (s->psk_fail)
		return s->psk_fail;
	for (i = 0; i < 3; i++) {
		if (strlen(u[i]->keyid) == klen &&
		    memcmp(u[i]->keyid, keyid, klen) == 0 &&
		    strlen(u[i]->id) == ilen && memcmp(u[i]->id, id, ilen) == 0) {
			memset(out, 0, sizeof(*out));
			out->raw = u[i]->psk;
			out->raw_len = TK_KEY_LEN;
			return 0;
		}
	}
	return 1;
}

static int
soft_tpk(void *ctx, uint32_t gen, struct tk_key *out, uint32_t *gen_out)
{
	struct soft	*s = ctx;

	if (gen == 0)
		gen = s->newest;
	if (gen < 1 || gen > 2 || gen > s->newest)
		return 1;
	memset(out, 0, sizeof(*out));
	out->raw = s->tpk[gen];
	out->raw_len = TK_KEY_LEN;
	*gen_out = gen;
	return 0;
}

static int
soft_random(void *ctx, uint8_t *out, size_t len)
{
	(void)ctx;
	return RAND_bytes(out, (int)len) == 1 ? 0 : -1;
}

struct fx {
	struct soft	 s;
	struct tkms	*k;
	uint8_t		 req[MK_MSG_MAX], resp[MK_MSG_MAX];
	uint8_t		 res[MK_MSG_MAX], resp2[MK_MSG_MAX];
	size_t		 req_len, resp_len, res_len, resp2_len;
	struct ue_result ra, rb;
	uint8_t		 ri[32], rr[32];
};

static int
setup(void **state)
{
	struct fx		*f = calloc(1, sizeof(*f));
	struct tkms_keys	 keys = { soft_psk, soft_tpk, soft_random, NULL,
	    NULL };
	struct tkms_conf	 conf = { KMS_ID, 0, 0, 0, NOW - 3600,
	    NULL };

	assert_non_null(f);
	f->s.a.id = ALICE;
	f->s.a.keyid = A_KEYID;
	f->s.a.kms_id = KMS_ID;
	memset(f->s.a.psk, 0xa1, TK_KEY_LEN);
	f->s.b.id = BOB;
	f->s.b.keyid = B_KEYID;
	f->s.b.kms_id = KMS_ID;
	memset(f->s.b.psk, 0xb2, TK_KEY_LEN);
	f->s.b2.id = BOB;
	f->s.b2.keyid = "Qk9CMkRFVklDRQ==@bsf.operator.example";
	f->s.b2.kms_id = KMS_ID;
	memset(f->s.b2.psk, 0xb3, TK_KEY_LEN);
	memset(f->s.tpk[1], 0x11, TK_KEY_LEN);
	memset(f->s.tpk[2], 0x22, TK_KEY_LEN);
	f->s.newest = 1;
	keys.ctx = &f->s;
	assert_int_equal(tkms_new(&conf, &keys, &f->k), 0);
	seq(f->ri, 32, 0x40);
	seq(f->rr, 32, 0x80);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;

	tkms_free(f->k);
	free(f);
	return 0;
}

/* Alice asks for a ticket for bob at time t; the KMS answers at now. */
static void
do_request_as(struct fx *f, const struct ue *u, int64_t t, int64_t now,
    int64_t valid_to, struct tkms_result *r)
{
	assert_int_equal(ue_request_init(u, BOB, 0x11223344, t, valid_to,
	    f->ri, sizeof(f->ri), f->req, sizeof(f->req), &f->req_len), 0);
	assert_int_equal(tkms_handle(f->k, TKMS_TICKET_REQUEST, f->req,
	    f->req_len, now, f->resp, sizeof(f->resp), &f->resp_len, r), 0);
}

static void
do_request(struct fx *f, int64_t t, int64_t now, int64_t valid_to,
    struct tkms_result *r)
{
	do_request_as(f, &f->s.a, t, now, valid_to, r);
}

/* A full request; ra holds alice's result. */
static void
request_ok(struct fx *f, int64_t valid_to)
{
	struct tkms_result	 r;

	do_request(f, NOW, NOW, valid_to, &r);
	assert_int_equal(r.http, 200);
	assert_int_equal(r.mikey_err, TKMS_NO_ERR);
	assert_true(r.released);
	assert_string_equal(r.identity, ALICE);
	assert_int_equal(ue_response(&f->s.a, f->req, f->req_len, f->resp,
	    f->resp_len, &f->ra), 0);
	assert_int_equal(f->ra.mikey_err, TKMS_NO_ERR);
	assert_non_null(f->ra.ticket);
}

/* User u resolves alice's ticket at time now. */
static void
do_resolve(struct fx *f, const struct ue *u, int64_t now,
    struct tkms_result *r)
{
	assert_int_equal(ue_resolve_init(u, f->ra.ticket, 0x55667788, now,
	    f->rr, sizeof(f->rr), f->res, sizeof(f->res), &f->res_len), 0);
	assert_int_equal(tkms_handle(f->k, TKMS_TICKET_RESOLVE, f->res,
	    f->res_len, now, f->resp2, sizeof(f->resp2), &f->resp2_len, r), 0);
}

/* User u resolves alice's ticket at KMS k at time now. */
static void
do_resolve_at(struct fx *f, struct tkms *k, const struct ue *u, int64_t now,
    struct tkms_result *r)
{
	assert_int_equal(ue_resolve_init(u, f->ra.ticket, 0x55667788, now,
	    f->rr, sizeof(f->rr), f->res, sizeof(f->res), &f->res_len), 0);
	assert_int_equal(tkms_handle(k, TKMS_TICKET_RESOLVE, f->res,
	    f->res_len, now, f->resp2, sizeof(f->resp2), &f->resp2_len, r), 0);
}

/* The MIKEY error of answer resp to init (for user u). */
static uint8_t
mikey_err(const struct ue *u, const uint8_t *init, size_t init_len,
    const uint8_t *resp, size_t resp_len, bool *has_v)
{
	static struct ue_result	 r;

	assert_int_equal(ue_response(u, init, init_len, resp, resp_len, &r),
	    0);
	*has_v = r.err_has_v;
	return r.mikey_err;
}

/* --- vectors (spec/mikey-ticket.md 12) ------------------------------- */

static void
test_prf_vectors(void **state)
{
	struct tk_key		 k;
	struct tk_keyset	 ks;
	uint8_t			 in[48], lab[TK_LABEL_MAX], out[48], want[48];
	uint8_t			 psk[32], ri[16], mpk[32], rnd[32];
	size_t			 n;

	(void)state;
	/* KAT-2: 384-bit inkey (n = 2), PRF-HMAC-SHA-256, 384 bits. */
	seq(in, 48, 0);
	memset(&k, 0, sizeof(k));
	k.raw = in;
	k.raw_len = 48;
	{
		uint8_t	 l2[25];

		/* KAT-1's label: const | CS ID 1 | CSB ID | RAND 10..1f */
		unhex("2ad01c640111223344", l2, 9);
		seq(l2 + 9, 16, 0x10);
		unhex("bb754d2497dec18d0b2678f254f78af2cfa1b285a55ae10de55026"
		    "f4130f0d607f7b22596cb4633a68c7f3a98397c04e", want, 48);
		assert_int_equal(tk_prf(&k, l2, 25, out, 48), 0);
		assert_memory_equal(out, want, 48);
	}

	/* KAT-3: message keys from a 256-bit PSK, RANDRi a0..af. */
	seq(psk, 32, 0);
	seq(ri, 16, 0xa0);
	k.raw = psk;
	k.raw_len = 32;
	n = tk_label(lab, TK_C_AUTH, 0xff, 0x11223344, TK_L_INIT, ri, 16,
	    NULL, 0, true);
	unhex("2d22ac75ff1122334401" "10a0a1a2a3a4a5a6a7a8a9aaabacadaeaf00",
	    want, 28);
	assert_int_equal(n, 28);
	assert_memory_equal(lab, want, 28);
	assert_int_equal(tk_derive_keys(&k, 0xff, 0x11223344, TK_L_INIT, ri,
	    16, NULL, 0, true, &ks), 0);
	unhex("2ff9b003fdcdcff683d6cada62c05a21dd0977ae32d9ec27649b7c402e68"
	    "3df5", want, 32);
	assert_memory_equal(ks.auth, want, 32);
	assert_int_equal(tk_derive_keys(&k, 0xff, 0x11223344, TK_L_RESP, ri,
	    16, NULL, 0, true, &ks), 0);
	unhex("4fdfe0bdee822ec038ad3c0931e4c93e20489624f72c8d80671a392be033"
	    "ae19", want, 32);
	assert_memory_equal(ks.encr, want, 32);
	unhex("36da8a9a57928bae66883772f1e8", want, 14);
	assert_memory_equal(ks.salt, want, 14);
	unhex("af7b05901dee3327e902d1e9366e967bfae3f628085c383707befe77f88d"
	    "4ed9", want, 32);
	assert_memory_equal(ks.auth, want, 32);

	/* KAT-4: MPKi from MPK 40..5f, ticket RAND c0..cf. */
	seq(mpk, 32, 0x40);
	seq(rnd, 16, 0xc0);
	k.raw = mpk;
	n = tk_label(lab, TK_C_MPKI, 0xff, 0xffffffffu, TK_L_MPK, rnd, 16,
	    NULL, 0, false);
	assert_int_equal(tk_prf(&k, lab, n, out, 32), 0);
	unhex("0f29b745f5a7b9c317c4bd64e5e989ff253264001bf419b09a62d7367361"
	    "3040", want, 32);
	assert_memory_equal(out, want, 32);
	n = tk_label(lab, TK_C_MPKR, 0xff, 0xffffffffu, TK_L_MPK, rnd, 16,
	    NULL, 0, false);
	assert_int_equal(tk_prf(&k, lab, n, out, 32), 0);
	unhex("ab41c7ba1ca72bda0ec775e757ba40265d77da0bebcbddb5258eb29cdc8c"
	    "8d2a", want, 32);
	assert_memory_equal(out, want, 32);
	/* KAT-4: MPKr' = fork(MPKr, IDRr sip:bob@..., RANDRkms d0..ef). */
	seq(rnd, 32, 0xd0);
	assert_int_equal(tk_fork(out, TK_C_MPKR_FORK, (const uint8_t *)BOB,
	    strlen(BOB), rnd, 32, lab), 0);
	unhex("9a80f1ec624f1462c133bc1f8b173d9f61af43559b7559ce2c401a611950"
	    "2fd2", want, 32);
	assert_memory_equal(lab, want, 32);
}

/* 12.3: the KEMAC of a REQUEST_RESP, AES-CM-256 with KAT-3's keys. */
static void
test_kemac_vector(void **state)
{
	struct tk_key		 k;
	struct tk_keyset	 ks;
	uint8_t			 psk[32], ri[16], plain[76], out[76], want[76];

	(void)state;
	seq(psk, 32, 0);
	seq(ri, 16, 0xa0);
	memset(&k, 0, sizeof(k));
	k.raw = psk;
	k.raw_len = 32;
	assert_int_equal(tk_derive_keys(&k, 0xff, 0x11223344, TK_L_RESP, ri,
	    16, NULL, 0, true, &ks), 0);
	plain[0] = 0x14;
	plain[1] = 0x61;
	plain[2] = 0x00;
	plain[3] = 0x20;
	seq(plain + 4, 32, 0x40);
	plain[36] = 0x01;
	plain[37] = 0x01;
	plain[38] = 0x00;
	plain[39] = 0x01;
	plain[40] = 0x00;
	plain[41] = 0x20;
	seq(plain + 42, 32, 0x60);
	plain[74] = 0x01;
	plain[75] = 0x02;
	assert_int_equal(tk_aes_cm(ks.encr, ks.salt, 0x11223344,
	    0xe93c7f0100000000ULL, plain, 76, out), 0);
	unhex("0880363f4c48748a6d31c5c920491c459106d30d27baae641560fda84ccb"
	    "cd3b820b82f9e56bb7d10f8be7ac264a25298d992080272ade147c8a1c09"
	    "a8efa71d0c483723b67ba91591635f3b", want, 76);
	assert_memory_equal(out, want, 76);
}

static void
test_base64(void **state)
{
	uint8_t		 b[64];
	char		 e[64];
	size_t		 n;

	(void)state;
	assert_int_equal(tk_b64_decode("AQID\r\nBA==", 10, b, sizeof(b), &n),
	    0);
	assert_int_equal(n, 4);
	assert_int_equal(b[3], 4);
	assert_int_equal(tk_b64_encode(b, 4, e, sizeof(e)), 8);
	assert_string_equal(e, "AQIDBA==");
	assert_int_equal(tk_b64_decode("AQI", 3, b, sizeof(b), &n), -1);
	assert_int_equal(tk_b64_decode("AQ==AQID", 8, b, sizeof(b), &n), -1);
	assert_int_equal(tk_b64_decode("A!ID", 4, b, sizeof(b), &n), -1);
	assert_int_equal(tk_b64_decode("AQIDBA==", 8, b, 3, &n), -1);
	assert_int_equal(tk_b64_decode("", 0, b, sizeof(b), &n), -1);
}

/* --- the ticket format ----------------------------------------------- */

static int
find_gen(void *ctx, uint32_t gen, struct tk_key *out)
{
	uint32_t g;

	return soft_tpk(ctx, gen, out, &g);
}

static void
test_format(void **state)
{
	struct fx		*f = *state;
	struct tk_ticket	 t, o;
	struct tk_key		 k;
	struct mk_tp		 tp;
	uint8_t			 data[TF_DATA_MAX], tpd[] = { 0x00 };
	uint32_t		 g;
	size_t			 n;

	memset(&t, 0, sizeof(t));
	t.key_gen = 1;
	t.issued = tk_ntp_from_unix(NOW);
	memset(t.rand, 0x33, sizeof(t.rand));
	memset(t.mpk, 0x44, sizeof(t.mpk));
	memset(t.tgk, 0x55, sizeof(t.tgk));
	memset(t.tgk_spi, 0x66, sizeof(t.tgk_spi));
	memset(&tp, 0, sizeof(tp));
	tp.ticket_type = TF_TYPE;
	tp.prf = 1;
	tp.flags = MK_TP_D | MK_TP_E | MK_TP_H;
	tp.tp_data = tpd;
	tp.tp_data_len = 1;
	assert_int_equal(soft_tpk(&f->s, 1, &k, &g), 0);
	assert_int_equal(tf_seal(&k, &tp, &t, data, sizeof(data), &n), TF_OK);
	tp.ticket_data = data;
	tp.ticket_data_len = n;
	assert_int_equal(tf_open(find_gen, &f->s, &tp, &o), TF_OK);
	assert_memory_equal(&o, &t, sizeof(t));

	/* Rotation: a newer key does not break generation 1 tickets. */
	f->s.newest = 2;
	assert_int_equal(tf_open(find_gen, &f->s, &tp, &o), TF_OK);
	/* The policy is covered: flip a flag. */
	tp.flags |= MK_TP_J;
	assert_int_equal(tf_open(find_gen, &f->s, &tp, &o), TF_ERR_MAC);
	tp.flags &= (uint16_t)~MK_TP_J;
	/* Any byte of the data: THDR generation, ciphertext, MAC. */
	data[7] ^= 2;		/* generation 1 -> 3: no such key */
	assert_int_equal(tf_open(find_gen, &f->s, &tp, &o), TF_ERR_KEY);
	data[7] ^= 3;		/* generation 2: the wrong key */
	assert_int_equal(tf_open(find_gen, &f->s, &tp, &o), TF_ERR_MAC);
	data[7] ^= 1;
	data[n - 40] ^= 1;
	assert_int_equal(tf_open(find_gen, &f->s, &tp, &o), TF_ERR_MAC);
	data[n - 40] ^= 1;
	data[n - 1] ^= 1;
	assert_int_equal(tf_open(find_gen, &f->s, &tp, &o), TF_ERR_MAC);
	data[n - 1] ^= 1;
	assert_int_equal(tf_open(find_gen, &f->s, &tp, &o), TF_OK);
	/* Truncated, other types. */
	tp.ticket_data_len = n - 1;
	assert_int_equal(tf_open(find_gen, &f->s, &tp, &o), TF_ERR_FORMAT);
	tp.ticket_data_len = n;
	tp.ticket_type = MK_TICKET_MIKEY_BASE;
	assert_int_equal(tf_open(find_gen, &f->s, &tp, &o), TF_ERR_FORMAT);
}

/* --- the KMS --------------------------------------------------------- */

static void
test_flow(void **state)
{
	struct fx		*f = *state;
	struct tkms_result	 r;
	uint8_t			 tr[MK_MSG_MAX], rt[32], ta[16], tb[16];
	size_t			 trlen;

	request_ok(f, 0);
	assert_int_equal(f->ra.flags, MK_TP_D | MK_TP_E | MK_TP_H | MK_TP_N |
	    MK_TP_O);
	assert_int_equal(f->ra.ticket->u.tp.ticket_type, 2);
	seq(rt, 32, 0xc0);
	assert_int_equal(ue_transfer_init(&f->s.a, BOB, f->ra.mpki, NULL,
	    f->ra.ticket, 0x99, NOW, rt, 32, tr, sizeof(tr), &trlen), 0);
	do_resolve(f, &f->s.b, NOW + 10, &r);
	assert_int_equal(r.http, 200);
	assert_true(r.released);
	assert_int_equal(ue_response(&f->s.b, f->res, f->res_len, f->resp2,
	    f->resp2_len, &f->rb), 0);
	assert_int_equal(f->rb.mikey_err, TKMS_NO_ERR);
	assert_memory_equal(f->ra.mpki, f->rb.mpki, TK_KEY_LEN);
	assert_memory_equal(f->ra.tgk, f->rb.tgk, TK_KEY_LEN);
	assert_int_equal(ue_transfer_verify(tr, trlen, f->rb.mpki), 0);
	tr[20] ^= 1;
	assert_int_equal(ue_transfer_verify(tr, trlen, f->rb.mpki), -1);
	assert_int_equal(ue_tek(f->ra.tgk, 1, rt, 32, ta), 0);
	assert_int_equal(ue_tek(f->rb.tgk, 1, rt, 32, tb), 0);
	assert_memory_equal(ta, tb, 16);
	/* A tampered response fails the UE's check. */
	f->resp2[f->resp2_len - 1] ^= 1;
	assert_int_equal(ue_response(&f->s.b, f->res, f->res_len, f->resp2,
	    f->resp2_len, &f->rb), -1);
}

/* User u resolves the TICKET of TRANSFER_INIT tr (with Initiator Data). */
static void
resolve_transfer(struct fx *f, const struct ue *u, const uint8_t *tr,
    size_t trlen, int64_t now, struct tkms_result *r)
{
	static struct mk_msg	 m;

	assert_int_equal(mk_decode(tr, trlen, &m), MK_OK);
	assert_int_equal(ue_resolve_init(u, mk_find(&m, MK_PT_TICKET, NULL),
	    0x55667788, now, f->rr, sizeof(f->rr), f->res, sizeof(f->res),
	    &f->res_len), 0);
	assert_int_equal(tkms_handle(f->k, TKMS_TICKET_RESOLVE, f->res,
	    f->res_len, now, f->resp2, sizeof(f->resp2), &f->resp2_len, r), 0);
}

/*
 * Key forking (RFC 6043 5.1.1): one ticket, two devices of bob resolve
 * it; each gets MPKi, its own MPKr' and TGK' and the modifier; alice
 * checks each TRANSFER_RESP with the MPKr' she derives and gets the same
 * TGK' (same TEK) as that device; the two devices' keys differ.
 */
static void
test_fork(void **state)
{
	struct fx		*f = *state;
	struct tkms_result	 r;
	static struct ue_result	 d[2];
	const struct ue		*dev[2] = { &f->s.b, &f->s.b2 };
	uint8_t			 tr[MK_MSG_MAX], tresp[MK_MSG_MAX], rt[32];
	uint8_t			 tgk_f[TK_KEY_LEN], ta[16], tb[2][16];
	size_t			 trlen, rlen, i;

	f->s.a.fork = true;
	request_ok(f, 0);
	assert_int_equal(f->ra.flags, MK_TP_D | MK_TP_E | MK_TP_F | MK_TP_H |
	    MK_TP_I | MK_TP_N | MK_TP_O);
	assert_true(f->ra.has_mpkr);
	seq(rt, 32, 0xc0);
	assert_int_equal(ue_transfer_init(&f->s.a, BOB, f->ra.mpki,
	    f->ra.mpkr, f->ra.ticket, 0x99, NOW, rt, 32, tr, sizeof(tr),
	    &trlen), 0);
	for (i = 0; i < 2; i++) {
		resolve_transfer(f, dev[i], tr, trlen, NOW + 10 + (int64_t)i,
		    &r);
		assert_int_equal(r.http, 200);
		assert_string_equal(r.reason, "ticket resolved (forked keys)");
		assert_int_equal(ue_response(dev[i], f->res, f->res_len,
		    f->resp2, f->resp2_len, &d[i]), 0);
		assert_int_equal(d[i].mikey_err, TKMS_NO_ERR);
		assert_true(d[i].has_mpkr);
		assert_int_equal(d[i].rkms_len, TK_RAND_LEN);
		assert_string_equal(d[i].idr, BOB);
		assert_memory_equal(d[i].mpki, f->ra.mpki, TK_KEY_LEN);
		assert_memory_not_equal(d[i].tgk, f->ra.tgk, TK_KEY_LEN);
		assert_int_equal(ue_transfer_verify(tr, trlen, d[i].mpki), 0);
		assert_int_equal(ue_transfer_resp(&d[i], tr, trlen, NOW + 11,
		    tresp, sizeof(tresp), &rlen), 0);
		assert_int_equal(ue_transfer_resp_verify(f->ra.mpkr, f->ra.tgk,
		    tr, trlen, tresp, rlen, tgk_f), 0);
		assert_memory_equal(tgk_f, d[i].tgk, TK_KEY_LEN);
		assert_int_equal(ue_tek(tgk_f, 1, rt, 32, ta), 0);
		assert_int_equal(ue_tek(d[i].tgk, 1, rt, 32, tb[i]), 0);
		assert_memory_equal(ta, tb[i], 16);
		/* Another MPKr (not the requester's) fails the check. */
		tresp[rlen - 1] ^= 1;
		assert_int_equal(ue_transfer_resp_verify(f->ra.mpkr, f->ra.tgk,
		    tr, trlen, tresp, rlen, tgk_f), -1);
	}
	assert_memory_not_equal(d[0].tgk, d[1].tgk, TK_KEY_LEN);
	assert_memory_not_equal(d[0].mpkr, d[1].mpkr, TK_KEY_LEN);
	assert_memory_not_equal(tb[0], tb[1], 16);
	/* Without Initiator Data, or with a Vr not under MPKr: error 14. */
	do_resolve(f, &f->s.b, NOW + 20, &r);
	assert_int_equal(r.http, 200);
	assert_int_equal(r.mikey_err, MK_E_TICKET);
	assert_string_equal(r.reason, "initiator data not authentic");
	tr[trlen - TK_MAC_LEN - 3] ^= 1;	/* last byte of Vr's MAC */
	resolve_transfer(f, &f->s.b2, tr, trlen, NOW + 21, &r);
	assert_int_equal(r.mikey_err, MK_E_TICKET);
	assert_string_equal(r.reason, "initiator data not authentic");
}

/* KMS to KMS in process: KMS_R's peer_resolve calls KMS_I directly. */
#define KMS_I	"kms-i.operator.example"
#define KMS_R	"kms-r.operator.example"

static struct tkms	*k2k_ki;
static int		 k2k_mode;	/* 0 ok, 1 unreachable, 2 bad answer */

static int
k2k_peer(void *ctx, tkms_k2k_build_fn *build, void *bctx, uint8_t *ans,
    size_t ans_size, size_t *ans_len)
{
	static uint8_t		 msg[MK_MSG_MAX];
	struct tkms_peer_in	 pin;
	struct tkms_result	 r;
	size_t			 n;

	(void)ctx;
	if (k2k_mode == 1)
		return -1;
	pin.peer_id = KMS_R;
	memset(pin.key, 0x5a, sizeof(pin.key));	/* "exported" */
	if (build(bctx, pin.key, msg, sizeof(msg), &n) != 0 ||
	    tkms_handle_peer(k2k_ki, TKMS_TICKET_RESOLVE, msg, n, NOW, &pin,
	    ans, ans_size, ans_len, &r) != 0 || r.http != 200)
		return -1;
	if (k2k_mode == 2)
		ans[*ans_len - 1] ^= 1;
	return 0;
}

static void
test_k2k(void **state)
{
	struct fx		*f = *state;
	struct tkms_keys	 keys = { soft_psk, soft_tpk, soft_random, &f->s,
	    k2k_peer };
	struct tkms_conf	 ci = { KMS_I, 0, 0, 0, NOW - 3600, KMS_R };
	struct tkms_conf	 cr = { KMS_R, 0, 0, 0, NOW - 3600, KMS_I };
	struct tkms		*kr;
	struct tkms_result	 r;
	struct ue		 a = f->s.a, b = f->s.b;
	bool			 v;

	a.kms_id = KMS_I;
	b.kms_id = KMS_R;
	assert_int_equal(tkms_new(&ci, &keys, &k2k_ki), 0);
	assert_int_equal(tkms_new(&cr, &keys, &kr), 0);
	/* alice's ticket from KMS_I ... */
	assert_int_equal(ue_request_init(&a, BOB, 0x11223344, NOW, 0, f->ri,
	    32, f->req, sizeof(f->req), &f->req_len), 0);
	assert_int_equal(tkms_handle(k2k_ki, TKMS_TICKET_REQUEST, f->req,
	    f->req_len, NOW, f->resp, sizeof(f->resp), &f->resp_len, &r), 0);
	assert_int_equal(ue_response(&a, f->req, f->req_len, f->resp,
	    f->resp_len, &f->ra), 0);
	assert_non_null(f->ra.ticket);
	/* ... resolved by bob at KMS_R through KMS_I, re-encoded. */
	k2k_mode = 0;
	do_resolve_at(f, kr, &b, NOW, &r);
	assert_int_equal(r.http, 200);
	assert_string_equal(r.reason, "ticket resolved through the peer KMS");
	assert_int_equal(ue_response(&b, f->res, f->res_len, f->resp2,
	    f->resp2_len, &f->rb), 0);
	assert_int_equal(f->rb.mikey_err, TKMS_NO_ERR);
	assert_string_equal(f->rb.kms, KMS_R);
	assert_memory_equal(f->ra.mpki, f->rb.mpki, TK_KEY_LEN);
	assert_memory_equal(f->ra.tgk, f->rb.tgk, TK_KEY_LEN);
	/* The peer unreachable, or its answer tampered: 503. */
	k2k_mode = 1;
	f->rr[0] ^= 1;
	do_resolve_at(f, kr, &b, NOW, &r);
	assert_int_equal(r.http, 503);
	assert_string_equal(r.reason, "peer KMS unavailable");
	k2k_mode = 2;
	f->rr[0] ^= 2;
	do_resolve_at(f, kr, &b, NOW, &r);
	assert_int_equal(r.http, 503);
	assert_string_equal(r.reason, "peer KMS answer not acceptable");
	/* KMS_I refuses (alice is no responder): its error, our V. */
	k2k_mode = 0;
	f->rr[0] ^= 4;
	a.kms_id = KMS_R;
	do_resolve_at(f, kr, &a, NOW, &r);
	assert_string_equal(r.reason, "refused by the peer KMS");
	assert_int_equal(mikey_err(&a, f->res, f->res_len, f->resp2,
	    f->resp2_len, &v), MK_E_ID);
	assert_true(v);
	/* At KMS_I, the peer's IDRpsk without the TLS peer: unknown key. */
	f->rr[0] ^= 8;
	b.keyid = KMS_R;
	b.kms_id = KMS_I;
	do_resolve_at(f, k2k_ki, &b, NOW, &r);
	assert_string_equal(r.reason, "unknown user key");
	tkms_free(kr);
	tkms_free(k2k_ki);
}

static void
test_refuse_unknown_key(void **state)
{
	struct fx		*f = *state;
	struct tkms_result	 r;
	struct ue		 x = f->s.a;
	bool			 v;

	x.keyid = "bm9wZQ==@bsf.operator.example";
	do_request_as(f, &x, NOW, NOW, 0, &r);
	assert_int_equal(r.http, 200);
	assert_false(r.released);
	assert_string_equal(r.reason, "unknown user key");
	assert_int_equal(mikey_err(&f->s.a, f->req, f->req_len, f->resp,
	    f->resp_len, &v), MK_E_AUTH);
	assert_false(v);	/* never MACed: no key to MAC with */
	/* A key bound to another identity is unknown too. */
	x.keyid = B_KEYID;
	do_request_as(f, &x, NOW, NOW, 0, &r);
	assert_string_equal(r.reason, "unknown user key");
	/* The key store failing is 503, not a MIKEY error. */
	f->s.psk_fail = -1;
	do_request(f, NOW + 1, NOW + 1, 0, &r);
	assert_int_equal(r.http, 503);
}

static void
test_refuse_bad_mac(void **state)
{
	struct fx		*f = *state;
	struct tkms_result	 r;
	bool			 v;

	assert_int_equal(ue_request_init(&f->s.a, BOB, 1, NOW, 0, f->ri, 32,
	    f->req, sizeof(f->req), &f->req_len), 0);
	f->req[f->req_len - 5] ^= 0x10;
	assert_int_equal(tkms_handle(f->k, TKMS_TICKET_REQUEST, f->req,
	    f->req_len, NOW, f->resp, sizeof(f->resp), &f->resp_len, &r), 0);
	assert_int_equal(r.http, 200);
	assert_string_equal(r.reason, "bad MAC");
	assert_int_equal(mikey_err(&f->s.a, f->req, f->req_len, f->resp,
	    f->resp_len, &v), MK_E_AUTH);
	assert_false(v);
	/* A bad MAC is not remembered: the genuine message still works. */
	f->req[f->req_len - 5] ^= 0x10;
	assert_int_equal(tkms_handle(f->k, TKMS_TICKET_REQUEST, f->req,
	    f->req_len, NOW, f->resp, sizeof(f->resp), &f->resp_len, &r), 0);
	assert_true(r.released);
}

static void
test_refuse_replay(void **state)
{
	struct fx		*f = *state;
	struct tkms_result	 r;
	bool			 v;

	request_ok(f, 0);
	assert_int_equal(tkms_handle(f->k, TKMS_TICKET_REQUEST, f->req,
	    f->req_len, NOW + 5, f->resp, sizeof(f->resp), &f->resp_len, &r),
	    0);
	assert_int_equal(r.http, 200);
	assert_false(r.released);
	assert_string_equal(r.reason, "replayed message");
	assert_int_equal(mikey_err(&f->s.a, f->req, f->req_len, f->resp,
	    f->resp_len, &v), MK_E_TS);
	/* Same T, another RAND: a new message. */
	f->ri[0] ^= 1;
	request_ok(f, 0);
	/* Resolve replays too. */
	do_resolve(f, &f->s.b, NOW, &r);
	assert_true(r.released);
	assert_int_equal(tkms_handle(f->k, TKMS_TICKET_RESOLVE, f->res,
	    f->res_len, NOW, f->resp2, sizeof(f->resp2), &f->resp2_len, &r),
	    0);
	assert_string_equal(r.reason, "replayed message");
}

static void
test_refuse_stale(void **state)
{
	struct fx		*f = *state;
	struct tkms_result	 r;
	bool			 v;

	do_request(f, NOW - TKMS_SKEW_DEFAULT - 1, NOW, 0, &r);
	assert_int_equal(r.http, 200);
	assert_string_equal(r.reason, "stale timestamp");
	assert_int_equal(mikey_err(&f->s.a, f->req, f->req_len, f->resp,
	    f->resp_len, &v), MK_E_TS);
	do_request(f, NOW + TKMS_SKEW_DEFAULT + 1, NOW, 0, &r);
	assert_string_equal(r.reason, "stale timestamp");
	do_request(f, NOW - TKMS_SKEW_DEFAULT, NOW, 0, &r);
	assert_true(r.released);
}

/* After a restart the cache is empty: older timestamps are refused. */
static void
test_refuse_before_start(void **state)
{
	struct fx		*f = *state;
	struct tkms_keys	 keys = { soft_psk, soft_tpk, soft_random, &f->s,
	    NULL };
	struct tkms_conf	 conf = { KMS_ID, 0, 0, 0, 0, NULL };
	struct tkms_result	 r;
	bool			 v;

	tkms_free(f->k);
	assert_int_equal(tkms_new(&conf, &keys, &f->k), 0);
	/* The first message sets the start; one second of slack. */
	do_request(f, NOW - 1, NOW, 0, &r);
	assert_true(r.released);
	f->ri[0] ^= 1;
	do_request(f, NOW - 2, NOW + 1, 0, &r);
	assert_int_equal(r.http, 200);
	assert_string_equal(r.reason,
	    "timestamp before the replay cache started");
	assert_int_equal(mikey_err(&f->s.a, f->req, f->req_len, f->resp,
	    f->resp_len, &v), MK_E_TS);
	assert_false(v);
}

static void
test_refuse_expired(void **state)
{
	struct fx		*f = *state;
	struct tkms_result	 r;
	bool			 v;

	request_ok(f, NOW + 60);	/* asked: valid for a minute */
	do_resolve(f, &f->s.b, NOW + 61, &r);
	assert_int_equal(r.http, 200);
	assert_string_equal(r.reason, "expired ticket");
	assert_int_equal(mikey_err(&f->s.b, f->res, f->res_len, f->resp2,
	    f->resp2_len, &v), MK_E_TICKET);
	assert_true(v);		/* bob authenticated: the error is MACed */
	/* The default lifetime caps what is asked. */
	f->ri[1] ^= 1;
	request_ok(f, NOW + 10 * TKMS_LIFETIME_DEFAULT);
	f->rr[0] ^= 1;
	do_resolve(f, &f->s.b, NOW + TKMS_LIFETIME_DEFAULT + 1, &r);
	assert_string_equal(r.reason, "expired ticket");
}

static void
test_refuse_ticket(void **state)
{
	struct fx		*f = *state;
	struct tkms_result	 r;
	bool			 v;

	request_ok(f, 0);
	/* Alice is not a responder of her own ticket. */
	do_resolve(f, &f->s.a, NOW, &r);
	assert_string_equal(r.reason, "responder not named in the ticket");
	assert_int_equal(mikey_err(&f->s.a, f->res, f->res_len, f->resp2,
	    f->resp2_len, &v), MK_E_ID);
	/* A tampered ticket. */
	f->ra.buf[f->ra.ticket->off + f->ra.ticket->len - 40] ^= 1;
	f->rr[0] ^= 1;
	do_resolve(f, &f->s.b, NOW, &r);
	assert_string_equal(r.reason, "invalid ticket");
	assert_int_equal(mikey_err(&f->s.b, f->res, f->res_len, f->resp2,
	    f->resp2_len, &v), MK_E_TICKET);
	f->ra.buf[f->ra.ticket->off + f->ra.ticket->len - 40] ^= 1;
	/* A ticket the initiator made (D = 0, mode 3): error 14. */
	{
		struct mk_payload	 t3 = *f->ra.ticket;

		t3.u.tp.flags &= (uint16_t)~MK_TP_D;
		f->rr[0] ^= 8;
		assert_int_equal(ue_resolve_init(&f->s.b, &t3, 0x55667788, NOW,
		    f->rr, sizeof(f->rr), f->res, sizeof(f->res),
		    &f->res_len), 0);
		assert_int_equal(tkms_handle(f->k, TKMS_TICKET_RESOLVE, f->res,
		    f->res_len, NOW, f->resp2, sizeof(f->resp2),
		    &f->resp2_len, &r), 0);
		assert_string_equal(r.reason,
		    "ticket made by the initiator (mode 3) not supported");
		assert_int_equal(mikey_err(&f->s.b, f->res, f->res_len,
		    f->resp2, f->resp2_len, &v), MK_E_TICKET);
		assert_true(v);
	}
	/* A ticket naming another KMS (IDRkms) and no peer: error 7. */
	{
		struct mk_payload	 tpd[MK_PAYLOADS_MAX];
		size_t			 n, i, off = 0;

		assert_int_equal(mk_decode_embedded(f->ra.ticket->u.tp.tp_data,
		    f->ra.ticket->u.tp.tp_data_len, tpd, MK_PAYLOADS_MAX, &n),
		    MK_OK);
		for (i = 0; i < n; i++)
			if (tpd[i].type == MK_PT_IDR &&
			    tpd[i].u.id.role == MK_ROLE_KMS)
				off = (size_t)(tpd[i].u.id.data - f->ra.buf);
		assert_true(off > 0);
		f->ra.buf[off] ^= 1;
		f->rr[0] ^= 16;
		do_resolve(f, &f->s.b, NOW, &r);
		assert_string_equal(r.reason, "ticket from an unknown KMS");
		assert_int_equal(mikey_err(&f->s.b, f->res, f->res_len,
		    f->resp2, f->resp2_len, &v), MK_E_ID);
		assert_true(v);
		f->ra.buf[off] ^= 1;
	}
	/* Rotation: a newer ticket key, the old ticket still resolves. */
	f->s.newest = 2;
	f->rr[0] ^= 2;
	do_resolve(f, &f->s.b, NOW, &r);
	assert_true(r.released);
	/* Its key gone: a ticket from an unknown ticket key. */
	f->s.newest = 0;
	f->rr[0] ^= 4;
	do_resolve(f, &f->s.b, NOW, &r);
	assert_string_equal(r.reason, "ticket from an unknown ticket key");
	assert_int_equal(mikey_err(&f->s.b, f->res, f->res_len, f->resp2,
	    f->resp2_len, &v), MK_E_TICKET);
	/* No ticket key at all: a request is 503. */
	f->ri[0] ^= 1;
	do_request(f, NOW, NOW, 0, &r);
	assert_int_equal(r.http, 503);
}

static void
test_refuse_http(void **state)
{
	struct fx		*f = *state;
	struct tkms_result	 r;
	bool			 v;

	assert_int_equal(ue_request_init(&f->s.a, BOB, 1, NOW, 0, f->ri, 32,
	    f->req, sizeof(f->req), &f->req_len), 0);
	/* A REQUEST_INIT sent as ticketresolve: 400. */
	assert_int_equal(tkms_handle(f->k, TKMS_TICKET_RESOLVE, f->req,
	    f->req_len, NOW, f->resp, sizeof(f->resp), &f->resp_len, &r), 0);
	assert_int_equal(r.http, 400);
	assert_int_equal(f->resp_len, 0);
	/* Truncated and over-long: 400. */
	assert_int_equal(tkms_handle(f->k, TKMS_TICKET_REQUEST, f->req,
	    f->req_len - 1, NOW, f->resp, sizeof(f->resp), &f->resp_len, &r),
	    0);
	assert_int_equal(r.http, 400);
	f->req[f->req_len] = 0;
	assert_int_equal(tkms_handle(f->k, TKMS_TICKET_REQUEST, f->req,
	    f->req_len + 1, NOW, f->resp, sizeof(f->resp), &f->resp_len, &r),
	    0);
	assert_int_equal(r.http, 400);
	/* The PK variant: MIKEY error 11 (Invalid DT), no V. */
	f->req[1] = MK_DT_REQUEST_INIT_PK;
	assert_int_equal(tkms_handle(f->k, TKMS_TICKET_REQUEST, f->req,
	    f->req_len, NOW, f->resp, sizeof(f->resp), &f->resp_len, &r), 0);
	assert_int_equal(r.http, 200);
	assert_int_equal(r.mikey_err, MK_E_DT);
	assert_string_equal(r.reason, "public-key variant not offered");
	assert_int_equal(mikey_err(&f->s.a, f->req, f->req_len, f->resp,
	    f->resp_len, &v), MK_E_DT);
	assert_false(v);
	f->req[1] = MK_DT_REQUEST_INIT_PSK;
	/* PRF 0 (MIKEY-1): Error Invalid PRF. */
	f->req[3] = 0x80;
	assert_int_equal(tkms_handle(f->k, TKMS_TICKET_REQUEST, f->req,
	    f->req_len, NOW, f->resp, sizeof(f->resp), &f->resp_len, &r), 0);
	assert_int_equal(r.http, 200);
	assert_int_equal(r.mikey_err, MK_E_PRF);
	f->req[3] = 0x81;
	/* Another KMS named in IDRkms: Error Invalid ID, MACed. */
	{
		struct ue	 x = f->s.a;

		x.kms_id = "kms.other.example";
		assert_int_equal(ue_request_init(&x, BOB, 1, NOW, 0, f->ri,
		    32, f->req, sizeof(f->req), &f->req_len), 0);
	}
	assert_int_equal(tkms_handle(f->k, TKMS_TICKET_REQUEST, f->req,
	    f->req_len, NOW, f->resp, sizeof(f->resp), &f->resp_len, &r), 0);
	assert_int_equal(r.mikey_err, MK_E_ID);
	assert_int_equal(mikey_err(&f->s.a, f->req, f->req_len, f->resp,
	    f->resp_len, &v), MK_E_ID);
	assert_true(v);
}

int
main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prf_vectors),
		cmocka_unit_test(test_kemac_vector),
		cmocka_unit_test(test_base64),
		cmocka_unit_test_setup_teardown(test_format, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fork, setup, teardown),
		cmocka_unit_test_setup_teardown(test_k2k, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_unknown_key, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_refuse_bad_mac, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_refuse_replay, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_refuse_stale, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_refuse_before_start, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_refuse_expired, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_refuse_ticket, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_refuse_http, setup,
		    teardown),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
