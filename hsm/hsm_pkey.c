/*
 * hsm_pkey.c - token keys as OpenSSL EVP_PKEYs through the pkcs11 engine
 * (libengine-pkcs11-openssl, on libp11), for TLS and for certificates the
 * provisioning tool signs.  The EVP_PKEY is a reference to the token's key:
 * every private-key operation runs in the token.
 *
 * The engine loads the same module file, so it shares the module instance
 * and its login with the rest of hsm/ (notes/platform.md section 2).
 */
#include <stdio.h>
#include <string.h>

#include <openssl/engine.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "board.h"
#include "hsm.h"
#include "hsm_local.h"

#define HSM_ENGINE_ID	"pkcs11"
#define HSM_URI_MAX	(64 + 3 * (HSM_TOKEN_LABEL_LEN + HSM_LABEL_MAX))

/* Percent-encode s into a pkcs11: URI path attribute value (RFC 7512). */
static int
uri_escape(const char *s, char *out, size_t out_size)
{
	static const char	 hex[] = "0123456789ABCDEF";
	size_t			 n = 0;

	for (; *s != '\0'; s++) {
		unsigned char	 c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-._~", c) != NULL) {
			if (n + 1 >= out_size)
				return -1;
			out[n++] = (char)c;
		} else {
			if (n + 3 >= out_size)
				return -1;
			out[n++] = '%';
			out[n++] = hex[c >> 4];
			out[n++] = hex[c & 15];
		}
	}
	out[n] = '\0';
	return 0;
}

/* Start the engine once per hsm (caller holds h_engine_mtx). */
static enum hsm_status
engine_start(struct hsm *h)
{
	ENGINE	*e;

	if (h->h_engine != NULL)
		return HSM_OK;
	ENGINE_load_builtin_engines();
	if ((e = ENGINE_by_id(HSM_ENGINE_ID)) == NULL) {
		log_warnx("%s: the pkcs11 engine is not installed", __func__);
		ERR_clear_error();
		return HSM_ERR_NOT_FOUND;
	}
	if (ENGINE_ctrl_cmd_string(e, "MODULE_PATH", h->h_module, 0) != 1 ||
	    ENGINE_ctrl_cmd_string(e, "PIN", h->h_pin, 0) != 1 ||
	    ENGINE_init(e) != 1) {
		log_warnx("%s: the pkcs11 engine did not start", __func__);
		ENGINE_free(e);
		ERR_clear_error();
		return HSM_ERR_DEVICE;
	}
	ERR_clear_error();	/* stale "rdrand" errors (platform.md) */
	h->h_engine = e;
	return HSM_OK;
}

/* see hsm_local.h */
void
hsm_engine_free(struct hsm *h)
{
	ENGINE	*e = h->h_engine;

	if (e == NULL)
		return;
	ENGINE_finish(e);
	ENGINE_free(e);
	h->h_engine = NULL;
}

/* see hsm.h */
enum hsm_status
hsm_tls_pkey(struct hsm *h, hsm_key_id id, struct evp_pkey_st **out)
{
	enum hsm_status	 status = HSM_ERR_GENERAL;
	struct hsm_key	 k;
	char		 tok[3 * HSM_TOKEN_LABEL_LEN + 1];
	char		 lab[3 * HSM_LABEL_MAX + 1], uri[HSM_URI_MAX];
	EVP_PKEY	*pk;

	if (out == NULL)
		return HSM_ERR_ARGS;
	*out = NULL;
	if (h == NULL)
		return HSM_ERR_ARGS;
	if ((status = hsm_key_get(h, id, HSM_OP_TLS_SIGN, &k)) != HSM_OK)
		return status;
	if (uri_escape(h->h_token, tok, sizeof(tok)) != 0 ||
	    uri_escape(k.hk_label, lab, sizeof(lab)) != 0)
		return HSM_ERR_ARGS;
	snprintf(uri, sizeof(uri), "pkcs11:token=%s;object=%s;type=private",
	    tok, lab);

	pthread_mutex_lock(&h->h_engine_mtx);
	if ((status = engine_start(h)) != HSM_OK)
		goto fail;
	pk = ENGINE_load_private_key(h->h_engine, uri, NULL, NULL);
	ERR_clear_error();
	if (pk == NULL) {
		log_warnx("%s: the engine cannot use key '%s'", __func__,
		    k.hk_label);
		status = HSM_ERR_DEVICE;
		goto fail;
	}
	*out = pk;
	status = HSM_OK;
 fail:
	pthread_mutex_unlock(&h->h_engine_mtx);
	return status;
}
