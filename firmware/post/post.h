/*
 * post.h - the power-on self-test: known-answer tests with published
 * vectors, run before the appliance serves (main.c) and on demand (the
 * console's selftest).
 *
 *   sakke   Z_S = [z_S]P and the RSK of RFC 6508 Appendix A, [q]P = O
 *   eccsi   KPAK, PVT and SSK of RFC 6507 Appendix A (fixed v)
 *   uid     a UID format 2 of TS 33.180 F.2.1 (mcx-kms.md 5.1, row 1)
 *   hmac    HMAC-SHA256 in the token, RFC 4231 test case 6
 *   kwp     RFC 5649 key wrap through the token, RFC 5649 section 6
 *   gcm     AES-128-GCM in the token, GCM spec / NIST test case 4
 *   ecdsa   ECDSA P-256 sign in the token with the RFC 6979 A.2.5 key,
 *           verified against its public key (ECDSA is randomised)
 *
 * The token tests use public test keys as session objects (hsm_kat), never
 * the appliance's keys.  In a build with KMS_TEST_HOOKS (a test-only kmsd,
 * never the release), the environment variable KMSD_TEST_KAT_FAIL names
 * tests (comma separated) whose result is corrupted before the comparison,
 * to prove that a failing test keeps kmsd out of service.
 *
 * Threads: any thread; the functions keep no state.
 */
#ifndef POST_H
#define POST_H

#include <stdbool.h>
#include <stddef.h>

struct hsm;

#define POST_KATS_MAX		8	/* entries in a report */
#define POST_TEST_ENV		"KMSD_TEST_KAT_FAIL"

struct post_report {
	size_t		 pr_count;
	struct {
		const char	*name;	/* static: "sakke", "hmac", ... */
		bool		 pass;
	}		 pr_kat[POST_KATS_MAX];
};

/*
 * The math tests (sakke, eccsi, uid): no token needed, but OpenSSL's
 * secure heap must be set up (hsm_open does it).  Appends one entry per
 * test to r (r->pr_count is not reset).  Returns 0 when all passed, -1
 * otherwise (the failing names are logged).
 */
int		 post_crypto(struct post_report *r);

/* The token tests (hmac, kwp, gcm, ecdsa) on h; as post_crypto. */
int		 post_hsm(struct hsm *h, struct post_report *r);

#endif /* POST_H */
