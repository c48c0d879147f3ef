/*
 * ucheck_local.h - what ucheck.c and usec.c share (private to
 * tools/kms-client/ucheck): the verifier's state, including the keys a
 * device holds for the security extension, and the libxml2 helpers.
 * Everything here is independent of firmware/: OpenSSL and libxml2 only.
 */
#ifndef UCHECK_LOCAL_H
#define UCHECK_LOCAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libxml/tree.h>
#include <libxml/xmlschemas.h>
#include <openssl/ec.h>

#include "ucheck.h"

/* One 256-bit key of the device (TrK or InK) and its name. */
struct uc_key {
	bool		 k_set;
	uint8_t		 k_bytes[UCHECK_TRK_LEN];
	char		 k_name[UCHECK_URI_LEN];	/* "" until known */
};

struct ucheck {
	EC_GROUP		*uc_sakke;	/* E with P, q, cofactor 4 */
	BIGNUM			*uc_sakke_p;
	BIGNUM			*uc_sakke_q;
	EC_GROUP		*uc_p256;
	BIGNUM			*uc_p256_p;
	xmlSchemaPtr		 uc_schema;
	xmlSchemaValidCtxtPtr	 uc_valid;
	bool			 uc_has_trk;	/* ucheck_set_trk */
	uint8_t			 uc_trk[UCHECK_TRK_LEN];
	char			 uc_trk_name[UCHECK_URI_LEN];	/* or "" */
	/* usec.c: the InK, and keys delivered by the last response
	 * (NewTransportKey / NewIntegrityKey), adopted at the next one. */
	struct uc_key		 uc_ink;
	struct uc_key		 uc_next_trk;
	struct uc_key		 uc_next_ink;
};

void		 uc_say(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
bool		 uc_is_space(int);
/* Parse (no network, no DTD) and validate against the XSD if loaded. */
enum ucheck_status uc_parse_validate(const struct ucheck *, const char *,
		    size_t, xmlDocPtr *, char *, size_t);
/* First element child: in UCHECK_NS (uc_kid), or any namespace. */
xmlNodePtr	 uc_kid(xmlNodePtr, const char *);
xmlNodePtr	 uc_kid_any(xmlNodePtr, const char *);
/* Element text without surrounding XML space; free() it. */
char		*uc_text_trim(xmlNodePtr);
/* usec.c: wipes every key of uc (ucheck_free). */
void		 uc_wipe_keys(struct ucheck *);

#endif /* UCHECK_LOCAL_H */
