/*
 * certcache.c - KMS CertCache and KMS Cert (TS 33.180 D.2, D.3.4;
 * spec/mcx-kms.md 1.2, 3.3, 3.5).
 *
 *   POST .../certcache       every external KMS certificate, CacheNum =
 *                            the store's cache version
 *   POST .../certcache/<N>   the same, or, when N is the current version,
 *                            a KmsCertCache with that CacheNum and no
 *                            certificate (the client is up to date)
 *   POST .../cert/<CertUri>  one certificate (percent-encoded CertUri) in
 *                            a KmsCertCache; unknown: 404 + KmsError
 *
 * The certificates are the documents kms-admin stored (KmsCertificate,
 * Role="External", or SignedKmsCertificate), copied as they are.
 * cert/<CertUri> also finds every generation of the KMS's own
 * certificate (Role="Root", kcert.h): a client meets an unknown CertUri
 * in a key set after `cert rotate` and fetches it there.
 */
#include <stdlib.h>
#include <string.h>

#include "board.h"
#include "mcx_local.h"

#define CC_PREFIX	MCX_ROOT "/certcache"
#define CERT_PREFIX	MCX_ROOT "/cert"
#define CC_NUM_DIGITS	20		/* a uint64 in decimal */
#define CC_TRIES	3		/* re-reads when the cache moves */

/* A strict decimal uint64 of len characters. */
static int
cc_parse_num(const char *s, size_t len, uint64_t *out)
{
	uint64_t	 v = 0;
	size_t		 i;

	if (len == 0 || len > CC_NUM_DIGITS)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

static int
cc_add(void *arg, const struct store_cert *cert)
{
	int	 rc;

	rc = xml_certcache_add(arg, cert->sc_xml, cert->sc_xml_len);
	if (rc != XML_OK)
		log_warnx("%s: stored certificate not usable: xml error %d",
		    __func__, rc);
	return rc == XML_OK ? 0 : -1;
}

/*
 * Sign the answer in r's body when the user has a TrK (security
 * extension; no rotation here).  0 go on, 1 refused and answered (503),
 * -1 failure.
 */
static int
cc_sign(struct mcx_req *r)
{
	struct mcx_sec	 sec;
	int		 rc;

	rc = mcx_sec_keys(r->mr_kmsd, r->mr_subj.as_uri, &sec);
	if (rc != 0) {
		buf_reset(&r->mr_res->body);
		return mcx_refuse(r, 503, rc == -1 ? "store unavailable" :
		    "transport key unavailable", NULL, NULL, -1) == 0 ? 1 : -1;
	}
	if (!sec.ms_on)
		return 0;
	if (mcx_sec_protect_body(r->mr_kmsd, &sec, r->mr_now,
	    &r->mr_res->body) != 0) {
		buf_reset(&r->mr_res->body);
		return -1;
	}
	return 0;
}

/* The response of r: KmsCertCache with every certificate (all) or none. */
static int
cc_answer(struct mcx_req *r, bool all, uint64_t version)
{
	struct kms_resp_meta	 meta;
	struct xml_certcache	*cc = NULL;
	uint64_t		 v2 = version;
	int			 i, rc, status = -1;

	mcx_resp_meta(r->mr_kmsd->conf, r->mr_subj.as_uri, r->mr_url, &meta);
	meta.time = r->mr_now;
	for (i = 0; i < CC_TRIES; i++) {
		xml_certcache_free(cc);
		cc = NULL;
		if (xml_certcache_new(&meta, version, &cc) != XML_OK)
			goto done;
		if (!all)
			break;
		rc = store_cert_foreach(r->mr_kmsd->store, &v2, cc_add, cc);
		if (rc != STORE_OK) {
			status = mcx_refuse(r, 503, "store unavailable", NULL,
			    NULL, -1);
			goto done;
		}
		if (v2 == version)
			break;
		version = v2;	/* changed meanwhile: once more */
	}
	buf_reset(&r->mr_res->body);
	if (xml_certcache_finish(cc, &r->mr_res->body) != XML_OK)
		goto done;
	if ((rc = cc_sign(r)) != 0) {
		status = rc > 0 ? 0 : -1;
		goto done;
	}
	r->mr_res->status = 200;
	r->mr_res->content_type = MCX_CONTENT_TYPE;
	status = 0;
done:
	xml_certcache_free(cc);
	return status;
}

/* see mcx_local.h */
int
mcx_certcache(const struct http_request *req, struct http_response *res,
    void *arg)
{
	struct mcx_req	 r;
	const char	*rest;
	uint64_t	 n = 0, version;
	bool		 have_n = false;
	int		 rc;

	rc = mcx_begin(&r, req, res, arg);
	if (rc != 0)
		return rc > 0 ? 0 : -1;
	rest = req->path + strlen(CC_PREFIX);
	if (*rest != '\0') {
		rest++;
		if (*rest == '\0' || strchr(rest, '/') != NULL)
			return mcx_refuse(&r, 404, NULL, NULL, NULL, -1);
		if (cc_parse_num(rest, strlen(rest), &n) != 0)
			return mcx_refuse(&r, 400, "malformed cache number",
			    NULL, NULL, -1);
		have_n = true;
	}
	if (store_cache_version(r.mr_kmsd->store, &version) != STORE_OK)
		return mcx_refuse(&r, 503, "store unavailable", NULL, NULL,
		    -1);
	return cc_answer(&r, !(have_n && n == version), version);
}

/* see mcx_local.h */
int
mcx_cert(const struct http_request *req, struct http_response *res,
    void *arg)
{
	struct mcx_req		 r;
	struct kms_resp_meta	 meta;
	struct xml_certcache	*cc = NULL;
	const struct kmsd_gen	*own;
	struct kms_cert_info	 info;
	struct buf		 xml;
	const char		*rest;
	char			 uri[STORE_URI_MAX + 1];
	uint64_t		 version;
	int			 rc, status = -1;

	rc = mcx_begin(&r, req, res, arg);
	if (rc != 0)
		return rc > 0 ? 0 : -1;
	rest = req->path + strlen(CERT_PREFIX);
	if (*rest == '\0' || rest[1] == '\0' || strchr(rest + 1, '/') != NULL)
		return mcx_refuse(&r, 404, NULL, NULL, NULL, -1);
	rest++;
	if (mcx_pct_decode(rest, strlen(rest), uri, sizeof(uri)) != 0)
		return mcx_refuse(&r, 400, "malformed certificate URI", NULL,
		    NULL, -1);

	buf_init(&xml, STORE_CERT_XML_MAX + 1);
	own = kcert_find(r.mr_kmsd, uri);
	rc = own != NULL ? STORE_OK :
	    store_cert_get(r.mr_kmsd->store, uri, &xml, NULL);
	if (rc == STORE_ERR_NOTFOUND || rc == STORE_ERR_ARGS) {
		status = mcx_refuse(&r, 404, "no such certificate", NULL, NULL,
		    -1);
		goto done;
	}
	if (rc != STORE_OK ||
	    store_cache_version(r.mr_kmsd->store, &version) != STORE_OK) {
		status = mcx_refuse(&r, 503, "store unavailable", NULL, NULL,
		    -1);
		goto done;
	}
	mcx_resp_meta(r.mr_kmsd->conf, r.mr_subj.as_uri, r.mr_url, &meta);
	meta.time = r.mr_now;
	if (xml_certcache_new(&meta, version, &cc) != XML_OK)
		goto done;
	if (own != NULL ? kcert_info(r.mr_kmsd, own, &info) != XML_OK ||
	    xml_certcache_add_info(cc, &info) != XML_OK :
	    xml_certcache_add(cc, xml.b_data, xml.b_len) != XML_OK)
		goto done;
	buf_reset(&res->body);
	if (xml_certcache_finish(cc, &res->body) != XML_OK)
		goto done;
	if ((rc = cc_sign(&r)) != 0) {
		status = rc > 0 ? 0 : -1;
		goto done;
	}
	res->status = 200;
	res->content_type = MCX_CONTENT_TYPE;
	status = 0;
done:
	xml_certcache_free(cc);
	buf_free(&xml);
	return status;
}
