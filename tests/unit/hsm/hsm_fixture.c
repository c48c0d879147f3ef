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
#include <unistd.h>

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

/* see hsm_fixture.h */
void
tfile_write(const char *dir, const char *name, const void *d, size_t len)
{
	char	 path[PATH_MAX + 64];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(d, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* see hsm_fixture.h */
size_t
tfile_read(const char *dir, const char *name, void *d, size_t size)
{
	char	 path[PATH_MAX + 64];
	FILE	*f;
	size_t	 n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	n = fread(d, 1, size, f);
	fclose(f);
	return n;
}

/* see hsm_fixture.h */
int
txmlsec(const char *dir, const char *fmt, ...)
{
	char	 args[2048], cmd[PATH_MAX + 2400];
	va_list	 ap;
	int	 rc;

	if (access(TXMLSEC, X_OK) != 0)
		skip();
	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "cd '%s' && %s %s >>xmlsec.log 2>&1",
	    dir, TXMLSEC, args);
	rc = system(cmd);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}
