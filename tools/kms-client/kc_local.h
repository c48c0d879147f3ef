/*
 * kc_local.h - what the files of kms-client share (private to
 * tools/kms-client/): options, HTTP helpers of kms-client.c, the ue-flow
 * entry point.  The wolfSSL oracle has its own header, wolfcheck.h.
 */
#ifndef KC_LOCAL_H
#define KC_LOCAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ucheck.h"
#include "wolfcheck.h"

#ifndef KC_DEFAULT_XSD
#define KC_DEFAULT_XSD		"tests/schema/kms-interface.xsd"
#endif

#define KC_ROOT_PATH		"/keymanagement/identity/v1"
#define KC_INIT_PATH		KC_ROOT_PATH "/init"
#define KC_CERTS_MAX		8	/* KMS certificate generations known */
#define KC_NTP_UNIX		2208988800ULL
#define KC_MAX_BODY		(1024 * 1024)	/* largest response kept */
#define KC_MAX_REQ_BODY		(64 * 1024 * 1024) /* largest --body file */
#define KC_MAX_COUNT		1000000		/* --count ceiling */
#define KC_MAX_HEADERS		32		/* --header occurrences */
#define KC_MAX_REPORTED		20		/* failure messages shown */
#define KC_DEFAULT_TIMEOUT	30		/* seconds per request */
#define KC_CONNECT_TIMEOUT	10		/* seconds to connect */
#define KC_URL_LEN		2048
#define KC_SIGN_BITS		128	/* --sign-bits default (seed 002) */

enum kc_role { KC_GMS, KC_A, KC_B, KC_ROLES };

struct opts {
	const char	*o_url;
	const char	*o_xsd;
	const char	*o_save;
	const char	*o_token;
	const char	*o_expect_uri;
	const char	*o_body_file;
	const char	*o_cacert;	/* HTTPS: trust only this CA */
	const char	*o_headers[KC_MAX_HEADERS];
	size_t		 o_nheaders;
	long		 o_count;
	long		 o_timeout;
	long		 o_expect_status;	/* -1: not checked */
	long		 o_expect_sets;		/* -1: not checked */
	long		 o_expect_certs;	/* -1: not checked */
	long long	 o_expect_cache;	/* -1: not checked */
	bool		 o_expect_error;
	bool		 o_new_conn;
	bool		 o_quiet;
	const char	*o_trk_file;	/* --trk: the device's TrK */
	const char	*o_trk_name;	/* --trk-name */
	bool		 o_demo_save_trk; /* --demo-save-trk: TrK to --save */
	const char	*o_ink_file;	/* --ink: the device's InK */
	const char	*o_ink_name;	/* --ink-name */
	const char	*o_user;	/* --user: UserUri of signed requests */
	bool		 o_sign;	/* --sign: send SignedKmsRequests */
	long		 o_sign_bits;	/* --sign-bits (HMAC length) */
	/* ue-flow (ueflow.c), per role KC_GMS, KC_A, KC_B: */
	const char	*o_role_token[KC_ROLES];
	const char	*o_role_trk[KC_ROLES];	/* TrK file, or NULL */
	const char	*o_role_ink[KC_ROLES];	/* InK file, or NULL */
	const char	*o_role_uri[KC_ROLES];	/* default: token's sub */
	const char	*o_group;		/* the GMS's group URI */
};

struct body {
	char		*b_data;
	size_t		 b_len;
	size_t		 b_cap;
	bool		 b_overflow;
};

/* One finished exchange. */
struct answer {
	long		 a_status;
	long		 a_new_conns;
	char		 a_ctype[128];
};

extern const char	*progname;

/* kms-client.c */
void		 fail_req(const char *, long, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
bool		 is_xml_ctype(const char *);
int		 save_body(const char *, const char *, long,
		    const struct body *);
int		 save_bin(const char *, const char *, const uint8_t *, size_t);
int		 post_once(const struct opts *, const char *, const char *,
		    long, struct body *, struct answer *);
/*
 * One request as a device: with --sign (o_sign) the body is a
 * SignedKmsRequest by the device's InK or TrK for UserUri user and
 * KmsUri kms_uri (saved as request-WHAT-N.xml with --save); a 200
 * answer is opened by ucheck_open_response (signature verified, content
 * decrypted, rotated keys adopted; signed answers required when the
 * device holds a key and sent a token).  *opened (free it with
 * free_opened) is the text to check further, NULL unless 200.  0 on an
 * answer that opened; -1 (reported with fail_req) otherwise.
 */
int		 device_post(const struct opts *, struct ucheck *,
		    const char *user, const char *kms_uri, const char *path,
		    const char *what, long n, struct body *, struct answer *,
		    char **opened, size_t *opened_len, struct ucheck_sec *);
void		 free_opened(char *, size_t);
/* The --trk/--ink files (either may be NULL) into uc; wiped here. */
int		 load_keys(struct ucheck *, const struct opts *,
		    const char *trk, const char *trk_name, const char *ink,
		    const char *ink_name, const char *demo_name);
int		 pct_encode(const char *, char *, size_t);
long long	 period_of(const struct ucheck_init *, const char *);
void		 keyset_digest(const struct ucheck_keyset *, char [33]);
int		 keyset_wolf(const struct ucheck_init *,
		    const struct ucheck_keyset *, char *, size_t);
int		 load_trk_file(const char *, uint8_t [UCHECK_TRK_LEN]);
int		 demo_save_trk(const struct opts *, const char *,
		    const uint8_t *);

/* ueflow.c: the ue-flow subcommand; the sub claim of a JWT. */
int		 run_ue_flow(const struct opts *);
int		 jwt_sub(const char *, char *, size_t);

#endif /* KC_LOCAL_H */
