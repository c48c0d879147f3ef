/*
 * fuzz_mikey.c - libFuzzer target for the MIKEY decoder (firmware/ticket).
 *
 * Each input goes to the three decoders: a whole message (mk_decode), an
 * embedded chain such as TP Data (mk_decode_embedded) and KEMAC key data
 * (mk_decode_keydata).  Whatever a decoder accepts must re-encode to the
 * same bytes; a difference aborts.  The nested parts of an accepted
 * message (TP Data, NULL-encrypted key data, SP parameters) are decoded
 * too.  ASan and UBSan catch reads outside the input.
 *
 * Seed corpus: tests/fuzz/corpus/mikey (the vectors of mikey-ticket.md 12
 * and the messages of the tshark test).  Run commands: docs/mikey.md.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ticket.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static uint8_t			out[MK_MSG_MAX];
static struct mk_msg		msg;
static struct mk_payload	emb[MK_PAYLOADS_MAX];
static struct mk_keydata	keys[MK_KEYS_MAX];

static void
same(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	if (alen != blen || memcmp(a, b, alen) != 0)
		abort();
}

static void
nested(void)
{
	struct mk_sp_param	 sp[8];
	const struct mk_payload	*p;
	size_t			 i, n;

	for (i = 1; i < msg.count; i++) {
		p = &msg.p[i];
		switch (p->type) {
		case MK_PT_TP:
		case MK_PT_TICKET:
			(void)mk_decode_embedded(p->u.tp.tp_data,
			    p->u.tp.tp_data_len, emb, MK_PAYLOADS_MAX, &n);
			if (p->type == MK_PT_TICKET)
				(void)mk_decode_embedded(p->u.tp.init_data,
				    p->u.tp.init_data_len, emb,
				    MK_PAYLOADS_MAX, &n);
			break;
		case MK_PT_KEMAC:
			/* NULL encryption was checked by mk_decode. */
			if (p->u.kemac.encr_alg == MK_ENCR_NULL &&
			    mk_decode_keydata(p->u.kemac.encr_data,
			    p->u.kemac.encr_len, keys, MK_KEYS_MAX, &n) !=
			    MK_OK)
				abort();
			break;
		case MK_PT_SP:
			(void)mk_sp_params(&p->u.sp, sp, 8);
			break;
		default:
			break;
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t	len, n;

	if (mk_decode(data, size, &msg) == MK_OK) {
		if (mk_encode(msg.p, msg.count, out, sizeof(out), &len) !=
		    MK_OK)
			abort();
		same(data, size, out, len);
		nested();
	}
	if (size <= MK_MSG_MAX &&
	    mk_decode_embedded(data, size, emb, MK_PAYLOADS_MAX, &n) ==
	    MK_OK) {
		if (mk_encode_embedded(emb, n, out, sizeof(out), &len) !=
		    MK_OK)
			abort();
		same(data, size, out, len);
	}
	if (size <= sizeof(out) &&
	    mk_decode_keydata(data, size, keys, MK_KEYS_MAX, &n) == MK_OK) {
		if (mk_encode_keydata(keys, n, out, sizeof(out), &len) !=
		    MK_OK)
			abort();
		same(data, size, out, len);
	}
	return 0;
}
