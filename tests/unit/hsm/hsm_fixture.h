/*
 * hsm_fixture.h - the token fixture shared by the hsm/ unit tests.
 *
 * Every test makes its own token in a fresh temporary directory with its
 * own softhsm2.conf (tests/lib/hsm_token.sh) and points SOFTHSM2_CONF at
 * it.  Teardown closes the hsm, checks that no locked memory is left in
 * use and removes the directory.
 */
#ifndef HSM_FIXTURE_H
#define HSM_FIXTURE_H

#include <limits.h>
#include <stdint.h>

#include "hsm.h"
#include "tfile.h"

#define SOFTHSM_MODULE	"/usr/lib/softhsm/libsofthsm2.so"

/* The cmocka state of one test. */
struct tctx {
	char		 dir[PATH_MAX];	/* the token's directory */
	struct hsm	*h;		/* NULL until hsm_fixture_open */
	const char	*token;		/* token label */
	const char	*pin;		/* user PIN */
};

/* The P-256 group order (the ECCSI modulus). */
extern const uint8_t	 p256_n[32];

/*
 * cmocka setup: a new token labelled token with user PIN pin, in a new
 * directory $TMPDIR/<prefix>-XXXXXX; *state gets a struct tctx.
 */
int	 hsm_fixture_setup(void **state, const char *prefix,
	    const char *token, const char *pin);
/* cmocka teardown of hsm_fixture_setup. */
int	 hsm_fixture_teardown(void **state);
/* hsm_open the test's token into t->h (asserts success). */
void	 hsm_fixture_open(struct tctx *t);
/* hsm_close, then hsm_fixture_open. */
void	 hsm_fixture_reopen(struct tctx *t);

/* A cmocka test entry run between setup (the file's own) and teardown. */
#define HSM_FIXTURE_TEST(f, setup)					\
	cmocka_unit_test_setup_teardown(f, setup, hsm_fixture_teardown)

#endif /* HSM_FIXTURE_H */
