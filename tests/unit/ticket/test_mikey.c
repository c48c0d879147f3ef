/*
 * test_mikey.c - unit tests of the MIKEY codec (firmware/ticket).
 *
 * Vectors: shared/spec/mikey-ticket.md section 12.2 (a complete
 * REQUEST_INIT_PSK, with its base64 and its V MAC under the KAT-3
 * auth_key) and section 12.3 (the KEMAC of a REQUEST_RESP, with the KAT-3
 * response keys and the plaintext key data).  They are regression
 * vectors computed for that note, not from a standard.  OpenSSL is used
 * here only to check the MAC and the KEMAC ciphertext of the vectors, so
 * the byte ranges the codec reports are the right ones.
 *
 * Usage: test_mikey [test-name-filter]
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "ticket.h"

#define MUTATIONS	4000	/* random mutations per vector */
#define MUT_SEED	0x6d696b6579ULL	/* "mikey": deterministic */
#define BUF_MAX		4096

/* mikey-ticket.md 12.2: REQUEST_INIT_PSK, 169 bytes. */
static const char ri_full_hex[] =
    "010b0581112233440001"			/* HDR */
    "0f00e93c7f0000000000"			/* T */
    "0e0110a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"	/* RANDRi */
    "0e0101001a7369703a616c696365406f70657261746f722e6578616d706c65"
						/* IDRi */
    "10030100146b6d732e6f70657261746f722e6578616d706c65"	/* IDRkms */
    "090002000003f060001e"			/* TP fixed part */
    "0e00020100187369703a626f62406f70657261746f722e6578616d706c65"
						/* TP Data: IDRr */
    "000259babf898fa92a5b320ee0c932c2e42c1d4c3fb3fb5070184ed880d5f00936cb";
						/* V */
static const char ri_b64[] =
    "AQsFgREiM0QAAQ8A6Tx/AAAAAAAOARCgoaKjpKWmp6ipqqusra6vDgEBABpzaXA6YWxpY2"
    "VAb3BlcmF0b3IuZXhhbXBsZRADAQAUa21zLm9wZXJhdG9yLmV4YW1wbGUJAAIAAAPwYAAe"
    "DgACAQAYc2lwOmJvYkBvcGVyYXRvci5leGFtcGxlAAJZur+Jj6kqWzIO4MkywuQsHUw/s/"
    "tQcBhO2IDV8Ak2yw==";
/* KAT-3 REQUEST_INIT auth_key (PRF-HMAC-SHA-256, 256 bits). */
static const char kat3_auth_hex[] =
    "2ff9b003fdcdcff683d6cada62c05a21dd0977ae32d9ec27649b7c402e683df5";
static const char alice[] = "sip:alice@operator.example";
static const char kms[] = "kms.operator.example";
static const char bob[] = "sip:bob@operator.example";

/*
 * mikey-ticket.md 12.3: a REQUEST_RESP-shaped message around the KEMAC
 * vector: HDR (type 13, V 0), T = e93c7f0100000000, the KEMAC payload of
 * the note, and a V (HMAC-SHA-256-256) whose MAC is not part of the
 * vector (zeros here).
 */
static const char rr_full_hex[] =
    "010d0501112233440001"
    "0100e93c7f0100000000"
    "0903004c"
    "0880363f4c48748a6d31c5c920491c459106d30d27baae641560fda84ccbcd3b"
    "820b82f9e56bb7d10f8be7ac264a25298d992080272ade147c8a1c09a8efa71d"
    "0c483723b67ba91591635f3b"
    "00"
    "0002"
    "0000000000000000000000000000000000000000000000000000000000000000";
static const char rr_plain_hex[] =
    "14610020404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
    "0101"
    "00010020606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
    "0102";
static const char kat3_encr_hex[] =
    "4fdfe0bdee822ec038ad3c0931e4c93e20489624f72c8d80671a392be033ae19";
static const char kat3_salt_hex[] = "36da8a9a57928bae66883772f1e8";
static const char rr_iv_hex[] = "36da9bb864d6629219893772f1e80000";

struct vec {
	uint8_t	b[BUF_MAX];
	size_t	len;
};

static size_t
unhex(const char *s, uint8_t *out, size_t max)
{
	size_t		n = 0;
	unsigned	v;

	while (s[0] != '\0' && s[1] != '\0') {
		assert_true(n < max);
		assert_int_equal(sscanf(s, "%2x", &v), 1);
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

static void
vec_load(struct vec *v, const char *hex)
{
	v->len = unhex(hex, v->b, sizeof(v->b));
}

/* The payload views of a decoded message, re-encoded, equal its input. */
static void
assert_reencodes(struct mk_msg *m)
{
	uint8_t	out[MK_MSG_MAX];
	size_t	len;

	assert_int_equal(mk_encode(m->p, m->count, out, sizeof(out), &len),
	    MK_OK);
	assert_int_equal(len, m->len);
	assert_memory_equal(out, m->buf, len);
}

/* 12.2 decodes to the documented fields, and re-encodes identically. */
static void
test_vector_request_init(void **state)
{
	static struct mk_msg	 m;
	struct mk_payload	 emb[4];
	const struct mk_payload	*p;
	struct vec		 v, b64;
	size_t			 n;

	vec_load(&v, ri_full_hex);
	assert_int_equal(v.len, 169);
	/* The hex and the note's base64 are the same bytes. */
	n = (size_t)EVP_DecodeBlock(b64.b, (const unsigned char *)ri_b64,
	    (int)strlen(ri_b64));
	assert_int_equal(n - 2, v.len);	/* "==" of padding */
	assert_memory_equal(b64.b, v.b, v.len);

	assert_int_equal(mk_decode(v.b, v.len, &m), MK_OK);
	assert_int_equal(m.count, 7);

	p = &m.p[0];
	assert_int_equal(p->type, MK_PT_HDR);
	assert_int_equal(p->off, 0);
	assert_int_equal(p->len, 10);
	assert_int_equal(p->next, MK_PT_T);
	assert_int_equal(p->u.hdr.version, 1);
	assert_int_equal(p->u.hdr.data_type, MK_DT_REQUEST_INIT_PSK);
	assert_true(p->u.hdr.v);
	assert_int_equal(p->u.hdr.prf, MK_PRF_HMAC_SHA256);
	assert_int_equal(p->u.hdr.csb_id, 0x11223344);
	assert_int_equal(p->u.hdr.cs_count, 0);
	assert_int_equal(p->u.hdr.map_type, MK_MAP_EMPTY);
	assert_int_equal(p->u.hdr.map_info_len, 0);

	p = &m.p[1];
	assert_int_equal(p->type, MK_PT_T);
	assert_int_equal(p->next, MK_PT_RANDR);
	assert_int_equal(p->u.ts.ts_type, MK_TS_NTP_UTC);
	assert_true(p->u.ts.value == 0xe93c7f0000000000ULL);

	p = &m.p[2];
	assert_int_equal(p->type, MK_PT_RANDR);
	assert_int_equal(p->u.rand.role, MK_RANDR_I);
	assert_int_equal(p->u.rand.rand_len, 16);
	assert_int_equal(p->u.rand.rand[0], 0xa0);
	assert_int_equal(p->u.rand.rand[15], 0xaf);

	p = &m.p[3];
	assert_int_equal(p->type, MK_PT_IDR);
	assert_int_equal(p->u.id.role, MK_ROLE_I);
	assert_int_equal(p->u.id.id_type, MK_ID_URI);
	assert_int_equal(p->u.id.data_len, strlen(alice));
	assert_memory_equal(p->u.id.data, alice, strlen(alice));

	p = &m.p[4];
	assert_int_equal(p->type, MK_PT_IDR);
	assert_int_equal(p->next, MK_PT_TP);
	assert_int_equal(p->u.id.role, MK_ROLE_KMS);
	assert_int_equal(p->u.id.id_type, MK_ID_URI);
	assert_memory_equal(p->u.id.data, kms, strlen(kms));

	p = &m.p[5];
	assert_int_equal(p->type, MK_PT_TP);
	assert_int_equal(p->next, MK_PT_V);
	assert_int_equal(p->u.tp.ticket_type, MK_TICKET_3GPP);
	assert_int_equal(p->u.tp.subtype, 0);
	assert_int_equal(p->u.tp.version, 0);
	assert_int_equal(p->u.tp.prf, MK_PRF_HMAC_SHA256);
	assert_int_equal(p->u.tp.flags, MK_TP_D | MK_TP_E | MK_TP_F |
	    MK_TP_G | MK_TP_H | MK_TP_N | MK_TP_O);
	assert_int_equal(p->u.tp.reserved, 0);
	assert_int_equal(p->u.tp.tp_data_len, 30);
	assert_int_equal(mk_decode_embedded(p->u.tp.tp_data,
	    p->u.tp.tp_data_len, emb, 4, &n), MK_OK);
	assert_int_equal(n, 1);
	assert_int_equal(emb[0].type, MK_PT_IDR);
	assert_int_equal(emb[0].off, 1);
	assert_int_equal(emb[0].next, MK_PT_LAST);
	assert_int_equal(emb[0].u.id.role, MK_ROLE_R);
	assert_int_equal(emb[0].u.id.id_type, MK_ID_URI);
	assert_memory_equal(emb[0].u.id.data, bob, strlen(bob));

	p = &m.p[6];
	assert_int_equal(p->type, MK_PT_V);
	assert_int_equal(p->next, MK_PT_LAST);
	assert_int_equal(p->u.v.auth_alg, MK_MAC_HMAC_SHA256_256);
	assert_int_equal(p->u.v.mac_len, 32);
	assert_int_equal(p->off + p->len, v.len);
	assert_ptr_equal(p->u.v.mac, v.b + 137);
	assert_ptr_equal(mk_find(&m, MK_PT_V, NULL), p);
	assert_ptr_equal(mk_find(&m, MK_PT_IDR, &m.p[3]), &m.p[4]);
	assert_null(mk_find(&m, MK_PT_IDR, &m.p[4]));

	assert_reencodes(&m);
}

/*
 * The V MAC of 12.2 checks over the byte range the views give: every byte
 * before the MAC, then Identity_i and Identity_kms (RFC 6043 5.5).
 */
static void
test_vector_request_init_mac(void **state)
{
	static struct mk_msg	 m;
	const struct mk_payload	*v, *idri, *idrkms;
	uint8_t			 key[32], in[512], mac[32];
	unsigned		 maclen = 0;
	size_t			 n = 0, macoff;
	struct vec		 vec;

	vec_load(&vec, ri_full_hex);
	unhex(kat3_auth_hex, key, sizeof(key));
	assert_int_equal(mk_decode(vec.b, vec.len, &m), MK_OK);
	v = mk_find(&m, MK_PT_V, NULL);
	idri = mk_find(&m, MK_PT_IDR, NULL);
	idrkms = mk_find(&m, MK_PT_IDR, idri);
	assert_non_null(v);
	assert_non_null(idrkms);
	macoff = v->off + v->len - v->u.v.mac_len;
	memcpy(in, m.buf, macoff);
	n = macoff;
	memcpy(in + n, idri->u.id.data, idri->u.id.data_len);
	n += idri->u.id.data_len;
	memcpy(in + n, idrkms->u.id.data, idrkms->u.id.data_len);
	n += idrkms->u.id.data_len;
	assert_non_null(HMAC(EVP_sha256(), key, sizeof(key), in, n, mac,
	    &maclen));
	assert_int_equal(maclen, v->u.v.mac_len);
	assert_memory_equal(mac, v->u.v.mac, maclen);
}

/* 12.2 built from its field values, not from a decode, is the vector. */
static void
test_vector_request_init_build(void **state)
{
	static const uint8_t	rand[16] = {
		0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
		0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf };
	struct mk_payload	p[7], e[1];
	uint8_t			tpdata[64], out[512];
	size_t			tplen, len;
	struct vec		v;

	vec_load(&v, ri_full_hex);
	memset(e, 0, sizeof(e));
	e[0].type = MK_PT_IDR;
	e[0].u.id.role = MK_ROLE_R;
	e[0].u.id.id_type = MK_ID_URI;
	e[0].u.id.data = (const uint8_t *)bob;
	e[0].u.id.data_len = strlen(bob);
	assert_int_equal(mk_encode_embedded(e, 1, tpdata, sizeof(tpdata),
	    &tplen), MK_OK);
	assert_int_equal(tplen, 30);

	memset(p, 0, sizeof(p));
	p[0].type = MK_PT_HDR;
	p[0].u.hdr.version = MK_VERSION;
	p[0].u.hdr.data_type = MK_DT_REQUEST_INIT_PSK;
	p[0].u.hdr.v = true;
	p[0].u.hdr.prf = MK_PRF_HMAC_SHA256;
	p[0].u.hdr.csb_id = 0x11223344;
	p[0].u.hdr.map_type = MK_MAP_EMPTY;
	p[1].type = MK_PT_T;
	p[1].u.ts.ts_type = MK_TS_NTP_UTC;
	p[1].u.ts.value = 0xe93c7f0000000000ULL;
	p[2].type = MK_PT_RANDR;
	p[2].u.rand.role = MK_RANDR_I;
	p[2].u.rand.rand = rand;
	p[2].u.rand.rand_len = sizeof(rand);
	p[3].type = MK_PT_IDR;
	p[3].u.id.role = MK_ROLE_I;
	p[3].u.id.id_type = MK_ID_URI;
	p[3].u.id.data = (const uint8_t *)alice;
	p[3].u.id.data_len = strlen(alice);
	p[4].type = MK_PT_IDR;
	p[4].u.id.role = MK_ROLE_KMS;
	p[4].u.id.id_type = MK_ID_URI;
	p[4].u.id.data = (const uint8_t *)kms;
	p[4].u.id.data_len = strlen(kms);
	p[5].type = MK_PT_TP;
	p[5].u.tp.ticket_type = MK_TICKET_3GPP;
	p[5].u.tp.prf = MK_PRF_HMAC_SHA256;
	p[5].u.tp.flags = MK_TP_D | MK_TP_E | MK_TP_F | MK_TP_G |
	    MK_TP_H | MK_TP_N | MK_TP_O;
	p[5].u.tp.tp_data = tpdata;
	p[5].u.tp.tp_data_len = tplen;
	p[6].type = MK_PT_V;
	p[6].u.v.auth_alg = MK_MAC_HMAC_SHA256_256;
	p[6].u.v.mac = v.b + 137;	/* the MAC is the KMS's business */
	p[6].u.v.mac_len = 32;
	assert_int_equal(mk_encode(p, 7, out, sizeof(out), &len), MK_OK);
	assert_int_equal(len, v.len);
	assert_memory_equal(out, v.b, len);
	assert_int_equal(p[6].off + p[6].len - p[6].u.v.mac_len, 137);
	assert_int_equal(p[5].next, MK_PT_V);
	assert_int_equal(p[0].next, MK_PT_T);

	/* One byte short of room, at every size, is MK_ERR_SPACE. */
	for (len = 0; len < v.len; len++) {
		size_t got;

		assert_int_equal(mk_encode(p, 7, out, len, &got),
		    MK_ERR_SPACE);
		assert_int_equal(got, 0);
	}
}

/*
 * 12.3: the KEMAC decodes to the documented fields; its encrypted data,
 * decrypted with the KAT-3 response keys and the documented IV, is the
 * documented key data, which decodes to MPKi and TGK with their SPIs and
 * re-encodes identically.
 */
static void
test_vector_kemac(void **state)
{
	static struct mk_msg	 m;
	const struct mk_payload	*p, *t;
	struct mk_keydata	 k[MK_KEYS_MAX];
	uint8_t			 key[32], salt[14], iv[16], want_iv[16];
	uint8_t			 plain[128], out[128];
	struct vec		 v, want;
	EVP_CIPHER_CTX		*ctx;
	size_t			 n, i, len;
	int			 outl = 0;

	vec_load(&v, rr_full_hex);
	vec_load(&want, rr_plain_hex);
	assert_int_equal(mk_decode(v.b, v.len, &m), MK_OK);
	assert_int_equal(m.count, 4);
	assert_int_equal(m.p[0].u.hdr.data_type, MK_DT_REQUEST_RESP);
	assert_false(m.p[0].u.hdr.v);
	assert_reencodes(&m);

	p = mk_find(&m, MK_PT_KEMAC, NULL);
	t = mk_find(&m, MK_PT_T, NULL);
	assert_non_null(p);
	assert_non_null(t);
	assert_int_equal(p->next, MK_PT_V);
	assert_int_equal(p->u.kemac.encr_alg, MK_ENCR_AES_CM_256);
	assert_int_equal(p->u.kemac.encr_len, 76);
	assert_int_equal(p->u.kemac.mac_alg, MK_MAC_NULL);
	assert_int_equal(p->u.kemac.mac_len, 0);
	assert_int_equal(p->len, 4 + 76 + 1);

	/* IV = (salt ^ (0x0000 || CSB ID || T)) || 0x0000 (RFC 3830 4.2.3) */
	unhex(kat3_encr_hex, key, sizeof(key));
	unhex(kat3_salt_hex, salt, sizeof(salt));
	unhex(rr_iv_hex, want_iv, sizeof(want_iv));
	memset(iv, 0, sizeof(iv));
	memcpy(iv, salt, sizeof(salt));
	for (i = 0; i < 4; i++)
		iv[2 + i] ^= (uint8_t)(m.p[0].u.hdr.csb_id >> (24 - 8 * i));
	for (i = 0; i < 8; i++)
		iv[6 + i] ^= (uint8_t)(t->u.ts.value >> (56 - 8 * i));
	assert_memory_equal(iv, want_iv, sizeof(iv));

	ctx = EVP_CIPHER_CTX_new();
	assert_non_null(ctx);
	assert_int_equal(EVP_DecryptInit_ex(ctx, EVP_aes_256_ctr(), NULL, key,
	    iv), 1);
	assert_int_equal(EVP_DecryptUpdate(ctx, plain, &outl,
	    p->u.kemac.encr_data, (int)p->u.kemac.encr_len), 1);
	EVP_CIPHER_CTX_free(ctx);
	assert_int_equal(outl, (int)want.len);
	assert_memory_equal(plain, want.b, want.len);

	assert_int_equal(mk_decode_keydata(plain, want.len, k,
	    MK_KEYS_MAX, &n), MK_OK);
	assert_int_equal(n, 2);
	assert_int_equal(k[0].key_type, MK_KEY_MPK);
	assert_int_equal(k[0].kv, MK_KV_SPI);
	assert_int_equal(k[0].key_len, 32);
	assert_int_equal(k[0].key[0], 0x40);
	assert_int_equal(k[0].key[31], 0x5f);
	assert_int_equal(k[0].spi_len, 1);
	assert_int_equal(k[0].spi[0], 1);
	assert_null(k[0].salt);
	assert_int_equal(k[1].key_type, MK_KEY_TGK);
	assert_int_equal(k[1].kv, MK_KV_SPI);
	assert_int_equal(k[1].key_len, 32);
	assert_int_equal(k[1].key[0], 0x60);
	assert_int_equal(k[1].spi[0], 2);
	assert_int_equal(mk_encode_keydata(k, n, out, sizeof(out), &len),
	    MK_OK);
	assert_int_equal(len, want.len);
	assert_memory_equal(out, want.b, len);
	/* Too small an output array is MK_ERR_SPACE, not an overrun. */
	assert_int_equal(mk_decode_keydata(plain, want.len, k, 1, &n),
	    MK_ERR_SPACE);
}

/* Every proper prefix of each vector is an error (and no crash). */
static void
test_truncations(void **state)
{
	static struct mk_msg	 m;
	const char		*hex[] = { ri_full_hex, rr_full_hex };
	uint8_t			*cut;
	struct vec		 v;
	size_t			 i, len;

	for (i = 0; i < sizeof(hex) / sizeof(hex[0]); i++) {
		vec_load(&v, hex[i]);
		for (len = 0; len < v.len; len++) {
			/* An exact-size heap copy: ASan sees any over-read. */
			cut = test_malloc(len > 0 ? len : 1);
			memcpy(cut, v.b, len);
			assert_int_not_equal(mk_decode(cut, len, &m),
			    MK_OK);
			assert_true(m.count <= MK_PAYLOADS_MAX);
			assert_true(m.err_off <= len);
			test_free(cut);
		}
	}
}

/* xorshift64*: deterministic, no libc rand(). */
static uint64_t
prng(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

/*
 * Random mutations (byte set, bit flip, insert, delete, length-field
 * poke, truncate) of each vector: the decoder answers an error or a parse,
 * never a crash; every parse re-encodes to the same bytes, and its
 * embedded TP Data and plaintext key data decode without a crash too.
 */
static void
test_mutations(void **state)
{
	static struct mk_msg	 m;
	const char		*hex[] = { ri_full_hex, rr_full_hex };
	struct mk_payload	 emb[8];
	struct mk_keydata	 k[MK_KEYS_MAX];
	uint64_t		 s = MUT_SEED;
	uint8_t			*buf;
	struct vec		 v, mut;
	size_t			 i, j, pos, n, ok = 0, bad = 0;
	int			 r;

	for (i = 0; i < sizeof(hex) / sizeof(hex[0]); i++) {
		vec_load(&v, hex[i]);
		for (j = 0; j < MUTATIONS; j++) {
			mut = v;
			for (r = (int)(prng(&s) % 3) + 1; r > 0; r--) {
				pos = mut.len > 0 ? prng(&s) % mut.len : 0;
				switch (prng(&s) % 6) {
				case 0:
					mut.b[pos] = (uint8_t)prng(&s);
					break;
				case 1:
					mut.b[pos] ^= (uint8_t)(1u <<
					    (prng(&s) % 8));
					break;
				case 2:
					if (mut.len + 1 >= sizeof(mut.b))
						break;
					memmove(mut.b + pos + 1, mut.b + pos,
					    mut.len - pos);
					mut.b[pos] = (uint8_t)prng(&s);
					mut.len++;
					break;
				case 3:
					if (mut.len == 0)
						break;
					memmove(mut.b + pos, mut.b + pos + 1,
					    mut.len - pos - 1);
					mut.len--;
					break;
				case 4:
					/* A small value: lengths, types. */
					mut.b[pos] = (uint8_t)(prng(&s) % 24);
					break;
				default:
					mut.len = pos;
					break;
				}
			}
			buf = test_malloc(mut.len > 0 ? mut.len : 1);
			memcpy(buf, mut.b, mut.len);
			if (mk_decode(buf, mut.len, &m) == MK_OK) {
				ok++;
				assert_reencodes(&m);
				for (n = 1; n < m.count; n++) {
					size_t c;

					if (m.p[n].type == MK_PT_TP ||
					    m.p[n].type == MK_PT_TICKET)
						(void)mk_decode_embedded(
						    m.p[n].u.tp.tp_data,
						    m.p[n].u.tp.tp_data_len,
						    emb, 8, &c);
					if (m.p[n].type == MK_PT_KEMAC)
						(void)mk_decode_keydata(
						    m.p[n].u.kemac.encr_data,
						    m.p[n].u.kemac.encr_len,
						    k, MK_KEYS_MAX, &c);
				}
			} else {
				bad++;
				assert_true(m.count <= MK_PAYLOADS_MAX);
			}
			test_free(buf);
		}
	}
	/* Both outcomes happen, or the mutator is not doing its job. */
	assert_true(ok > 50);
	assert_true(bad > 1000);
	print_message("mutations: %zu parsed, %zu rejected\n", ok, bad);
}

/* One of each payload type, both variable CS ID maps: encode, decode,
 * compare fields, re-encode. */
static void
test_all_payloads(void **state)
{
	static struct mk_msg	 m;
	static const uint8_t	 srtp_map[18] = {
		1, 0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 1,
		2, 0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2 };
	/* GENERIC-ID: CS 1, SRTP, S=1, #P 2 (1, 2), session data 10, SPI 1. */
	static const uint8_t	 gen_map[] = {
		1, 0, 0x82, 1, 2, 0, 10, 0, 0, 0, 1, 0, 0, 0, 0, 0, 7,
		1, 0x42 };
	static const uint8_t	 blob[40] = { 1, 2, 3, 4, 5 };
	struct mk_keydata	 kd[2];
	struct mk_sp_param	 spp[3], got[4];
	struct mk_payload	 p[24], emb[3];
	uint8_t			 keys[128], params[32], tpd[256], ini[8];
	uint8_t			 out[1024], out2[1024];
	size_t			 n = 0, i, klen, plen, tplen, inilen, len;
	size_t			 len2;

	memset(kd, 0, sizeof(kd));
	kd[0].key_type = MK_KEY_TGK_SALT;
	kd[0].kv = MK_KV_INTERVAL;
	kd[0].key = blob;
	kd[0].key_len = 16;
	kd[0].salt = blob;
	kd[0].salt_len = 14;
	kd[0].valid_from = blob;
	kd[0].valid_from_len = 6;
	kd[0].valid_to = blob;
	kd[0].valid_to_len = 0;
	kd[1].key_type = MK_KEY_TEK;
	kd[1].kv = MK_KV_NULL;
	kd[1].key = blob;
	kd[1].key_len = 32;
	assert_int_equal(mk_encode_keydata(kd, 2, keys, sizeof(keys),
	    &klen), MK_OK);
	spp[0].type = MK_SRTP_ENCR_ALG;
	spp[0].len = 1;
	spp[0].value = blob;
	spp[1].type = MK_SRTP_ENCR_KEY_LEN;
	spp[1].len = 1;
	spp[1].value = blob + 1;
	spp[2].type = 200;
	spp[2].len = 0;
	spp[2].value = NULL;
	assert_int_equal(mk_encode_sp_params(spp, 3, params,
	    sizeof(params), &plen), MK_OK);
	assert_int_equal(plen, 8);
	memset(emb, 0, sizeof(emb));
	emb[0].type = MK_PT_TR;
	emb[0].u.ts.role = MK_TSR_END;
	emb[0].u.ts.ts_type = MK_TS_NTP_UTC_32;
	emb[0].u.ts.value = 0xe93c7f00;
	emb[1].type = MK_PT_KEMAC;
	emb[1].u.kemac.encr_alg = MK_ENCR_NULL;
	emb[1].u.kemac.encr_data = keys;
	emb[1].u.kemac.encr_len = klen;
	assert_int_equal(mk_encode_embedded(emb, 2, tpd, sizeof(tpd),
	    &tplen), MK_OK);
	assert_int_equal(mk_encode_embedded(NULL, 0, ini, sizeof(ini),
	    &inilen), MK_OK);
	assert_int_equal(inilen, 1);

	memset(p, 0, sizeof(p));
	p[n].type = MK_PT_HDR;
	p[n].u.hdr.version = 1;
	p[n].u.hdr.data_type = MK_DT_TRANSFER_INIT;
	p[n].u.hdr.prf = 0x7f;
	p[n].u.hdr.csb_id = 0xfedcba98;
	p[n].u.hdr.cs_count = 2;
	p[n].u.hdr.map_type = MK_MAP_SRTP_ID;
	p[n].u.hdr.map_info = srtp_map;
	p[n++].u.hdr.map_info_len = sizeof(srtp_map);
	p[n].type = MK_PT_T;
	p[n].u.ts.ts_type = MK_TS_NTP;
	p[n++].u.ts.value = 0x0123456789abcdefULL;
	p[n].type = MK_PT_T;
	p[n].u.ts.ts_type = MK_TS_COUNTER;
	p[n++].u.ts.value = 0xffffffff;
	p[n].type = MK_PT_TR;
	p[n].u.ts.role = MK_TSR_REKEY;
	p[n].u.ts.ts_type = MK_TS_NTP_UTC_32;
	p[n++].u.ts.value = 3600;
	p[n].type = MK_PT_RAND;
	p[n].u.rand.rand = blob;
	p[n++].u.rand.rand_len = 32;
	p[n].type = MK_PT_RANDR;
	p[n].u.rand.role = MK_RANDR_KMS;
	p[n].u.rand.rand = blob;
	p[n++].u.rand.rand_len = 0;
	p[n].type = MK_PT_ID;
	p[n].u.id.id_type = MK_ID_NAI;
	p[n].u.id.data = blob;
	p[n++].u.id.data_len = 3;
	p[n].type = MK_PT_CERT;
	p[n].u.id.id_type = MK_CERT_X509;
	p[n].u.id.data = blob;
	p[n++].u.id.data_len = 40;
	p[n].type = MK_PT_IDR;
	p[n].u.id.role = MK_ROLE_PSK;
	p[n].u.id.id_type = MK_ID_BYTES;
	p[n].u.id.data = blob;
	p[n++].u.id.data_len = 8;
	p[n].type = MK_PT_KEMAC;
	p[n].u.kemac.encr_alg = MK_ENCR_NULL;
	p[n].u.kemac.encr_data = keys;
	p[n].u.kemac.encr_len = klen;
	p[n].u.kemac.mac_alg = MK_MAC_HMAC_SHA1_160;
	p[n].u.kemac.mac = blob;
	p[n++].u.kemac.mac_len = 20;
	p[n].type = MK_PT_KEMAC;
	p[n].u.kemac.encr_alg = MK_ENCR_AES_KW_128;
	p[n].u.kemac.encr_data = blob;
	p[n++].u.kemac.encr_len = 24;
	p[n].type = MK_PT_PKE;
	p[n].u.pke.c = 2;
	p[n].u.pke.data = blob;
	p[n++].u.pke.data_len = 33;
	p[n].type = MK_PT_CHASH;
	p[n].u.chash.hash_func = MK_HASH_SHA256;
	p[n].u.chash.hash = blob;
	p[n++].u.chash.hash_len = 32;
	p[n].type = MK_PT_SP;
	p[n].u.sp.policy_no = 3;
	p[n].u.sp.prot_type = MK_SP_PROT_SRTP;
	p[n].u.sp.params = params;
	p[n++].u.sp.params_len = plen;
	p[n].type = MK_PT_ERR;
	p[n].u.err.err_no = MK_E_TPPAR;
	p[n++].u.err.reserved = 0x1234;
	p[n].type = MK_PT_GENEXT;
	p[n].u.ext.ext_type = MK_EXT_VENDOR;
	p[n].u.ext.data = blob;
	p[n++].u.ext.data_len = 5;
	p[n].type = MK_PT_TP;
	p[n].u.tp.ticket_type = 0xf000;
	p[n].u.tp.subtype = 7;
	p[n].u.tp.version = 9;
	p[n].u.tp.prf = 0x55;
	p[n].u.tp.flags = MK_TP_FLAGS;
	p[n].u.tp.reserved = 0x15;
	p[n].u.tp.tp_data = tpd;
	p[n++].u.tp.tp_data_len = tplen;
	p[n].type = MK_PT_TICKET;
	p[n].u.tp.ticket_type = MK_TICKET_3GPP;
	p[n].u.tp.flags = MK_TP_I | MK_TP_K;
	p[n].u.tp.tp_data = tpd;
	p[n].u.tp.tp_data_len = tplen;
	p[n].u.tp.ticket_data = blob;
	p[n].u.tp.ticket_data_len = 40;
	p[n].u.tp.init_data = ini;
	p[n++].u.tp.init_data_len = inilen;
	p[n].type = MK_PT_V;
	p[n].u.v.auth_alg = MK_MAC_HMAC_SHA1_160;
	p[n].u.v.mac = NULL;	/* zeros */
	p[n++].u.v.mac_len = 20;
	p[n].type = MK_PT_SIGN;
	p[n].u.sign.s_type = 2;
	p[n].u.sign.sig = blob;
	p[n++].u.sign.sig_len = 40;

	assert_int_equal(mk_encode(p, n, out, sizeof(out), &len), MK_OK);
	assert_int_equal(mk_decode(out, len, &m), MK_OK);
	assert_int_equal(m.count, n);
	for (i = 0; i < n; i++) {
		assert_int_equal(m.p[i].type, p[i].type);
		assert_int_equal(m.p[i].off, p[i].off);
		assert_int_equal(m.p[i].len, p[i].len);
		assert_int_equal(m.p[i].next, p[i].next);
	}
	assert_int_equal(m.p[0].u.hdr.prf, 0x7f);
	assert_int_equal(m.p[0].u.hdr.map_info_len, 18);
	assert_memory_equal(m.p[0].u.hdr.map_info, srtp_map, 18);
	assert_true(m.p[1].u.ts.value == 0x0123456789abcdefULL);
	assert_true(m.p[2].u.ts.value == 0xffffffff);
	assert_int_equal(m.p[3].u.ts.role, MK_TSR_REKEY);
	assert_true(m.p[3].u.ts.value == 3600);
	assert_int_equal(m.p[5].u.rand.role, MK_RANDR_KMS);
	assert_int_equal(m.p[5].u.rand.rand_len, 0);
	assert_int_equal(m.p[8].u.id.role, MK_ROLE_PSK);
	assert_int_equal(m.p[8].u.id.id_type, MK_ID_BYTES);
	assert_int_equal(m.p[9].u.kemac.mac_len, 20);
	assert_int_equal(m.p[10].u.kemac.encr_alg, MK_ENCR_AES_KW_128);
	assert_int_equal(m.p[11].u.pke.c, 2);
	assert_int_equal(m.p[11].u.pke.data_len, 33);
	assert_int_equal(m.p[12].u.chash.hash_len, 32);
	assert_int_equal(mk_sp_params(&m.p[13].u.sp, got, 4), 3);
	assert_int_equal(got[1].type, MK_SRTP_ENCR_KEY_LEN);
	assert_int_equal(got[1].value[0], 2);
	assert_int_equal(got[2].type, 200);
	assert_int_equal(got[2].len, 0);
	assert_int_equal(mk_sp_params(&m.p[13].u.sp, got, 1), 3);
	assert_int_equal(m.p[14].u.err.err_no, MK_E_TPPAR);
	assert_int_equal(m.p[14].u.err.reserved, 0x1234);
	assert_int_equal(m.p[15].u.ext.data_len, 5);
	assert_int_equal(m.p[16].u.tp.ticket_type, 0xf000);
	assert_int_equal(m.p[16].u.tp.prf, 0x55);
	assert_int_equal(m.p[16].u.tp.flags, MK_TP_FLAGS);
	assert_int_equal(m.p[16].u.tp.reserved, 0x15);
	assert_int_equal(m.p[17].u.tp.flags, MK_TP_I | MK_TP_K);
	assert_int_equal(m.p[17].u.tp.ticket_data_len, 40);
	assert_int_equal(m.p[17].u.tp.init_data_len, 1);
	assert_int_equal(m.p[17].u.tp.init_off, p[17].u.tp.init_off);
	assert_int_equal(m.p[17].u.tp.init_off + 2 + 1,
	    m.p[17].off + m.p[17].len);
	assert_int_equal(mk_decode_embedded(m.p[17].u.tp.tp_data,
	    m.p[17].u.tp.tp_data_len, emb, 3, &i), MK_OK);
	assert_int_equal(i, 2);
	assert_int_equal(emb[0].u.ts.role, MK_TSR_END);
	assert_true(emb[0].u.ts.value == 0xe93c7f00);
	assert_int_equal(emb[1].u.kemac.encr_len, klen);
	assert_int_equal(m.p[18].u.v.mac[0], 0);
	assert_int_equal(m.p[19].u.sign.s_type, 2);
	assert_int_equal(m.p[19].next, MK_PT_LAST);
	assert_reencodes(&m);

	/* The same with a GENERIC-ID map (RFC 6043 6.1.1). */
	p[0].u.hdr.cs_count = 1;
	p[0].u.hdr.map_type = MK_MAP_GENERIC_ID;
	p[0].u.hdr.map_info = gen_map;
	p[0].u.hdr.map_info_len = sizeof(gen_map);
	assert_int_equal(mk_encode(p, n, out2, sizeof(out2), &len2),
	    MK_OK);
	assert_int_equal(len2, len + 1);
	assert_int_equal(mk_decode(out2, len2, &m), MK_OK);
	assert_int_equal(m.p[0].u.hdr.map_info_len, sizeof(gen_map));
	assert_reencodes(&m);
	/* A map whose length disagrees with #CS is refused. */
	p[0].u.hdr.map_info_len--;
	assert_int_equal(mk_encode(p, n, out2, sizeof(out2), &len2),
	    MK_ERR_FORMAT);
	p[0].u.hdr.map_info_len++;
	p[0].u.hdr.cs_count = 2;
	assert_int_equal(mk_encode(p, n, out2, sizeof(out2), &len2),
	    MK_ERR_FORMAT);
}

/* Header of an Error reply to 12.2, with and without V. */
static void
test_error_build(void **state)
{
	static struct mk_msg	 m, e;
	struct mk_ts_view	 t = { 0, MK_TS_NTP_UTC,
	    0xe93c7f0200000000ULL };
	const uint8_t		 errs[2] = { MK_E_TPPAR, MK_E_UNSPEC };
	static const char	 want[] =
	    "01060501112233440001"	/* HDR: type 6, V 0, PRF, CSB, map */
	    "0c00e93c7f0200000000"	/* T */
	    "0c0f0000"			/* ERR 15 */
	    "090c0000"			/* ERR 12 */
	    "0002"			/* V, HMAC-SHA-256-256 */
	    "0000000000000000000000000000000000000000000000000000000000000000";
	uint8_t			 out[256];
	size_t			 len, mac_off = 0;
	struct vec		 v, w;

	vec_load(&v, ri_full_hex);
	vec_load(&w, want);
	assert_int_equal(mk_decode(v.b, v.len, &m), MK_OK);
	assert_int_equal(mk_error_build(&m.p[0].u.hdr, &t, errs, 2,
	    MK_MAC_HMAC_SHA256_256, out, sizeof(out), &len, &mac_off),
	    MK_OK);
	assert_int_equal(len, w.len);
	assert_memory_equal(out, w.b, len);
	assert_int_equal(mac_off, len - 32);
	assert_int_equal(mk_decode(out, len, &e), MK_OK);
	assert_int_equal(e.p[0].u.hdr.data_type, MK_DT_ERROR);
	assert_false(e.p[0].u.hdr.v);
	assert_int_equal(e.count, 5);

	/* No V; no offending header (it could not be read). */
	assert_int_equal(mk_error_build(NULL, &t, errs, 1, MK_MAC_NULL,
	    out, sizeof(out), &len, NULL), MK_OK);
	assert_int_equal(len, 10 + 10 + 4);
	assert_int_equal(mk_decode(out, len, &e), MK_OK);
	assert_int_equal(e.p[0].u.hdr.csb_id, 0);
	assert_int_equal(e.p[0].u.hdr.map_type, MK_MAP_EMPTY);
	assert_int_equal(e.p[2].type, MK_PT_ERR);
	assert_int_equal(e.p[2].next, MK_PT_LAST);

	assert_int_equal(mk_error_build(NULL, &t, errs, 0, MK_MAC_NULL,
	    out, sizeof(out), &len, NULL), MK_ERR_ARGS);
	assert_int_equal(mk_error_build(NULL, &t, errs, 1, 7, out,
	    sizeof(out), &len, &mac_off), MK_ERR_VALUE);
	assert_int_equal(mk_error_build(NULL, &t, errs, 1,
	    MK_MAC_HMAC_SHA1_160, out, 40, &len, &mac_off),
	    MK_ERR_SPACE);
}

/* The decoder's refusals, each with its status. */
static void
test_rejects(void **state)
{
	static struct mk_msg	 m;
	static uint8_t		 big[MK_MSG_MAX + 1];
	struct vec		 v, x;
	size_t			 i;

	vec_load(&v, ri_full_hex);
	assert_int_equal(mk_decode(NULL, 0, &m), MK_ERR_ARGS);
	assert_int_equal(mk_decode(v.b, v.len, NULL), MK_ERR_ARGS);
	assert_int_equal(mk_decode(big, sizeof(big), &m), MK_ERR_LIMIT);

	/* Version 2. */
	x = v;
	x.b[0] = 2;
	assert_int_equal(mk_decode(x.b, x.len, &m), MK_ERR_VERSION);
	assert_int_equal(m.count, 0);

	/* Unknown, unsupported and pseudo payload types after the HDR. */
	x = v;
	for (i = 0; i < 256; i++) {
		x.b[2] = (uint8_t)i;
		if (i == MK_PT_T)
			continue;
		if (i == MK_PT_DH || i == MK_PT_KEYDATA ||
		    i == MK_PT_SAKKE || i == MK_PT_HDR || i == 18 ||
		    i == 19 || i > 21)
			assert_int_equal(mk_decode(x.b, x.len, &m),
			    MK_ERR_TYPE);
		else	/* a known type: may even reparse (16 does) */
			(void)mk_decode(x.b, x.len, &m);
	}
	x = v;
	x.b[2] = 18;
	assert_int_equal(mk_decode(x.b, x.len, &m), MK_ERR_TYPE);
	assert_int_equal(m.count, 1);	/* the HDR is usable for an Error */
	assert_int_equal(m.err_off, 10);

	/* Unknown TS type; unknown V auth alg; unknown map type. */
	x = v;
	x.b[11] = 4;
	assert_int_equal(mk_decode(x.b, x.len, &m), MK_ERR_VALUE);
	x = v;
	x.b[136] = 3;
	assert_int_equal(mk_decode(x.b, x.len, &m), MK_ERR_VALUE);
	assert_int_equal(m.err_off, 135);
	x = v;
	x.b[9] = 3;
	assert_int_equal(mk_decode(x.b, x.len, &m), MK_ERR_VALUE);

	/* One byte after the last payload. */
	x = v;
	x.b[x.len++] = 0;
	assert_int_equal(mk_decode(x.b, x.len, &m), MK_ERR_FORMAT);
	assert_int_equal(m.err_off, v.len);

	/* An IDR length one past the end. */
	x = v;
	x.b[42] = 0xff;
	assert_int_equal(mk_decode(x.b, x.len, &m), MK_ERR_TRUNC);

	/* MK_PAYLOADS_MAX: HDR and 31 ERRs parse, one more does not. */
	memset(x.b, 0, sizeof(x.b));
	memcpy(x.b, v.b, 10);
	x.b[2] = MK_PT_ERR;
	for (i = 0; i < MK_PAYLOADS_MAX; i++)
		x.b[10 + 4 * i] = MK_PT_ERR;
	x.b[10 + 4 * (MK_PAYLOADS_MAX - 2)] = MK_PT_LAST;
	x.len = 10 + 4 * (MK_PAYLOADS_MAX - 1);
	assert_int_equal(mk_decode(x.b, x.len, &m), MK_OK);
	assert_int_equal(m.count, MK_PAYLOADS_MAX);
	x.b[10 + 4 * (MK_PAYLOADS_MAX - 2)] = MK_PT_ERR;
	x.len += 4;
	assert_int_equal(mk_decode(x.b, x.len, &m), MK_ERR_LIMIT);
	assert_int_equal(m.count, MK_PAYLOADS_MAX);

	/* SIGN is last: bytes after it are refused. */
	memcpy(x.b, v.b, 10);
	x.b[2] = MK_PT_SIGN;
	x.b[10] = 0x00;
	x.b[11] = 0x02;
	x.b[12] = 0xaa;
	x.b[13] = 0xbb;
	x.len = 14;
	assert_int_equal(mk_decode(x.b, x.len, &m), MK_OK);
	assert_int_equal(m.p[1].u.sign.sig_len, 2);
	x.b[x.len++] = 0;
	assert_int_equal(mk_decode(x.b, x.len, &m), MK_ERR_FORMAT);

	/* SP parameters that overrun their length field. */
	memcpy(x.b, v.b, 10);
	x.b[2] = MK_PT_SP;
	memcpy(x.b + 10, "\x00\x01\x00\x00\x03\x00\x05\x01", 8);
	x.len = 18;
	assert_int_equal(mk_decode(x.b, x.len, &m), MK_ERR_FORMAT);

	/* NULL-encrypted KEMAC with a key type that does not exist. */
	memcpy(x.b, v.b, 10);
	x.b[2] = MK_PT_KEMAC;
	memcpy(x.b + 10, "\x00\x00\x00\x05\x00\x70\x00\x01\x55\x00", 10);
	x.len = 20;
	assert_int_equal(mk_decode(x.b, x.len, &m), MK_ERR_VALUE);
	x.b[15] = 0x20;		/* TEK, KV null: fine */
	assert_int_equal(mk_decode(x.b, x.len, &m), MK_OK);
	x.b[14] = 0x14;		/* says another key follows: none does */
	assert_int_equal(mk_decode(x.b, x.len, &m), MK_ERR_TRUNC);
	x.b[14] = 0x05;		/* not a Key data type */
	assert_int_equal(mk_decode(x.b, x.len, &m), MK_ERR_TYPE);
}

/* The encoder refuses what does not fit or would not decode. */
static void
test_encode_rejects(void **state)
{
	static const uint8_t	 z[300];
	struct mk_payload	 p[3];
	uint8_t			 out[512];
	size_t			 len;

	memset(p, 0, sizeof(p));
	p[0].type = MK_PT_HDR;
	p[0].u.hdr.version = 1;
	p[0].u.hdr.map_type = MK_MAP_EMPTY;
	assert_int_equal(mk_encode(p, 1, out, sizeof(out), &len), MK_OK);
	assert_int_equal(len, 10);
	assert_int_equal(mk_encode(p + 1, 1, out, sizeof(out), &len),
	    MK_ERR_ARGS);
	p[0].u.hdr.prf = 0x80;
	assert_int_equal(mk_encode(p, 1, out, sizeof(out), &len),
	    MK_ERR_ARGS);
	p[0].u.hdr.prf = 0;
	p[0].u.hdr.version = 0;
	assert_int_equal(mk_encode(p, 1, out, sizeof(out), &len),
	    MK_ERR_VERSION);
	p[0].u.hdr.version = 1;

	p[1].type = MK_PT_RAND;
	p[1].u.rand.rand = z;
	p[1].u.rand.rand_len = 256;
	assert_int_equal(mk_encode(p, 2, out, sizeof(out), &len),
	    MK_ERR_ARGS);
	p[1].type = MK_PT_T;
	p[1].u.ts.ts_type = MK_TS_COUNTER;
	p[1].u.ts.value = 0x100000000ULL;
	assert_int_equal(mk_encode(p, 2, out, sizeof(out), &len),
	    MK_ERR_ARGS);
	p[1].u.ts.ts_type = 9;
	assert_int_equal(mk_encode(p, 2, out, sizeof(out), &len),
	    MK_ERR_VALUE);
	p[1].type = MK_PT_V;
	p[1].u.v.auth_alg = MK_MAC_HMAC_SHA1_160;
	p[1].u.v.mac_len = 32;
	assert_int_equal(mk_encode(p, 2, out, sizeof(out), &len),
	    MK_ERR_ARGS);
	p[1].type = MK_PT_SIGN;
	p[1].u.sign.sig_len = 4;
	p[1].u.sign.sig = z;
	p[2].type = MK_PT_ERR;
	assert_int_equal(mk_encode(p, 3, out, sizeof(out), &len),
	    MK_ERR_FORMAT);
	p[1].type = MK_PT_DH;
	assert_int_equal(mk_encode(p, 2, out, sizeof(out), &len),
	    MK_ERR_TYPE);
	p[1].type = MK_PT_PKE;
	p[1].u.pke.c = 4;
	assert_int_equal(mk_encode(p, 2, out, sizeof(out), &len),
	    MK_ERR_ARGS);
	p[1].type = MK_PT_TP;
	p[1].u.tp.flags = 0x1000;
	assert_int_equal(mk_encode(p, 2, out, sizeof(out), &len),
	    MK_ERR_ARGS);
	p[1].type = MK_PT_KEMAC;
	p[1].u.kemac.encr_alg = MK_ENCR_NULL;
	p[1].u.kemac.encr_data = z;	/* zeros: TGK, KV null, key len 0 */
	p[1].u.kemac.encr_len = 5;	/* one byte too many */
	assert_int_equal(mk_encode(p, 2, out, sizeof(out), &len),
	    MK_ERR_FORMAT);
	p[1].u.kemac.encr_len = 4;
	assert_int_equal(mk_encode(p, 2, out, sizeof(out), &len),
	    MK_OK);
}

int
main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vector_request_init),
		cmocka_unit_test(test_vector_request_init_mac),
		cmocka_unit_test(test_vector_request_init_build),
		cmocka_unit_test(test_vector_kemac),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_all_payloads),
		cmocka_unit_test(test_error_build),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_encode_rejects),
	};
	struct CMUnitTest	 run[sizeof(tests) / sizeof(tests[0])];
	size_t			 i, n = 0;

	/* An exact name selects one test; an unknown name is an error. */
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		if (argc < 2 || strcmp(argv[1], tests[i].name) == 0)
			run[n++] = tests[i];
	if (n == 0) {
		fprintf(stderr, "%s: no test named %s\n", argv[0], argv[1]);
		return 1;
	}
	return _cmocka_run_group_tests("ticket", run, n, NULL, NULL);
}
