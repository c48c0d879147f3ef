/*
 * fuzz_tkms.c - libFuzzer target for the MIKEY-TICKET KMS request path
 * (firmware/ticket tkms_handle_peer: parsing, checks, keys, ticket open,
 * forking, KMS-to-KMS forwarding and re-encoding), with a fixed
 * in-process state: one KMS "kms.fuzz.example" on software keys (two
 * users' PSKs, ticket key generation 1), a peer KMS, a deterministic
 * random generator and a fixed clock; a fresh replay cache per input.
 *
 * Input: flags (1 byte) | L (2 bytes, big endian) | L bytes of MIKEY
 * message | the rest: what the peer KMS answers when the KMS forwards.
 *   flags bit 0  ticketresolve (else ticketrequest)
 *   flags bit 1  the message came over mutual TLS from the peer KMS
 *   flags bit 2  recompute the message's V with the key its IDRpsk names,
 *                so mutations reach the code behind the MAC check
 *   flags bits 4-6  seconds added to the clock (0..7)
 *
 * Checked: no crash, leak or undefined behaviour (ASan, UBSan); never a
 * 500 (a client's bytes must not look like a KMS fault); a 200 carries a
 * MIKEY message that decodes; any other status carries nothing.
 *
 * Seeds: tests/fuzz/corpus/tkms, written by fuzz_tkms_seeds (this file
 * with TKMS_FUZZ_SEEDGEN).  Commands: docs/ticket.md 10.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ticket.h"

#define FZ_NOW		1767225600	/* 2026-01-01T00:00:00Z */
#define FZ_KMS		"kms.fuzz.example"
#define FZ_PEER		"kms-peer.fuzz.example"
#define FZ_ALICE	"sip:alice@fuzz.example"
#define FZ_BOB		"sip:bob@fuzz.example"
#define FZ_A_KEYID	"QUxJQ0U=@bsf.fuzz.example"
#define FZ_B_KEYID	"Qk9C@bsf.fuzz.example"
#define FZ_REPLAY	16
#define FZ_HDR		3		/* flags, L */

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct fz_user {
	const char	*id;
	const char	*keyid;
	uint8_t		 psk[TK_KEY_LEN];
};

static struct fz_user	 fz_users[2];
static uint8_t		 fz_tpk[TK_KEY_LEN];
static uint8_t		 fz_peer_key[TK_KEY_LEN];
static uint64_t		 fz_rng;
static const uint8_t	*fz_ans;	/* the peer's answer (input tail) */
static size_t		 fz_ans_len;

static void
fz_init(void)
{
	static bool	 done;

	if (done)
		return;
	done = true;
	fz_users[0].id = FZ_ALICE;
	fz_users[0].keyid = FZ_A_KEYID;
	memset(fz_users[0].psk, 0xa1, TK_KEY_LEN);
	fz_users[1].id = FZ_BOB;
	fz_users[1].keyid = FZ_B_KEYID;
	memset(fz_users[1].psk, 0xb2, TK_KEY_LEN);
	memset(fz_tpk, 0x11, TK_KEY_LEN);
	memset(fz_peer_key, 0x5a, TK_KEY_LEN);
}

static int
fz_psk(void *ctx, const uint8_t *keyid, size_t klen, const uint8_t *id,
    size_t ilen, struct tk_key *out)
{
	size_t	 i;

	(void)ctx;
	for (i = 0; i < 2; i++) {
		if (strlen(fz_users[i].keyid) == klen &&
		    memcmp(fz_users[i].keyid, keyid, klen) == 0 &&
		    strlen(fz_users[i].id) == ilen &&
		    memcmp(fz_users[i].id, id, ilen) == 0) {
			memset(out, 0, sizeof(*out));
			out->raw = fz_users[i].psk;
			out->raw_len = TK_KEY_LEN;
			return 0;
		}
	}
	return 1;
}

static int
fz_tpk_fn(void *ctx, uint32_t gen, struct tk_key *out, uint32_t *gen_out)
{
	(void)ctx;
	if (gen > 1)
		return 1;
	memset(out, 0, sizeof(*out));
	out->raw = fz_tpk;
	out->raw_len = TK_KEY_LEN;
	*gen_out = 1;
	return 0;
}

/* Deterministic: the same input always sees the same "random" bytes. */
static int
fz_random(void *ctx, uint8_t *out, size_t len)
{
	size_t	 i;

	(void)ctx;
	for (i = 0; i < len; i++) {
		fz_rng ^= fz_rng << 13;
		fz_rng ^= fz_rng >> 7;
		fz_rng ^= fz_rng << 17;
		out[i] = (uint8_t)(fz_rng >> 24);
	}
	return 0;
}

/* The peer KMS: builds our message (tk2k.c), answers the input's tail. */
static int
fz_peer_resolve(void *ctx, tkms_k2k_build_fn *build, void *bctx,
    uint8_t *ans, size_t ans_size, size_t *ans_len)
{
	static uint8_t	 msg[MK_MSG_MAX];
	size_t		 n;

	(void)ctx;
	if (build(bctx, fz_peer_key, msg, sizeof(msg), &n) != 0 ||
	    fz_ans_len == 0 || fz_ans_len > ans_size)
		return -1;
	memcpy(ans, fz_ans, fz_ans_len);
	*ans_len = fz_ans_len;
	return 0;
}

/* The IDR of role in m, or NULL. */
static const struct mk_payload *
fz_idr(const struct mk_msg *m, uint8_t role)
{
	const struct mk_payload	*p = NULL, *f = NULL;

	while ((p = mk_find(m, MK_PT_IDR, p)) != NULL)
		if (p->u.id.role == role)
			f = p;
	return f;
}

/* Recomputes the V of an initial message with the key IDRpsk names. */
static void
fz_fix_mac(uint8_t *msg, size_t len, bool resolve, bool peer)
{
	static struct mk_msg	 m;
	const struct mk_payload	*v, *psk, *u, *kms, *r = NULL, *p = NULL;
	struct tk_keyset	 ks;
	struct tk_key		 k;
	const uint8_t		*kid;
	size_t			 i, kid_len;

	if (mk_decode(msg, len, &m) != MK_OK || m.count < 2)
		return;
	v = &m.p[m.count - 1];
	psk = fz_idr(&m, MK_ROLE_PSK);
	u = fz_idr(&m, resolve ? MK_ROLE_R : MK_ROLE_I);
	kms = fz_idr(&m, MK_ROLE_KMS);
	while ((p = mk_find(&m, MK_PT_RANDR, p)) != NULL)
		if (p->u.rand.role == (resolve ? MK_RANDR_R : MK_RANDR_I))
			r = p;
	if (v->type != MK_PT_V || v->u.v.mac_len != TK_MAC_LEN ||
	    psk == NULL || u == NULL || r == NULL)
		return;
	memset(&k, 0, sizeof(k));
	k.raw_len = TK_KEY_LEN;
	if (peer && psk->u.id.data_len == strlen(FZ_PEER) &&
	    memcmp(psk->u.id.data, FZ_PEER, strlen(FZ_PEER)) == 0)
		k.raw = fz_peer_key;
	for (i = 0; i < 2 && k.raw == NULL; i++)
		if (psk->u.id.data_len == strlen(fz_users[i].keyid) &&
		    memcmp(psk->u.id.data, fz_users[i].keyid,
		    psk->u.id.data_len) == 0)
			k.raw = fz_users[i].psk;
	if (k.raw == NULL)
		return;
	kid = kms != NULL ? kms->u.id.data : (const uint8_t *)FZ_KMS;
	kid_len = kms != NULL ? kms->u.id.data_len : strlen(FZ_KMS);
	if (tk_derive_keys(&k, 0xff, m.p[0].u.hdr.csb_id, TK_L_INIT,
	    resolve ? NULL : r->u.rand.rand, resolve ? 0 : r->u.rand.rand_len,
	    resolve ? r->u.rand.rand : NULL, resolve ? r->u.rand.rand_len : 0,
	    true, &ks) != 0)
		return;
	(void)tk_mac(ks.auth, msg, len - TK_MAC_LEN, u->u.id.data,
	    u->u.id.data_len, kid, kid_len, msg + len - TK_MAC_LEN);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t		 msg[MK_MSG_MAX], out[MK_MSG_MAX];
	static struct mk_msg	 m;
	struct tkms_keys	 keys = { fz_psk, fz_tpk_fn, fz_random, NULL,
	    fz_peer_resolve };
	struct tkms_conf	 conf = { FZ_KMS, 0, 0, FZ_REPLAY,
	    FZ_NOW - 3600, FZ_PEER };
	struct tkms_peer_in	 pin;
	struct tkms_result	 res;
	struct tkms		*k = NULL;
	size_t			 len, out_len = 0;
	uint8_t			 flags;
	bool			 resolve, peer;

	fz_init();
	if (size < FZ_HDR)
		return 0;
	flags = data[0];
	resolve = (flags & 1) != 0;
	peer = (flags & 2) != 0;
	len = (size_t)data[1] << 8 | data[2];
	if (len > size - FZ_HDR)
		len = size - FZ_HDR;
	if (len > sizeof(msg))
		return 0;
	memcpy(msg, data + FZ_HDR, len);
	fz_ans = data + FZ_HDR + len;
	fz_ans_len = size - FZ_HDR - len;
	if (flags & 4)
		fz_fix_mac(msg, len, resolve, peer);
	fz_rng = 0x9e3779b97f4a7c15ULL;
	pin.peer_id = FZ_PEER;
	memcpy(pin.key, fz_peer_key, TK_KEY_LEN);
	if (tkms_new(&conf, &keys, &k) != 0)
		abort();
	if (tkms_handle_peer(k, resolve ? TKMS_TICKET_RESOLVE :
	    TKMS_TICKET_REQUEST, msg, len, FZ_NOW + (flags >> 4 & 7),
	    peer ? &pin : NULL, out, sizeof(out), &out_len, &res) != 0)
		abort();
#ifdef FZ_TRACE
	fprintf(stderr, "fuzz_tkms: %d %u %s\n", res.http, res.mikey_err,
	    res.reason);
#endif
	if (res.http == 500 || res.reason == NULL)
		abort();
	if (res.http == 200 && (out_len == 0 ||
	    mk_decode(out, out_len, &m) != MK_OK))
		abort();
	if (res.http != 200 && out_len != 0)
		abort();
	tkms_free(k);
	return 0;
}

#ifdef TKMS_FUZZ_SEEDGEN
/*
 * fuzz_tkms_seeds DIR: writes the seed corpus, real exchanges with the
 * UE code (tools/ims-client/ue.c) against the state above: a request, a
 * resolve, a forking resolve (Initiator Data), a resolve from the peer, a
 * resolve forwarded to the peer (with the peer's real answer) and a PK
 * variant.
 */
#include "ue.h"

static const char	*seed_dir;

static void
seed(const char *name, uint8_t flags, const uint8_t *msg, size_t len,
    const uint8_t *ans, size_t ans_len)
{
	char	 path[1024];
	FILE	*f;
	uint8_t	 hdr[FZ_HDR] = { flags, (uint8_t)(len >> 8), (uint8_t)len };

	snprintf(path, sizeof(path), "%s/%s", seed_dir, name);
	if ((f = fopen(path, "wb")) == NULL ||
	    fwrite(hdr, 1, sizeof(hdr), f) != sizeof(hdr) ||
	    fwrite(msg, 1, len, f) != len ||
	    (ans_len > 0 && fwrite(ans, 1, ans_len, f) != ans_len) ||
	    fclose(f) != 0) {
		fprintf(stderr, "fuzz_tkms_seeds: %s: cannot write\n", path);
		exit(1);
	}
	printf("%s\n", path);
}

static struct tkms	*peer_kms;	/* the peer, for the forwarded seed */
static uint8_t		 peer_ans[MK_MSG_MAX];
static size_t		 peer_ans_len;

/* peer_resolve of the seed run: the real peer answers. */
static int
seed_peer_resolve(void *ctx, tkms_k2k_build_fn *build, void *bctx,
    uint8_t *ans, size_t ans_size, size_t *ans_len)
{
	static uint8_t		 msg[MK_MSG_MAX];
	struct tkms_peer_in	 pin;
	struct tkms_result	 r;
	size_t			 n;

	(void)ctx;
	pin.peer_id = FZ_KMS;
	memcpy(pin.key, fz_peer_key, TK_KEY_LEN);
	if (build(bctx, fz_peer_key, msg, sizeof(msg), &n) != 0 ||
	    tkms_handle_peer(peer_kms, TKMS_TICKET_RESOLVE, msg, n, FZ_NOW,
	    &pin, ans, ans_size, ans_len, &r) != 0 || r.http != 200)
		return -1;
	memcpy(peer_ans, ans, *ans_len);
	peer_ans_len = *ans_len;
	return 0;
}

static void
must(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_tkms_seeds: %s\n", what);
		exit(1);
	}
}

int
main(int argc, char *argv[])
{
	static uint8_t		 req[MK_MSG_MAX], resp[MK_MSG_MAX];
	static uint8_t		 res[MK_MSG_MAX], tr[MK_MSG_MAX];
	static struct ue_result	 ra;
	static struct mk_msg	 tm;
	struct tkms_keys	 keys = { fz_psk, fz_tpk_fn, fz_random, NULL,
	    NULL };
	struct tkms_conf	 conf = { FZ_KMS, 0, 0, FZ_REPLAY,
	    FZ_NOW - 3600, FZ_PEER };
	struct tkms_conf	 pconf = { FZ_PEER, 0, 0, FZ_REPLAY,
	    FZ_NOW - 3600, FZ_KMS };
	struct tkms_result	 r;
	struct tkms		*k, *kf;
	struct ue		 a, b, pb;
	uint8_t			 ri[32], rr[32], rt[32];
	size_t			 rlen, slen, reslen, trlen;

	must(argc == 2, "usage: fuzz_tkms_seeds DIR");
	seed_dir = argv[1];
	fz_init();
	memset(&a, 0, sizeof(a));
	a.id = FZ_ALICE;
	a.keyid = FZ_A_KEYID;
	a.kms_id = FZ_KMS;
	memcpy(a.psk, fz_users[0].psk, TK_KEY_LEN);
	b = a;
	b.id = FZ_BOB;
	b.keyid = FZ_B_KEYID;
	memcpy(b.psk, fz_users[1].psk, TK_KEY_LEN);
	memset(ri, 0x40, sizeof(ri));
	memset(rr, 0x80, sizeof(rr));
	memset(rt, 0xc0, sizeof(rt));
	fz_rng = 0x9e3779b97f4a7c15ULL;
	must(tkms_new(&conf, &keys, &k) == 0, "tkms_new");

	/* A request, and bob's resolve of its ticket. */
	must(ue_request_init(&a, FZ_BOB, 0x11223344, FZ_NOW, 0, ri, 32, req,
	    sizeof(req), &rlen) == 0, "request");
	seed("request.bin", 0, req, rlen, NULL, 0);
	must(tkms_handle(k, TKMS_TICKET_REQUEST, req, rlen, FZ_NOW, resp,
	    sizeof(resp), &slen, &r) == 0 && r.http == 200, "issue");
	must(ue_response(&a, req, rlen, resp, slen, &ra) == 0 &&
	    ra.mikey_err == TKMS_NO_ERR, "ticket");
	must(ue_resolve_init(&b, ra.ticket, 0x55667788, FZ_NOW, rr, 32, res,
	    sizeof(res), &reslen) == 0, "resolve");
	seed("resolve.bin", 1, res, reslen, NULL, 0);
	seed("resolve_fixmac_later.bin", 1 | 4 | 0x30, res, reslen, NULL, 0);
	/* The same resolve from the peer KMS (IDRpsk = the peer). */
	pb = b;
	pb.keyid = FZ_PEER;
	memcpy(pb.psk, fz_peer_key, TK_KEY_LEN);
	must(ue_resolve_init(&pb, ra.ticket, 0x55667789, FZ_NOW, rr, 32, res,
	    sizeof(res), &reslen) == 0, "peer resolve");
	seed("resolve_from_peer.bin", 1 | 2, res, reslen, NULL, 0);
	/* The PK variant (501) and a request with T in 2024 (stale). */
	req[1] = MK_DT_REQUEST_INIT_PK;
	seed("request_pk.bin", 0, req, rlen, NULL, 0);
	req[1] = MK_DT_REQUEST_INIT_PSK;

	/* A forking ticket and its TRANSFER_INIT's TICKET resolved. */
	a.fork = true;
	ri[0] ^= 1;	/* another message: not a replay */
	rr[0] ^= 1;
	fz_rng = 0x9e3779b97f4a7c15ULL;
	must(ue_request_init(&a, FZ_BOB, 0x11223345, FZ_NOW, 0, ri, 32, req,
	    sizeof(req), &rlen) == 0 &&
	    tkms_handle(k, TKMS_TICKET_REQUEST, req, rlen, FZ_NOW, resp,
	    sizeof(resp), &slen, &r) == 0 && r.http == 200 &&
	    ue_response(&a, req, rlen, resp, slen, &ra) == 0 &&
	    ra.has_mpkr, "forking ticket");
	seed("request_fork.bin", 0, req, rlen, NULL, 0);
	must(ue_transfer_init(&a, FZ_BOB, ra.mpki, ra.mpkr, ra.ticket, 0x99,
	    FZ_NOW, rt, 32, tr, sizeof(tr), &trlen) == 0 &&
	    mk_decode(tr, trlen, &tm) == MK_OK, "transfer");
	must(ue_resolve_init(&b, mk_find(&tm, MK_PT_TICKET, NULL), 0x5566778a,
	    FZ_NOW, rr, 32, res, sizeof(res), &reslen) == 0, "fork resolve");
	seed("resolve_fork.bin", 1, res, reslen, NULL, 0);
	tkms_free(k);

	/* A ticket of the peer KMS resolved here: forwarded, re-encoded. */
	a.fork = false;
	a.kms_id = FZ_PEER;
	must(tkms_new(&pconf, &keys, &peer_kms) == 0, "peer tkms_new");
	must(ue_request_init(&a, FZ_BOB, 0x11223346, FZ_NOW, 0, ri, 32, req,
	    sizeof(req), &rlen) == 0 &&
	    tkms_handle(peer_kms, TKMS_TICKET_REQUEST, req, rlen, FZ_NOW,
	    resp, sizeof(resp), &slen, &r) == 0 && r.http == 200 &&
	    ue_response(&a, req, rlen, resp, slen, &ra) == 0, "peer ticket");
	must(ue_resolve_init(&b, ra.ticket, 0x5566778b, FZ_NOW, rr, 32, res,
	    sizeof(res), &reslen) == 0, "forwarded resolve");
	keys.peer_resolve = seed_peer_resolve;
	fz_rng = 0x9e3779b97f4a7c15ULL;
	must(tkms_new(&conf, &keys, &kf) == 0, "tkms_new");
	must(tkms_handle(kf, TKMS_TICKET_RESOLVE, res, reslen, FZ_NOW, resp,
	    sizeof(resp), &slen, &r) == 0 && r.http == 200 && r.released,
	    "forward");
	seed("resolve_forwarded.bin", 1, res, reslen, peer_ans, peer_ans_len);
	tkms_free(kf);
	tkms_free(peer_kms);
	return 0;
}
#endif /* TKMS_FUZZ_SEEDGEN */
