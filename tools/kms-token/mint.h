/*
 * mint.h - mint IdMS-style access tokens (JWT) and test IdMS key pairs.
 *
 * FOR TESTS AND DEMOS ONLY.  A real deployment gets its tokens from the
 * IdMS; the KMS only ever holds the IdMS's public key.  This code lives in
 * tools/ and is never linked into kmsd.  Used by kms-token and by the unit
 * tests of firmware/auth.
 */
#ifndef MINT_H
#define MINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MINT_AUD_MAX	8	/* audiences in one token */
#define MINT_ERR_MAX	256	/* an error message */
#define MINT_DEF_SCOPE	"3gpp:mc:ptt_key_management_service"
#define MINT_KEY_FILE	"idms-key.pem"	/* genkey: private key, 0600 */
#define MINT_PUB_FILE	"idms-pub.pem"	/* genkey: public key */

/*
 * The claims of one token.  NULL strings are left out of the token (to
 * mint refusals); one audience is written as a string, more as an array.
 * sub goes under the claim sub_claim (NULL = "sub").  Times are Unix
 * seconds; exp is left out with no_exp, nbf is written only with has_nbf.
 */
struct mint_claims {
	const char	*mc_alg;	/* "ES256", "RS256", "HS256"; NULL =
					   from the key (EC -> ES256, RSA ->
					   RS256) */
	const char	*mc_iss;
	const char	*mc_aud[MINT_AUD_MAX];
	size_t		 mc_naud;
	const char	*mc_sub;
	const char	*mc_sub_claim;
	const char	*mc_scope;
	const char	*mc_jti;
	int64_t		 mc_iat;
	int64_t		 mc_exp;
	bool		 mc_no_exp;
	int64_t		 mc_nbf;
	bool		 mc_has_nbf;
};

/*
 * Sign the claims with key (a PEM private key, or the HS256 secret bytes)
 * into a new NUL terminated compact JWT in *token (free() it).  Returns 0,
 * or -1 with a message in err.
 */
int		 mint_token(const unsigned char *key, size_t key_len,
		    const struct mint_claims *c, char **token,
		    char *err, size_t err_size);

/*
 * Write a new test IdMS key pair into dir: MINT_KEY_FILE (PEM private key,
 * mode 0600) and MINT_PUB_FILE (PEM public key).  alg "ES256" makes a
 * P-256 key, "RS256" an RSA-2048 key.  Returns 0, or -1 with err.
 */
int		 mint_genkey(const char *alg, const char *dir, char *err,
		    size_t err_size);

#endif /* MINT_H */
