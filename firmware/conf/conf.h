/*
 * conf.h - the appliance configuration, read from an INI file (libinih).
 *
 * conf_load() fills struct kms_conf with defaults, then the file's values,
 * and validates the result; an invalid file is refused with a message that
 * names the section, key and reason.  The configuration is read once at
 * boot and is read-only afterwards (any thread may read it), except the
 * few word-sized keys conf_apply_live may change (the console's config
 * set; conf_set rewrites the file for the next boot).
 *
 * The file holds no secret: the HSM user PIN is read from a separate file
 * (hsm.pin_file) or an environment variable (hsm.pin_env).
 */
#ifndef CONF_H
#define CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Limits. */
#define CONF_STR_MAX		256	/* longest string value */
#define CONF_DOMAINS_MAX	16	/* KmsDomainList entries */
#define CONF_ERR_MAX		256	/* conf_load's error message */
#define CONF_PERIOD_MAX		4294967295ULL	/* user_key_period, seconds */
#define CONF_CONNS_MAX		256	/* connections */
#define CONF_BODY_MAX		1048576	/* body_max, bytes */
#define CONF_TAP_MAX		15	/* tap: a Linux interface name */
#define CONF_TIMEOUT_MIN	100	/* read_timeout, idle_timeout, ms */
#define CONF_TIMEOUT_MAX	600000
#define CONF_LINE_MAX		196	/* characters per line (libinih's 200,
					   less CR, LF and NUL) */
#define CONF_AUTH_KEYS_MAX	4	/* auth.key_files (IdMS key rollover) */
#define CONF_LEEWAY_MAX		300	/* auth.leeway, seconds */
#define CONF_WINDOW_MAX		24	/* keyprov past/future periods */
#define CONF_PRECOMP_MAX	65536	/* kms.precompute_max, key sets */
#define CONF_STORE_MB_MAX	1048576	/* store.*_mb: 1 TiB */
#define CONF_IDLE_LOGOUT_MAX	86400	/* console.idle_logout, seconds */
#define CONF_CKPT_RECORDS_MAX	100000	/* = STORE_CKPT_EVERY_MAX */
#define CONF_CKPT_SECONDS_MAX	86400	/* = STORE_CKPT_SECONDS_MAX */

/* Defaults (conf_defaults). */
#define CONF_DEF_PERIOD		2592000		/* 30 days */
#define CONF_DEF_VALID_FROM	1767225600	/* 2026-01-01T00:00:00Z */
#define CONF_DEF_VALID_TO	2082758400	/* 2036-01-01T00:00:00Z */
#define CONF_DEF_HSM_MODULE	"/usr/lib/softhsm/libsofthsm2.so"
#define CONF_DEF_HSM_TOKEN	"kms"
#define CONF_DEF_NIC		"slirp"
#define CONF_DEF_ADDR		"198.18.0.15"
#define CONF_DEF_NETMASK	"255.255.255.0"
#define CONF_DEF_GATEWAY	"198.18.0.2"
#define CONF_DEF_CONNS		16
#define CONF_DEF_BODY_MAX	65536
#define CONF_DEF_READ_TIMEOUT	10000	/* as NET_READ_TIMEOUT_MS */
#define CONF_DEF_IDLE_TIMEOUT	30000	/* as NET_IDLE_TIMEOUT_MS */
#define CONF_DEF_TLS_KEY	"kms.tls"	/* label of the TLS key pair */
#define CONF_DEF_LOG_LEVEL	"info"
#define CONF_DEF_AUTH_SCOPE	"3gpp:mc:ptt_key_management_service"
#define CONF_DEF_AUTH_CLAIM	"sub"
#define CONF_DEF_AUTH_REALM	"kms"
#define CONF_DEF_AUTH_LEEWAY	30	/* seconds */
#define CONF_DEF_PAST_PERIODS	1	/* keyprov/<URI>/<time> window */
#define CONF_DEF_FUTURE_PERIODS	1
#define CONF_DEF_PRECOMP_LEAD	0	/* precompute_lead: off */
#define CONF_DEF_PRECOMP_MAX	4096	/* precompute_max */
/* [security]: the security extension (docs/security-extension.md). */
#define CONF_WRAP_KW_AES256	"http://www.w3.org/2001/04/xmlenc#kw-aes256"
#define CONF_WRAP_KW_AES256_PAD	"http://www.w3.org/2009/xmlenc11#kw-aes-256-pad"
#define CONF_DEF_WRAP_ALG	CONF_WRAP_KW_AES256
#define CONF_DEF_HMAC_BITS	128	/* HMACOutputLength */
#define CONF_HMAC_BITS_MIN	128
#define CONF_HMAC_BITS_MAX	256
#define CONF_DEF_REQ_WINDOW	5	/* SignedKmsRequest Time, seconds */
#define CONF_REQ_WINDOW_MAX	3600
#define CONF_ROTATE_MAX		1000000	/* rotate_*_after */
/* [ticket]: the MIKEY-TICKET KMS (docs/ticket.md). */
#define CONF_DEF_TICKET_SKEW	300	/* seconds, replay window +- */
#define CONF_TICKET_SKEW_MIN	1
#define CONF_TICKET_SKEW_MAX	3600
#define CONF_DEF_TICKET_LIFE	3600	/* seconds, longest ticket validity */
#define CONF_TICKET_LIFE_MIN	1
#define CONF_TICKET_LIFE_MAX	604800	/* one week */
#define CONF_DEF_TICKET_REPLAY	4096	/* replay cache entries */
#define CONF_TICKET_REPLAY_MIN	16
#define CONF_TICKET_REPLAY_MAX	1048576

struct kms_conf {
	/* [kms]: the KMS certificate (TS 33.180 D.3.2) */
	char		 kms_uri[CONF_STR_MAX];		/* kms_uri, required */
	char		 cert_uri[CONF_STR_MAX];	/* cert_uri */
	char		 issuer[CONF_STR_MAX];		/* issuer */
	char		 kms_id[CONF_STR_MAX];		/* kms_id (optional) */
	int64_t		 valid_from;	/* valid_from, xsd:dateTime -> Unix s */
	int64_t		 valid_to;	/* valid_to */
	uint64_t	 user_key_period;	/* seconds, > 0 */
	uint64_t	 user_key_offset;	/* seconds, < period */
	char		 domains[CONF_DOMAINS_MAX][CONF_STR_MAX]; /* domains = a b c */
	size_t		 domain_count;
	/* keyprov/<URI>/<NTP time>: how many key periods before and after
	 * the current one a client may ask for (0 = the current only). */
	unsigned	 keyprov_past;		/* keyprov_past_periods */
	unsigned	 keyprov_future;	/* keyprov_future_periods */
	/* The next period's key sets derived ahead (firmware/mcx/
	 * precompute.c): seconds before the period ends (0 = off), and
	 * the most key sets kept. */
	uint64_t	 precompute_lead;	/* precompute_lead */
	unsigned	 precompute_max;	/* precompute_max */

	/* [hsm] */
	char		 hsm_module[CONF_STR_MAX];	/* module */
	char		 hsm_token[CONF_STR_MAX];	/* token */
	char		 hsm_pin_file[CONF_STR_MAX];	/* pin_file */
	char		 hsm_pin_env[CONF_STR_MAX];	/* pin_env */

	/* [net] */
	uint16_t	 port;		/* port: host-side forward, 0 = any */
	char		 nic[16];	/* nic: slirp | tap */
	char		 tap_name[32];	/* tap */
	uint32_t	 addr;		/* address: the appliance's IPv4 */
	uint32_t	 netmask;	/* netmask */
	uint32_t	 gateway;	/* gateway */
	unsigned	 conns;		/* connections: worker pool size */
	size_t		 body_max;	/* body_max: request body bytes */
	unsigned	 read_timeout_ms; /* read_timeout: one request, ms */
	unsigned	 idle_timeout_ms; /* idle_timeout: keep-alive, ms */
	uint16_t	 admin_port;	/* admin_port: host-side forward of
					   the admin (metrics) port, 0 = any */

	/* [tls]: HTTPS when cert is set (the key stays in the HSM) */
	char		 tls_cert[CONF_STR_MAX];	/* cert: PEM chain */
	char		 tls_key_label[CONF_STR_MAX];	/* key_label */

	/* [store] (firmware/store; 0 = the store's default): the panel
	 * alarm below alarm_free_mb free, issuance refused below
	 * reserve_mb, a signed audit checkpoint every checkpoint_records
	 * records or checkpoint_seconds seconds. */
	uint64_t	 store_alarm_mb;	/* alarm_free_mb */
	uint64_t	 store_reserve_mb;	/* reserve_mb */
	unsigned	 store_ckpt_records;	/* checkpoint_records */
	unsigned	 store_ckpt_seconds;	/* checkpoint_seconds */

	/* [console]: an operator idle this many seconds is logged out
	 * (serial console and front panel; 0 = CONSOLE_IDLE_S, 300). */
	unsigned	 console_idle;		/* idle_logout */

	/* [log] */
	char		 log_level[16];	/* level: err|warn|info|debug */
	char		 log_syslog[CONF_STR_MAX]; /* syslog: udp:ADDR:PORT */
	uint32_t	 log_syslog_addr;	/* parsed; 0 = off */
	uint16_t	 log_syslog_port;

	/* [auth]: IdMS access tokens (firmware/auth).  Enabled when issuer
	 * is set; then audience and at least one key are required. */
	char		 auth_issuer[CONF_STR_MAX];	/* issuer */
	char		 auth_audience[CONF_STR_MAX];	/* audience */
	char		 auth_scope[CONF_STR_MAX];	/* scope */
	char		 auth_claim[CONF_STR_MAX];	/* subject_claim */
	char		 auth_realm[CONF_STR_MAX];	/* realm */
	char		 auth_keys[CONF_AUTH_KEYS_MAX][CONF_STR_MAX]; /* key_files */
	size_t		 auth_key_count;
	char		 auth_hs256[CONF_STR_MAX];	/* hs256_secret_file */
	unsigned	 auth_leeway;	/* leeway: seconds, 0..CONF_LEEWAY_MAX */
	bool		 auth_require_user;	/* require_user: yes|no */

	/* [security]: TS 33.180 D.3.5 for users with a TrK in the store */
	char		 sec_wrap_alg[CONF_STR_MAX];	/* wrap_alg: URI label */
	unsigned	 sec_hmac_bits;	/* hmac_bits: 128..256, multiple of 8 */
	bool		 sec_encrypt;	/* encrypt: AES-128-GCM KmsMessage */
	bool		 sec_require_trk; /* require_trk: 403 without a TrK */
	unsigned	 sec_req_window; /* request_window: |Time - now|, s */
	uint64_t	 sec_rotate_trk; /* rotate_trk_after: responses, 0 off */
	uint64_t	 sec_rotate_ink; /* rotate_ink_after: responses, 0 off */

	/* [ticket]: MIKEY-TICKET KMS policy and the peer KMS (KMS to KMS,
	 * TS 33.328 6.2.3.8).  peer_id, peer_url and peer_ca go together. */
	unsigned	 ticket_skew;	/* skew: |T - now|, replay window, s */
	unsigned	 ticket_lifetime; /* lifetime: longest validity, s */
	uint32_t	 ticket_replay;	/* replay_cache: entries */
	char		 ticket_peer_id[CONF_STR_MAX];	/* peer_id: its IDRkms */
	char		 ticket_peer_url[CONF_STR_MAX];	/* peer_url: https:// */
	char		 ticket_peer_ca[CONF_STR_MAX];	/* peer_ca: PEM file */
};

/*
 * Load path into conf.  Returns 0, or -1 with a one-line reason in
 * err (err_size bytes) such as
 * "config line 7: kms.user_key_period: must be > 0".  On failure conf
 * holds unspecified values and must not be used.
 *
 * File format (libinih): [section] headers, "key = value" lines, comments
 * on lines starting with ';' or '#', inline comments after " ;".  Every
 * key belongs to one of the sections above; an unknown section or key, a
 * key given twice, a key outside a section and a syntax error are all
 * refused (a typo must not pass silently).  A line holds at most
 * CONF_LINE_MAX characters.  "domains" is a space-separated list; it may
 * be repeated (or continued on indented lines) to add more domains;
 * auth.key_files works the same way.  Booleans are yes/no (also
 * true/false, on/off, 1/0).
 * Dates are xsd:dateTime "YYYY-MM-DDThh:mm:ss" with an optional "Z"; a
 * value without a zone is UTC.  Addresses are dotted-quad IPv4.
 * Not thread safe: call once at boot.
 */
int		 conf_load(const char *path, struct kms_conf *conf,
		    char *err, size_t err_size);

/*
 * An xsd:dateTime "YYYY-MM-DDThh:mm:ss" with an optional "Z" (zone-less
 * is UTC), as the config takes it.  Returns 0 and Unix seconds, or -1.
 */
int		 conf_parse_datetime(const char *s, int64_t *out);

/*
 * A URI value as [kms] kms_uri and cert_uri take it: not empty, shorter
 * than CONF_STR_MAX, printable ASCII without blanks or <>"{}|\^`.
 */
bool		 conf_uri_ok(const char *s);

/*
 * The i-th key of the file as "section.name" (i from 0, section by
 * section as conf.c's key table lists them) into out; *list is set for
 * the list keys (kms.domains, auth.key_files) that conf_set refuses.
 * 0, or -1 past the last key (or when out is too small).  For the front
 * panel's pick list of config set.
 */
int		 conf_key_name(size_t i, char *out, size_t size, bool *list);

/* Defaults only (what conf_load starts from). */
void		 conf_defaults(struct kms_conf *conf);

/*
 * Changing one key of the file (the console's config set; conf_set.c).
 *
 * conf_set: key is "section.name" (as in conf_load's messages), value
 * the text after "=" (no control characters, no blanks at either end, no
 * " ;" that would start a comment).  The file's line of that key becomes
 * "name = value" (an inline comment on it is kept; every other line,
 * comments included, stays as it was); a key not in the file is added
 * after its [section] header, or in a new section at the end.  The new
 * text is written to "<path>.tmp" and checked by conf_load's rules (each
 * key and across keys) into *fresh; only if it passes does it replace
 * path (fsync, rename, fsync of the directory), so a crash leaves the
 * old or the new file.  List keys (kms.domains, auth.key_files) are
 * refused.  Returns 0 with *live set when the key may be applied to the
 * running configuration (conf_apply_live), false when it takes effect at
 * the next boot; -1 with a one-line reason in err, the file unchanged.
 */
#define CONF_FILE_MAX		65536	/* bytes of a file conf_set edits */
int		 conf_set(const char *path, const char *key,
		    const char *value, struct kms_conf *fresh, bool *live,
		    char *err, size_t err_size);

/*
 * Copy the value of key from fresh to the running configuration live;
 * only for the keys conf_set calls live, which are read per request
 * (log.level, kms.keyprov_past_periods, kms.keyprov_future_periods,
 * security.request_window, security.require_trk).  The numbers are
 * aligned words, written once; readers see the old or the new value.
 * log.level only changes the text: the caller sets the log level.
 * Returns 0, or -1 for any other key.
 */
int		 conf_apply_live(struct kms_conf *live,
		    const struct kms_conf *fresh, const char *key);

#endif /* CONF_H */
