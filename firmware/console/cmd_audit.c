/*
 * cmd_audit.c - audit show [N]: the newest N records of the store's
 * audit trail, oldest first; audit verify: walk the hash chain and check
 * the checkpoints with the KMS signing key's public key (store.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board.h"
#include "hsm.h"
#include "kmsd.h"
#include "store.h"

#include "console.h"
#include "console_local.h"

#define AUDIT_CHUNK	64	/* records per store_audit_read */

static console_handler	 cmd_audit_show, cmd_audit_verify;

const struct console_cmd cmd_audit_sub[] = {
	{ .name = "show", .help = "the newest N audit records (default 20, "
	  "at most 200)", .usage = "audit show [N]", .min_args = 0,
	  .max_args = 1, .roles = R_AUD, .handler = cmd_audit_show },
	{ .name = "verify", .help = "check the hash chain and the signed "
	  "checkpoints of the whole trail", .usage = "audit verify",
	  .min_args = 0, .max_args = 0, .roles = R_AUD,
	  .handler = cmd_audit_verify },
	{ .name = NULL }
};

static const char *
kind(const struct store_audit *a)
{
	if (strncmp(a->sa_request_id, "console:", 8) == 0)
		return "console";
	switch (a->sa_kind) {
	case STORE_AUDIT_ISSUED:
		return "issued";
	case STORE_AUDIT_OPERATOR:
		return "operator";
	default:
		return "refused";
	}
}

/*
 * audit verify: the chain from the first record to the last, and every
 * checkpoint signed by this appliance's KMS signing key (read from the
 * token's public half).  Checkpoints by another key (before a restore
 * onto a new token) are counted, not trusted.  When the trail verifies,
 * a checkpoint over the newest record is written so that it is covered
 * from now on.
 */
static int
cmd_audit_verify(struct console *c, int argc, char **argv)
{
	const struct kmsd	*k = c->conf.kmsd;
	struct store_verify	 vf;
	uint8_t			 keys[1][STORE_PUBKEY_LEN];
	size_t			 nkeys = 0, len;
	int			 rc;

	(void)argc;
	(void)argv;
	if (k->hsm != NULL && k->key_sign != HSM_KEY_NONE &&
	    hsm_sign_pubkey(k->hsm, k->key_sign, keys[0], sizeof(keys[0]),
	    &len) == HSM_OK && len == STORE_PUBKEY_LEN)
		nkeys = 1;
	else
		console_printf(c, "audit verify: the KMS signing key cannot "
		    "be read: signatures are not checked\n");
	rc = store_audit_verify(console_store(c),
	    (const uint8_t (*)[STORE_PUBKEY_LEN])keys, nkeys, &vf);
	if (rc == STORE_ERR_TAMPERED) {
		console_printf(c, "audit verify: FAILED at record %" PRId64
		    ": %s\n", vf.sv_bad_seq, vf.sv_problem);
		return 1;
	}
	if (rc != STORE_OK) {
		console_printf(c, "audit verify: %s\n", store_strerror(rc));
		return 1;
	}
	console_printf(c, "audit verify: ok: %" PRId64 " records, chain "
	    "intact; %" PRId64 " checkpoints, %" PRId64 " signed by this "
	    "KMS, %" PRId64 " by another key\n", vf.sv_records,
	    vf.sv_checkpoints, vf.sv_ckpt_verified, vf.sv_ckpt_unknown);
	if (vf.sv_signed_upto > 0)
		console_printf(c, "audit verify: signed up to record %" PRId64
		    "\n", vf.sv_signed_upto);
	if (nkeys == 1 && vf.sv_records > 0) {
		rc = store_audit_checkpoint(console_store(c),
		    console_now_wall(c));
		if (rc == STORE_OK)
			console_printf(c, "audit verify: checkpoint written at "
			    "record %" PRId64 "\n", vf.sv_last_seq);
		else
			console_printf(c, "audit verify: no checkpoint "
			    "written: %s\n", store_strerror(rc));
	}
	return 0;
}

/* store_sign_fn: ECDSA in the token with the KMS signing key. */
static int
audit_sign(void *arg, const uint8_t digest[32], uint8_t sig[STORE_SIG_LEN])
{
	const struct kmsd	*k = arg;
	size_t			 len;

	if (hsm_sign_digest(k->hsm, k->key_sign, digest, sig, STORE_SIG_LEN,
	    &len) != HSM_OK || len != STORE_SIG_LEN)
		return -1;
	return 0;
}

/* see console.h */
int
console_audit_signer(struct kmsd *k)
{
	struct store_signer	 ss;
	size_t			 len;
	int			 rc;

	if (k == NULL || k->store == NULL || k->hsm == NULL ||
	    k->key_sign == HSM_KEY_NONE)
		return -1;
	memset(&ss, 0, sizeof(ss));
	ss.ss_sign = audit_sign;
	ss.ss_arg = k;
	if (k->conf != NULL) {	/* [store]; 0 = the store's defaults */
		ss.ss_every = k->conf->store_ckpt_records;
		ss.ss_seconds = k->conf->store_ckpt_seconds;
	}
	if (hsm_sign_pubkey(k->hsm, k->key_sign, ss.ss_pub, sizeof(ss.ss_pub),
	    &len) != HSM_OK || len != STORE_PUBKEY_LEN) {
		log_warnx("boot: audit checkpoints: the KMS signing key's "
		    "public half cannot be read");
		return -1;
	}
	if ((rc = store_audit_signer(k->store, &ss)) != STORE_OK) {
		log_warnx("boot: audit checkpoints: %s", store_strerror(rc));
		return -1;
	}
	log_info("boot: audit checkpoints signed by the KMS signing key "
	    "every %d records or %d s", STORE_CKPT_DEF_EVERY,
	    STORE_CKPT_DEF_SECONDS);
	return 0;
}

static int
cmd_audit_show(struct console *c, int argc, char **argv)
{
	struct store_audit	*ring, *chunk;
	unsigned long		 want = CONSOLE_AUDIT_SHOW_DEF;
	size_t			 n, i, total = 0, first;
	int64_t			 after = 0;
	char			*end;
	int			 rc;

	if (argc == 2) {
		errno = 0;
		want = strtoul(argv[1], &end, 10);
		if (errno != 0 || *end != '\0' || argv[1][0] == '-' ||
		    want == 0 || want > CONSOLE_AUDIT_SHOW_MAX) {
			console_printf(c, "audit show: N must be 1..%d\n",
			    CONSOLE_AUDIT_SHOW_MAX);
			return 1;
		}
	}
	ring = calloc(want, sizeof(*ring));
	chunk = calloc(AUDIT_CHUNK, sizeof(*chunk));
	if (ring == NULL || chunk == NULL) {
		free(ring);
		free(chunk);
		console_printf(c, "audit show: out of memory\n");
		return 1;
	}
	do {
		rc = store_audit_read(console_store(c), after, chunk,
		    AUDIT_CHUNK, &n);
		if (rc != STORE_OK)
			break;
		for (i = 0; i < n; i++) {
			ring[total % want] = chunk[i];
			total++;
			after = chunk[i].sa_id;
		}
	} while (n == AUDIT_CHUNK);
	if (rc != STORE_OK) {
		console_printf(c, "audit show: %s\n", store_strerror(rc));
		free(ring);
		free(chunk);
		return 1;
	}
	first = total > want ? total - want : 0;
	for (i = first; i < total; i++) {
		const struct store_audit *a = &ring[i % want];

		console_printf(c, "%" PRId64 " %" PRId64 " %s subject=%s "
		    "identity=%s period=%" PRId64 " request=%s reason=%s%s%s\n",
		    a->sa_id, a->sa_time, kind(a), a->sa_subject,
		    a->sa_identity, a->sa_period_no, a->sa_request_id,
		    a->sa_reason, a->sa_operator[0] != '\0' ? " operator=" :
		    "", a->sa_operator);
	}
	console_printf(c, "%zu of %zu records\n", total - first, total);
	free(ring);
	free(chunk);
	return 0;
}
