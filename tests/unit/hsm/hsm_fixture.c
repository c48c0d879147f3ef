/*
 * hsm_fixture.c - the token fixture shared by the hsm/ unit tests (see
 * hsm_fixture.h).
 */
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "hsm_fixture.h"

#ifndef HSM_TOKEN_SH
#error "HSM_TOKEN_SH must name tests/lib/hsm_token.sh"
#endif

/* see hsm_fixture.h */
const uint8_t p256_n[32] = {
	0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84,
	0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
};

static int
rm_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

/* see hsm_fixture.h */
int
hsm_fixture_setup(void **state, const char *prefix, const char *token,
    const char *pin)
{
	struct tctx	*t;
	const char	*tmp;
	char		 cmd[PATH_MAX * 2];
	char		 conf[PATH_MAX + 32];

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return -1;
	t->token = token;
	t->pin = pin;
	if ((tmp = getenv("TMPDIR")) == NULL)
		tmp = "/tmp";
	snprintf(t->dir, sizeof(t->dir), "%s/%s-XXXXXX", tmp, prefix);
	if (mkdtemp(t->dir) == NULL)
		return -1;
	snprintf(cmd, sizeof(cmd), "'%s' '%s' '%s' '%s'", HSM_TOKEN_SH,
	    t->dir, token, pin);
	if (system(cmd) != 0)
		return -1;
	snprintf(conf, sizeof(conf), "%s/softhsm2.conf", t->dir);
	setenv("SOFTHSM2_CONF", conf, 1);
	*state = t;
	return 0;
}

/* see hsm_fixture.h */
int
hsm_fixture_teardown(void **state)
{
	struct tctx	*t = *state;

	hsm_close(t->h);
	assert_int_equal(hsm_secmem_used(), 0);
	nftw(t->dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	free(t);
	return 0;
}

/* see hsm_fixture.h */
void
hsm_fixture_open(struct tctx *t)
{
	struct hsm_conf	 c = { SOFTHSM_MODULE, t->token, t->pin };

	assert_int_equal(hsm_open(&c, &t->h), HSM_OK);
	assert_non_null(t->h);
}

/* see hsm_fixture.h */
void
hsm_fixture_reopen(struct tctx *t)
{
	hsm_close(t->h);
	t->h = NULL;
	hsm_fixture_open(t);
}
