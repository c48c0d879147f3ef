/*
 * tid.h - small helpers shared by the crypto_id tests: hex and base64
 * decoding, deterministic and OpenSSL random sources, a test runner with
 * a name filter.  Header-only (static functions), tests only.
 */
#ifndef TID_H
#define TID_H

#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "crypto.h"

/* Decodes hex (spaces ignored) into out; returns the octet count. */
static inline size_t
tid_hex(const char *s, uint8_t *out, size_t max)
{
	size_t	 n = 0;
	int	 hi = -1, v;

	for (; *s != '\0'; s++) {
		if (isspace((unsigned char)*s))
			continue;
		if (isdigit((unsigned char)*s))
			v = *s - '0';
		else
			v = tolower((unsigned char)*s) - 'a' + 10;
		assert_true(v >= 0 && v < 16);
		if (hi < 0) {
			hi = v;
			continue;
		}
		assert_true(n < max);
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	assert_int_equal(hi, -1);
	return n;
}

/* Decodes base64 into out; returns the octet count. */
static inline size_t
tid_b64(const char *s, uint8_t *out, size_t max)
{
	size_t	 len = strlen(s), pad = 0;
	int	 n;

	assert_true(len % 4 == 0 && len / 4 * 3 <= max);
	n = EVP_DecodeBlock(out, (const unsigned char *)s, (int)len);
	assert_true(n >= 0);
	while (len > 0 && s[len - 1] == '=') {
		pad++;
		len--;
	}
	return (size_t)n - pad;
}

/* A random source that returns fixed 32-octet values, in order. */
struct tid_fixed {
	const uint8_t	*vals;
	size_t		 n;
	size_t		 next;
};

static inline int
tid_fixed_rand(void *arg, uint8_t *out, size_t len)
{
	struct tid_fixed	*f = arg;

	if (f->next >= f->n || len != 32)
		return -1;
	memcpy(out, f->vals + 32 * f->next++, 32);
	return 0;
}

/* The OpenSSL DRBG as a random source. */
static inline int
tid_rand(void *arg, uint8_t *out, size_t len)
{
	(void)arg;
	return RAND_bytes(out, (int)len) == 1 ? 0 : -1;
}

/* Runs the tests whose name equals argv[1], or all of them. */
static inline int
tid_run(const char *group, const struct CMUnitTest *tests, size_t n,
    int argc, char **argv)
{
	struct CMUnitTest	 run[64];
	size_t			 i, k = 0;

	for (i = 0; i < n && k < 64; i++)
		if (argc < 2 || strcmp(argv[1], tests[i].name) == 0)
			run[k++] = tests[i];
	if (k == 0) {
		fprintf(stderr, "%s: no test named %s\n", argv[0], argv[1]);
		return 1;
	}
	return _cmocka_run_group_tests(group, run, k, NULL, NULL);
}

#endif /* TID_H */
