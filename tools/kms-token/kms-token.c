/*
 * kms-token - mint access tokens as a test IdMS would, and make test IdMS
 * keys.  FOR TESTS AND DEMOS ONLY: a deployment's tokens come from its
 * IdMS, and the KMS is configured with the IdMS's public key only.
 *
 * Usage:
 *   kms-token --key FILE --iss URL --aud AUD [--aud AUD2 ...] [--sub URI]
 *             [--claim NAME] [--scope "S1 S2"] [--ttl SECONDS]
 *             [--alg ES256|RS256|HS256] [--exp-offset SECONDS]
 *             [--nbf-offset SECONDS] [--no-exp] [--jti ID] [--now UNIX]
 *   kms-token genkey --out DIR [--alg ES256|RS256]
 *
 * The token is printed on stdout.  iat = now and exp = now + ttl; with
 * --exp-offset N, exp = now + N and iat = exp - ttl (N < 0 mints an
 * expired token); --nbf-offset N adds nbf = now + N.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mint.h"

#define KT_KEY_MAX	65536	/* a key file, bytes */

static void
usage(void)
{
	fprintf(stderr,
	    "usage: kms-token --key FILE --iss URL --aud AUD [--aud AUD ...]\n"
	    "           [--sub URI] [--claim NAME] [--scope \"S ...\"] "
	    "[--ttl S]\n"
	    "           [--alg ES256|RS256|HS256] [--exp-offset S] "
	    "[--nbf-offset S]\n"
	    "           [--no-exp] [--jti ID] [--now UNIX]\n"
	    "       kms-token genkey --out DIR [--alg ES256|RS256]\n"
	    "For tests and demos only: real tokens come from the IdMS.\n");
	exit(2);
}

static int64_t
num(const char *s, const char *what)
{
	char		*end;
	long long	 v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0') {
		fprintf(stderr, "kms-token: %s: not a number: %s\n", what, s);
		exit(2);
	}
	return (int64_t)v;
}

static unsigned char *
read_key(const char *path, size_t *len)
{
	unsigned char	*b;
	FILE		*fp;
	size_t		 n;

	fp = fopen(path, "rb");
	if (fp == NULL) {
		fprintf(stderr, "kms-token: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	b = malloc(KT_KEY_MAX + 1);
	if (b == NULL)
		exit(1);
	n = fread(b, 1, KT_KEY_MAX + 1, fp);
	fclose(fp);
	if (n == 0 || n > KT_KEY_MAX) {
		fprintf(stderr, "kms-token: %s: empty or too large\n", path);
		exit(1);
	}
	b[n] = '\0';
	*len = n;
	return b;
}

static int
genkey(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "alg", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*out = NULL, *alg = "ES256";
	char		 err[MINT_ERR_MAX];
	int		 ch;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'o': out = optarg; break;
		case 'a': alg = optarg; break;
		default: usage();
		}
	}
	if (out == NULL || optind != argc)
		usage();
	if (mint_genkey(alg, out, err, sizeof(err)) != 0) {
		fprintf(stderr, "kms-token: %s\n", err);
		return 1;
	}
	printf("%s/%s\n%s/%s\n", out, MINT_KEY_FILE, out, MINT_PUB_FILE);
	return 0;
}

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "iss", required_argument, NULL, 'i' },
		{ "aud", required_argument, NULL, 'a' },
		{ "sub", required_argument, NULL, 's' },
		{ "claim", required_argument, NULL, 'c' },
		{ "scope", required_argument, NULL, 'S' },
		{ "ttl", required_argument, NULL, 't' },
		{ "alg", required_argument, NULL, 'A' },
		{ "exp-offset", required_argument, NULL, 'e' },
		{ "nbf-offset", required_argument, NULL, 'n' },
		{ "no-exp", no_argument, NULL, 'X' },
		{ "jti", required_argument, NULL, 'j' },
		{ "now", required_argument, NULL, 'N' },
		{ NULL, 0, NULL, 0 }
	};
	struct mint_claims	 c;
	unsigned char		*key;
	const char		*keyfile = NULL;
	char			 err[MINT_ERR_MAX], *tok;
	size_t			 key_len;
	int64_t			 now = (int64_t)time(NULL), ttl = 300;
	int64_t			 exp_off = 0, nbf_off = 0;
	bool			 has_exp_off = false;
	int			 ch, rc;

	if (argc >= 2 && strcmp(argv[1], "genkey") == 0)
		return genkey(argc - 1, argv + 1);
	memset(&c, 0, sizeof(c));
	c.mc_scope = MINT_DEF_SCOPE;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'k': keyfile = optarg; break;
		case 'i': c.mc_iss = optarg; break;
		case 'a':
			if (c.mc_naud == MINT_AUD_MAX)
				usage();
			c.mc_aud[c.mc_naud++] = optarg;
			break;
		case 's': c.mc_sub = optarg; break;
		case 'c': c.mc_sub_claim = optarg; break;
		case 'S': c.mc_scope = optarg[0] != '\0' ? optarg : NULL; break;
		case 't': ttl = num(optarg, "--ttl"); break;
		case 'A': c.mc_alg = optarg; break;
		case 'e':
			exp_off = num(optarg, "--exp-offset");
			has_exp_off = true;
			break;
		case 'n':
			nbf_off = num(optarg, "--nbf-offset");
			c.mc_has_nbf = true;
			break;
		case 'X': c.mc_no_exp = true; break;
		case 'j': c.mc_jti = optarg; break;
		case 'N': now = num(optarg, "--now"); break;
		default: usage();
		}
	}
	if (keyfile == NULL || c.mc_iss == NULL || c.mc_naud == 0 ||
	    optind != argc || ttl <= 0)
		usage();
	c.mc_exp = has_exp_off ? now + exp_off : now + ttl;
	c.mc_iat = c.mc_exp - ttl;
	c.mc_nbf = now + nbf_off;
	key = read_key(keyfile, &key_len);
	rc = mint_token(key, key_len, &c, &tok, err, sizeof(err));
	memset(key, 0, key_len);
	free(key);
	if (rc != 0) {
		fprintf(stderr, "kms-token: %s\n", err);
		return 1;
	}
	printf("%s\n", tok);
	free(tok);
	return 0;
}
