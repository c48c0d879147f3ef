/*
 * ue.h - the IMS UE side of MIKEY-TICKET mode 1 (RFC 6043; TS 33.328):
 * build REQUEST_INIT_PSK, RESOLVE_INIT_PSK and TRANSFER_INIT, check and
 * open REQUEST_RESP, RESOLVE_RESP and TRANSFER_INIT, derive the TEK.
 * Used by tools/ims-client and by the unit tests of the KMS.
 */
#ifndef UE_H
#define UE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ticket.h"

struct ue {
	const char	*id;		/* IDRi / IDRr, e.g. sip:alice@... */
	const char	*keyid;		/* IDRpsk: the B-TID of the PSK */
	uint8_t		 psk[TK_KEY_LEN];
	const char	*kms_id;	/* IDRkms; NULL: leave IDRkms out */
	bool		 fork;		/* ask for key forking (TP flag I) */
};

/* What a response gave the UE. */
struct ue_result {
	uint8_t		 mikey_err;	/* TKMS_NO_ERR, or the Error no */
	bool		 err_has_v;	/* the Error message carried a V */
	uint8_t		 mpki[TK_KEY_LEN];
	uint8_t		 tgk[TK_KEY_LEN];
	uint8_t		 tgk_spi[TK_SPI_LEN];
	bool		 has_mpkr;	/* forking: a second MPK came */
	uint8_t		 mpkr[TK_KEY_LEN];	/* MPKr (request), MPKr'
						   (resolve) */
	uint8_t		 rkms[TK_RAND_LEN];	/* RANDRkms (resolve, fork) */
	size_t		 rkms_len;
	char		 idr[TK_ID_MAX + 1];	/* IDRr of RESOLVE_RESP */
	char		 kms[TK_ID_MAX + 1];	/* IDRkms of the response */
	uint16_t	 flags;		/* granted TP flags (request) */
	uint8_t		 buf[MK_MSG_MAX];	/* copy of the response */
	struct mk_msg	 m;		/* decoded from buf */
	const struct mk_payload *ticket;	/* TICKET in m (request) */
};

/*
 * REQUEST_INIT_PSK: HDR, T, RANDRi, IDRi, IDRkms, TP (type 2/0/0,
 * flags D E H N O, TP Data: IDRr responder [, TRe valid_to]), IDRpsk, V.
 * t is Unix seconds; valid_to 0 leaves TRe out.
 */
int	 ue_request_init(const struct ue *u, const char *responder,
	    uint32_t csb, int64_t t, int64_t valid_to, const uint8_t *rand,
	    size_t rand_len, uint8_t *out, size_t out_size, size_t *out_len);
/* RESOLVE_INIT_PSK: HDR, T, RANDRr, IDRr, IDRkms, TICKET, IDRpsk, V. */
int	 ue_resolve_init(const struct ue *u, const struct mk_payload *ticket,
	    uint32_t csb, int64_t t, const uint8_t *rand, size_t rand_len,
	    uint8_t *out, size_t out_size, size_t *out_len);
/*
 * Checks a REQUEST_RESP or RESOLVE_RESP (V over resp || init under the
 * response keys of the PSK) and opens its KEMAC.  0 with r filled (or
 * r->mikey_err set for an Error message), -1 when the answer is not
 * acceptable (bad MAC, wrong type, malformed).
 */
int	 ue_response(const struct ue *u, const uint8_t *init, size_t init_len,
	    const uint8_t *resp, size_t resp_len, struct ue_result *r);
/*
 * TRANSFER_INIT: HDR, T, RANDRi, IDRi, IDRr, TICKET, V, MACed with the
 * initial-message keys of MPKi (RFC 6043 5.5: Initiator Data excluded).
 * With mpkr (forking) the TICKET carries Initiator Data = Vi, Vr: Vi a
 * copy of the V, Vr under the Vr key of MPKr (RFC 6043 6.10).
 */
int	 ue_transfer_init(const struct ue *u, const char *responder,
	    const uint8_t mpki[TK_KEY_LEN], const uint8_t *mpkr,
	    const struct mk_payload *ticket, uint32_t csb, int64_t t,
	    const uint8_t *rand, size_t rand_len, uint8_t *out,
	    size_t out_size, size_t *out_len);
/*
 * Checks TRANSFER_INIT msg with MPKi (from the responder's resolve); with
 * Initiator Data, also that Vi equals the V (RFC 6043 4.2.3.6).
 */
int	 ue_transfer_verify(const uint8_t *msg, size_t len,
	    const uint8_t mpki[TK_KEY_LEN]);
/*
 * Forking, responder: TRANSFER_RESP = HDR, T, IDRr, RANDRkms, V with the
 * modifier of RESOLVE_RESP r, MACed over TRANSFER_RESP || TRANSFER_INIT
 * with the response keys of MPKr' (label 0x02, RANDRi; G = 0).
 */
int	 ue_transfer_resp(const struct ue_result *r, const uint8_t *init,
	    size_t init_len, int64_t t, uint8_t *out, size_t out_size,
	    size_t *out_len);
/*
 * Forking, initiator: checks TRANSFER_RESP resp with MPKr' derived from
 * its own MPKr and the modifier (IDRr, RANDRkms) in resp, and derives
 * that responder's TGK' from the TGK.  0 or -1.
 */
int	 ue_transfer_resp_verify(const uint8_t mpkr[TK_KEY_LEN],
	    const uint8_t tgk[TK_KEY_LEN], const uint8_t *init,
	    size_t init_len, const uint8_t *resp, size_t resp_len,
	    uint8_t tgk_f[TK_KEY_LEN]);
/* TEK (16 bytes, SRTP master key) from TGK, CS ID, RANDRi (H = 1). */
int	 ue_tek(const uint8_t tgk[TK_KEY_LEN], uint8_t cs_id,
	    const uint8_t *randi, size_t randi_len, uint8_t tek[16]);

#endif /* UE_H */
