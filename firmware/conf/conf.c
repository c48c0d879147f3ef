/*
 * conf.c - the appliance configuration: libinih callbacks into struct
 * kms_conf, defaults and validation (see conf.h).
 *
 * libinih reads the file through conf_reader(), which hands it one
 * physical line at a time.  That keeps our line count equal to libinih's,
 * lets every message name the line, and catches what libinih would pass
 * silently: over-long lines (libinih would split them), NUL bytes and
 * sections that hold no key.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <ini.h>

#include "conf.h"
#include "conf_local.h"

enum conf_key {
	K_KMS_URI,
	K_CERT_URI,
	K_ISSUER,
	K_KMS_ID,
	K_VALID_FROM,
	K_VALID_TO,
	K_PERIOD,
	K_OFFSET,
	K_DOMAINS,
	K_HSM_MODULE,
	K_HSM_TOKEN,
	K_PIN_FILE,
	K_PIN_ENV,
	K_PORT,
	K_NIC,
	K_TAP,
	K_ADDR,
	K_NETMASK,
	K_GATEWAY,
	K_CONNS,
	K_BODY_MAX,
	K_READ_TIMEOUT,
	K_IDLE_TIMEOUT,
	K_LOG_LEVEL,
	K_TLS_CERT,
	K_TLS_KEY,
	K_PAST,
	K_FUTURE,
	K_PRECOMP_LEAD,
	K_PRECOMP_MAX,
	K_AUTH_ISSUER,
	K_AUTH_AUDIENCE,
	K_AUTH_SCOPE,
	K_AUTH_CLAIM,
	K_AUTH_REALM,
	K_AUTH_KEYS,
	K_AUTH_HS256,
	K_AUTH_LEEWAY,
	K_AUTH_REQUIRE,
	K_SEC_WRAP_ALG,
	K_SEC_HMAC_BITS,
	K_SEC_ENCRYPT,
	K_SEC_REQUIRE_TRK,
	K_SEC_REQ_WINDOW,
	K_SEC_ROTATE_TRK,
	K_SEC_ROTATE_INK,
	K_TICKET_SKEW,
	K_TICKET_LIFE,
	K_TICKET_REPLAY,
	K_TICKET_PEER_ID,
	K_TICKET_PEER_URL,
	K_TICKET_PEER_CA,
	K_ADMIN_PORT,
	K_LOG_SYSLOG,
	K_STORE_ALARM,
	K_STORE_RESERVE,
	K_STORE_CKPT_RECORDS,
	K_STORE_CKPT_SECONDS,
	K_CONSOLE_IDLE,
	K__COUNT
};

struct conf_ctx;
struct conf_keydef;

typedef int	 conf_set_fn(struct conf_ctx *, const struct conf_keydef *,
		    const char *);

/* One key of the file: where it goes and how it is checked. */
struct conf_keydef {
	enum conf_key	 id;
	const char	*section;
	const char	*name;
	conf_set_fn	*set;
	size_t		 off;	/* offset in struct kms_conf */
	size_t		 size;	/* of the field (strings) */
	uint64_t	 lo;	/* bounds (numbers) */
	uint64_t	 hi;
};

/* State of one conf_load call. */
struct conf_ctx {
	struct kms_conf	*conf;
	FILE		*fp;
	char		*line;		/* getline buffer */
	size_t		 linecap;
	int		 lineno;	/* of the line libinih is looking at */
	int		 cont;		/* that line is a continuation line */
	int		 prev_key;	/* a key line came since the section */
	int		 failed;
	int		 err_line;	/* line of the recorded error, or 0 */
	int		 seen[K__COUNT];	/* line each key was set on */
	char		*err;
	size_t		 err_size;
};

static conf_set_fn	 set_uri, set_text, set_date, set_u64, set_domains,
			 set_path, set_envname, set_nic, set_tap, set_ipv4,
			 set_level, set_keyfiles, set_bool, set_wrap_alg,
			 set_syslog;

/* The offset and size of a member of struct kms_conf. */
#define F(m)	offsetof(struct kms_conf, m), \
	    sizeof(((struct kms_conf *)0)->m)

/*
 * Columns: key, section, name, setter, field (offset and size), lo, hi.
 * lo and hi bound numbers; for strings lo = 1 means "must not be empty".
 */
static const struct conf_keydef conf_keys[K__COUNT] = {
	{ K_KMS_URI, "kms", "kms_uri", set_uri,
	    F(kms_uri), 0, 0 },
	{ K_CERT_URI, "kms", "cert_uri", set_uri,
	    F(cert_uri), 0, 0 },
	{ K_ISSUER, "kms", "issuer", set_text,
	    F(issuer), 0, 0 },
	{ K_KMS_ID, "kms", "kms_id", set_text,
	    F(kms_id), 0, 0 },
	{ K_VALID_FROM, "kms", "valid_from", set_date,
	    F(valid_from), 0, 0 },
	{ K_VALID_TO, "kms", "valid_to", set_date,
	    F(valid_to), 0, 0 },
	{ K_PERIOD, "kms", "user_key_period", set_u64,
	    F(user_key_period), 1, CONF_PERIOD_MAX },
	{ K_OFFSET, "kms", "user_key_offset", set_u64,
	    F(user_key_offset), 0, CONF_PERIOD_MAX - 1 },
	{ K_DOMAINS, "kms", "domains", set_domains,
	    0, 0, 0, 0 },
	{ K_HSM_MODULE, "hsm", "module", set_path,
	    F(hsm_module), 1, 0 },
	{ K_HSM_TOKEN, "hsm", "token", set_text,
	    F(hsm_token), 1, 0 },
	{ K_PIN_FILE, "hsm", "pin_file", set_path,
	    F(hsm_pin_file), 0, 0 },
	{ K_PIN_ENV, "hsm", "pin_env", set_envname,
	    F(hsm_pin_env), 0, 0 },
	{ K_PORT, "net", "port", set_u64,
	    F(port), 0, 65535 },
	{ K_NIC, "net", "nic", set_nic,
	    F(nic), 0, 0 },
	{ K_TAP, "net", "tap", set_tap,
	    F(tap_name), 0, 0 },
	{ K_ADDR, "net", "address", set_ipv4,
	    F(addr), 0, 0 },
	{ K_NETMASK, "net", "netmask", set_ipv4,
	    F(netmask), 0, 0 },
	{ K_GATEWAY, "net", "gateway", set_ipv4,
	    F(gateway), 0, 0 },
	{ K_CONNS, "net", "connections", set_u64,
	    F(conns), 1, CONF_CONNS_MAX },
	{ K_BODY_MAX, "net", "body_max", set_u64,
	    F(body_max), 1, CONF_BODY_MAX },
	{ K_READ_TIMEOUT, "net", "read_timeout", set_u64,
	    F(read_timeout_ms), CONF_TIMEOUT_MIN, CONF_TIMEOUT_MAX },
	{ K_IDLE_TIMEOUT, "net", "idle_timeout", set_u64,
	    F(idle_timeout_ms), CONF_TIMEOUT_MIN, CONF_TIMEOUT_MAX },
	{ K_LOG_LEVEL, "log", "level", set_level,
	    F(log_level), 0, 0 },
	{ K_TLS_CERT, "tls", "cert", set_path,
	    F(tls_cert), 0, 0 },
	{ K_TLS_KEY, "tls", "key_label", set_text,
	    F(tls_key_label), 1, 0 },
	{ K_PAST, "kms", "keyprov_past_periods", set_u64,
	    F(keyprov_past), 0, CONF_WINDOW_MAX },
	{ K_FUTURE, "kms", "keyprov_future_periods", set_u64,
	    F(keyprov_future), 0, CONF_WINDOW_MAX },
	{ K_PRECOMP_LEAD, "kms", "precompute_lead", set_u64,
	    F(precompute_lead), 0, CONF_PERIOD_MAX },
	{ K_PRECOMP_MAX, "kms", "precompute_max", set_u64,
	    F(precompute_max), 1, CONF_PRECOMP_MAX },
	{ K_AUTH_ISSUER, "auth", "issuer", set_text,
	    F(auth_issuer), 0, 0 },
	{ K_AUTH_AUDIENCE, "auth", "audience", set_text,
	    F(auth_audience), 0, 0 },
	{ K_AUTH_SCOPE, "auth", "scope", set_text,
	    F(auth_scope), 1, 0 },
	{ K_AUTH_CLAIM, "auth", "subject_claim", set_text,
	    F(auth_claim), 1, 0 },
	{ K_AUTH_REALM, "auth", "realm", set_text,
	    F(auth_realm), 1, 0 },
	{ K_AUTH_KEYS, "auth", "key_files", set_keyfiles,
	    0, 0, 0, 0 },
	{ K_AUTH_HS256, "auth", "hs256_secret_file", set_path,
	    F(auth_hs256), 0, 0 },
	{ K_AUTH_LEEWAY, "auth", "leeway", set_u64,
	    F(auth_leeway), 0, CONF_LEEWAY_MAX },
	{ K_AUTH_REQUIRE, "auth", "require_user", set_bool,
	    F(auth_require_user), 0, 0 },
	{ K_SEC_WRAP_ALG, "security", "wrap_alg", set_wrap_alg,
	    F(sec_wrap_alg), 0, 0 },
	{ K_SEC_HMAC_BITS, "security", "hmac_bits", set_u64,
	    F(sec_hmac_bits), CONF_HMAC_BITS_MIN, CONF_HMAC_BITS_MAX },
	{ K_SEC_ENCRYPT, "security", "encrypt", set_bool,
	    F(sec_encrypt), 0, 0 },
	{ K_SEC_REQUIRE_TRK, "security", "require_trk", set_bool,
	    F(sec_require_trk), 0, 0 },
	{ K_SEC_REQ_WINDOW, "security", "request_window", set_u64,
	    F(sec_req_window), 1, CONF_REQ_WINDOW_MAX },
	{ K_SEC_ROTATE_TRK, "security", "rotate_trk_after", set_u64,
	    F(sec_rotate_trk), 0, CONF_ROTATE_MAX },
	{ K_SEC_ROTATE_INK, "security", "rotate_ink_after", set_u64,
	    F(sec_rotate_ink), 0, CONF_ROTATE_MAX },
	{ K_TICKET_SKEW, "ticket", "skew", set_u64,
	    F(ticket_skew), CONF_TICKET_SKEW_MIN, CONF_TICKET_SKEW_MAX },
	{ K_TICKET_LIFE, "ticket", "lifetime", set_u64,
	    F(ticket_lifetime), CONF_TICKET_LIFE_MIN, CONF_TICKET_LIFE_MAX },
	{ K_TICKET_REPLAY, "ticket", "replay_cache", set_u64,
	    F(ticket_replay), CONF_TICKET_REPLAY_MIN, CONF_TICKET_REPLAY_MAX },
	{ K_TICKET_PEER_ID, "ticket", "peer_id", set_uri,
	    F(ticket_peer_id), 0, 0 },
	{ K_TICKET_PEER_URL, "ticket", "peer_url", set_uri,
	    F(ticket_peer_url), 0, 0 },
	{ K_TICKET_PEER_CA, "ticket", "peer_ca", set_path,
	    F(ticket_peer_ca), 0, 0 },
	{ K_ADMIN_PORT, "net", "admin_port", set_u64,
	    F(admin_port), 0, 65535 },
	{ K_LOG_SYSLOG, "log", "syslog", set_syslog,
	    F(log_syslog), 0, 0 },
	{ K_STORE_ALARM, "store", "alarm_free_mb", set_u64,
	    F(store_alarm_mb), 0, CONF_STORE_MB_MAX },
	{ K_STORE_RESERVE, "store", "reserve_mb", set_u64,
	    F(store_reserve_mb), 0, CONF_STORE_MB_MAX },
	{ K_STORE_CKPT_RECORDS, "store", "checkpoint_records", set_u64,
	    F(store_ckpt_records), 0, CONF_CKPT_RECORDS_MAX },
	{ K_STORE_CKPT_SECONDS, "store", "checkpoint_seconds", set_u64,
	    F(store_ckpt_seconds), 0, CONF_CKPT_SECONDS_MAX },
	{ K_CONSOLE_IDLE, "console", "idle_logout", set_u64,
	    F(console_idle), 0, CONF_IDLE_LOGOUT_MAX },
};

#undef F

static const char *const conf_sections[] = { "kms", "hsm", "net", "log",
    "tls", "auth", "security", "ticket", "store", "console" };

/* The characters of a URI (RFC 3986, printable ASCII less the excluded). */
static int
is_uri_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && strchr("<>\"{}|\\^`", c) == NULL;
}

/* see conf.h */
bool
conf_uri_ok(const char *s)
{
	if (s == NULL || *s == '\0' || strlen(s) >= CONF_STR_MAX)
		return false;
	for (; *s != '\0'; s++)
		if (!is_uri_char((unsigned char)*s))
			return false;
	return true;
}

/*
 * True when s is well-formed UTF-8 without control characters: what an
 * xsd:string value and a log line may hold.
 */
static int
is_clean_text(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	unsigned		 cp, n, i;

	while (*p != '\0') {
		if (*p < 0x80) {
			if (*p < 0x20 || *p == 0x7f)
				return 0;
			p++;
			continue;
		}
		if ((*p & 0xe0) == 0xc0) {
			cp = *p & 0x1f;
			n = 1;
		} else if ((*p & 0xf0) == 0xe0) {
			cp = *p & 0x0f;
			n = 2;
		} else if ((*p & 0xf8) == 0xf0) {
			cp = *p & 0x07;
			n = 3;
		} else
			return 0;
		for (i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		/* Overlong forms, surrogates, beyond U+10FFFF, C1 controls. */
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) ||
		    (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff) ||
		    (cp >= 0x80 && cp < 0xa0) || cp == 0xfffe || cp == 0xffff)
			return 0;
		p += n + 1;
	}
	return 1;
}

static void	 conf_fail_at(struct conf_ctx *, int, const char *,
		    const char *, ...) __attribute__((format(printf, 4, 5)));

/* Record the first error; later ones are dropped. */
static void
conf_fail_at(struct conf_ctx *ctx, int line, const char *key,
    const char *fmt, ...)
{
	char	 msg[CONF_ERR_MAX];
	va_list	 ap;

	if (ctx->failed)
		return;
	ctx->failed = 1;
	ctx->err_line = line;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ctx->err == NULL || ctx->err_size == 0)
		return;
	if (line > 0 && key != NULL)
		snprintf(ctx->err, ctx->err_size, "config line %d: %s: %s",
		    line, key, msg);
	else if (line > 0)
		snprintf(ctx->err, ctx->err_size, "config line %d: %s",
		    line, msg);
	else if (key != NULL)
		snprintf(ctx->err, ctx->err_size, "config: %s: %s", key, msg);
	else
		snprintf(ctx->err, ctx->err_size, "config: %s", msg);
}

/* An error about key k on the current line. */
static int
conf_fail(struct conf_ctx *ctx, const struct conf_keydef *k,
    const char *msg)
{
	char	 key[32];

	snprintf(key, sizeof(key), "%s.%s", k->section, k->name);
	conf_fail_at(ctx, ctx->lineno, key, "%s", msg);
	return -1;
}

/* An error about key id found after the parse, at the line it was set. */
static int
conf_fail_key(struct conf_ctx *ctx, enum conf_key id, const char *msg)
{
	const struct conf_keydef	*k = &conf_keys[id];
	char				 key[32];

	snprintf(key, sizeof(key), "%s.%s", k->section, k->name);
	conf_fail_at(ctx, ctx->seen[id], key, "%s", msg);
	return -1;
}

static char *
field(struct conf_ctx *ctx, const struct conf_keydef *k)
{
	return (char *)ctx->conf + k->off;
}

/* Copy a string value that was already checked. */
static int
set_string(struct conf_ctx *ctx, const struct conf_keydef *k,
    const char *v)
{
	char	 msg[64];
	size_t	 len = strlen(v);

	if (len >= k->size) {
		snprintf(msg, sizeof(msg), "too long (max %zu characters)",
		    k->size - 1);
		return conf_fail(ctx, k, msg);
	}
	memcpy(field(ctx, k), v, len + 1);
	return 0;
}

static int
set_uri(struct conf_ctx *ctx, const struct conf_keydef *k, const char *v)
{
	const char	*p;

	if (*v == '\0') {
		if (k->id == K_KMS_URI)
			return conf_fail(ctx, k, "must not be empty");
		return set_string(ctx, k, v);
	}
	for (p = v; *p != '\0'; p++)
		if (!is_uri_char((unsigned char)*p))
			return conf_fail(ctx, k, "not a URI (no spaces, "
			    "control or non-ASCII characters, <>\"{}|\\^`)");
	return set_string(ctx, k, v);
}

/* lo == 1: required (must not be empty). */
static int
set_text(struct conf_ctx *ctx, const struct conf_keydef *k, const char *v)
{
	if (k->lo && *v == '\0')
		return conf_fail(ctx, k, "must not be empty");
	if (!is_clean_text(v))
		return conf_fail(ctx, k, "control character or invalid "
		    "UTF-8");
	return set_string(ctx, k, v);
}

/* lo == 1: required.  Paths are absolute: the daemon has no fixed cwd. */
static int
set_path(struct conf_ctx *ctx, const struct conf_keydef *k, const char *v)
{
	if (*v == '\0') {
		if (k->lo)
			return conf_fail(ctx, k, "must not be empty");
		return set_string(ctx, k, v);
	}
	if (*v != '/')
		return conf_fail(ctx, k, "must be an absolute path");
	if (!is_clean_text(v))
		return conf_fail(ctx, k, "control character or invalid "
		    "UTF-8");
	return set_string(ctx, k, v);
}

static int
set_envname(struct conf_ctx *ctx, const struct conf_keydef *k,
    const char *v)
{
	const char	*p;

	for (p = v; *p != '\0'; p++)
		if (!(*p == '_' || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= 'a' && *p <= 'z') ||
		    (p != v && *p >= '0' && *p <= '9')))
			return conf_fail(ctx, k, "not an environment "
			    "variable name ([A-Za-z_][A-Za-z0-9_]*)");
	return set_string(ctx, k, v);
}

static int
set_nic(struct conf_ctx *ctx, const struct conf_keydef *k, const char *v)
{
	if (strcmp(v, "slirp") != 0 && strcmp(v, "tap") != 0)
		return conf_fail(ctx, k, "must be slirp or tap");
	return set_string(ctx, k, v);
}

static int
set_tap(struct conf_ctx *ctx, const struct conf_keydef *k, const char *v)
{
	char		 msg[64];
	const char	*p;

	if (strlen(v) > CONF_TAP_MAX) {
		snprintf(msg, sizeof(msg), "too long (max %d characters)",
		    CONF_TAP_MAX);
		return conf_fail(ctx, k, msg);
	}
	for (p = v; *p != '\0'; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' ||
		    *p == '.'))
			return conf_fail(ctx, k, "not an interface name "
			    "([A-Za-z0-9_.-])");
	if (strcmp(v, ".") == 0 || strcmp(v, "..") == 0)
		return conf_fail(ctx, k, "not an interface name");
	return set_string(ctx, k, v);
}

static int
set_level(struct conf_ctx *ctx, const struct conf_keydef *k,
    const char *v)
{
	if (strcmp(v, "err") != 0 && strcmp(v, "warn") != 0 &&
	    strcmp(v, "info") != 0 && strcmp(v, "debug") != 0)
		return conf_fail(ctx, k, "must be err, warn, info or debug");
	return set_string(ctx, k, v);
}

/*
 * [log] syslog: empty (off) or "udp:A.B.C.D:PORT", the collector as the
 * appliance reaches it on its network.
 */
static int
set_syslog(struct conf_ctx *ctx, const struct conf_keydef *k,
    const char *v)
{
	struct kms_conf	*c = ctx->conf;
	char		 a[INET_ADDRSTRLEN];
	struct in_addr	 in;
	const char	*colon;
	char		*end;
	unsigned long	 port;

	if (v[0] == '\0')
		return set_string(ctx, k, v);
	if (v[0] == '/')
		return conf_fail(ctx, k, "a unix socket cannot be reached "
		    "from the appliance's network; use udp:ADDR:PORT");
	if (strncmp(v, "udp:", 4) != 0 ||
	    (colon = strrchr(v + 4, ':')) == NULL ||
	    (size_t)(colon - (v + 4)) >= sizeof(a))
		return conf_fail(ctx, k, "must be udp:ADDR:PORT");
	memcpy(a, v + 4, (size_t)(colon - (v + 4)));
	a[colon - (v + 4)] = '\0';
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (inet_pton(AF_INET, a, &in) != 1 || in.s_addr == 0 ||
	    colon[1] < '0' || colon[1] > '9' || *end != '\0' ||
	    errno != 0 || port == 0 || port > 65535)
		return conf_fail(ctx, k, "must be udp:ADDR:PORT with a "
		    "dotted-quad IPv4 address and a port 1..65535");
	c->log_syslog_addr = ntohl(in.s_addr);
	c->log_syslog_port = (uint16_t)port;
	return set_string(ctx, k, v);
}

/* Strict unsigned decimal: digits only, no sign, no overflow. */
static int
parse_u64(const char *s, uint64_t *out)
{
	uint64_t	 v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

static int
set_u64(struct conf_ctx *ctx, const struct conf_keydef *k, const char *v)
{
	char		 msg[96];
	uint64_t	 n;
	char		*f = field(ctx, k);

	if (parse_u64(v, &n) != 0)
		return conf_fail(ctx, k, "not an unsigned decimal integer");
	if (n < k->lo || n > k->hi) {
		if (k->lo == 1 && n == 0)
			snprintf(msg, sizeof(msg), "must be > 0");
		else
			snprintf(msg, sizeof(msg),
			    "must be %llu..%llu", (unsigned long long)k->lo,
			    (unsigned long long)k->hi);
		return conf_fail(ctx, k, msg);
	}
	switch (k->size) {
	case sizeof(uint16_t):
		*(uint16_t *)(void *)f = (uint16_t)n;
		break;
	case sizeof(uint32_t):
		*(uint32_t *)(void *)f = (uint32_t)n;
		break;
	case sizeof(uint64_t):
		*(uint64_t *)(void *)f = n;
		break;
	default:
		return conf_fail(ctx, k, "internal error: field size");
	}
	return 0;
}

/* Days from 1970-01-01 to y-m-d, proleptic Gregorian (H. Hinnant). */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t		 era;
	unsigned	 yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int
digits(const char *s, size_t n, unsigned *out)
{
	unsigned	 v = 0;
	size_t		 i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*out = v;
	return 0;
}

/* see conf.h */
int
conf_parse_datetime(const char *s, int64_t *out)
{
	static const unsigned	 mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31,
				    30, 31, 30, 31 };
	unsigned		 y, mo, d, h, mi, se, dim;
	size_t			 len = strlen(s);

	if (len != 19 && !(len == 20 && s[19] == 'Z'))
		return -1;
	if (s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
	    s[16] != ':')
		return -1;
	if (digits(s, 4, &y) || digits(s + 5, 2, &mo) ||
	    digits(s + 8, 2, &d) || digits(s + 11, 2, &h) ||
	    digits(s + 14, 2, &mi) || digits(s + 17, 2, &se))
		return -1;
	if (y < 1 || mo < 1 || mo > 12 || h > 23 || mi > 59 || se > 59)
		return -1;
	dim = mdays[mo - 1];
	if (mo == 2 && (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		dim = 29;
	if (d < 1 || d > dim)
		return -1;
	*out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
	return 0;
}

static int
set_date(struct conf_ctx *ctx, const struct conf_keydef *k, const char *v)
{
	int64_t	 t;

	if (conf_parse_datetime(v, &t) != 0)
		return conf_fail(ctx, k, "not an xsd:dateTime "
		    "YYYY-MM-DDThh:mm:ss[Z] (UTC)");
	*(int64_t *)(void *)field(ctx, k) = t;
	return 0;
}

static int
set_ipv4(struct conf_ctx *ctx, const struct conf_keydef *k, const char *v)
{
	struct in_addr	 in;
	uint32_t	 a, inv;

	if (inet_pton(AF_INET, v, &in) != 1)
		return conf_fail(ctx, k, "not a dotted-quad IPv4 address");
	a = ntohl(in.s_addr);
	if (k->id == K_NETMASK) {
		inv = ~a;
		if (a == 0 || (inv & (inv + 1)) != 0)
			return conf_fail(ctx, k, "not a contiguous, non-zero "
			    "netmask");
	} else if (a == 0 || a == 0xffffffffU)
		return conf_fail(ctx, k, "must be a host address");
	*(uint32_t *)(void *)field(ctx, k) = a;
	return 0;
}

/* Each call (first line, repeats, continuation lines) adds domains. */
static int
set_domains(struct conf_ctx *ctx, const struct conf_keydef *k,
    const char *v)
{
	struct kms_conf	*c = ctx->conf;
	char		 msg[96];
	const char	*p = v, *e;
	size_t		 len, i;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		for (e = p; *e != '\0' && *e != ' ' && *e != '\t'; e++)
			if (!is_uri_char((unsigned char)*e))
				return conf_fail(ctx, k, "not a URI (no "
				    "control or non-ASCII characters, "
				    "<>\"{}|\\^`)");
		len = (size_t)(e - p);
		if (len >= CONF_STR_MAX) {
			snprintf(msg, sizeof(msg), "domain too long (max %d "
			    "characters)", CONF_STR_MAX - 1);
			return conf_fail(ctx, k, msg);
		}
		if (c->domain_count >= CONF_DOMAINS_MAX) {
			snprintf(msg, sizeof(msg), "more than %d domains",
			    CONF_DOMAINS_MAX);
			return conf_fail(ctx, k, msg);
		}
		for (i = 0; i < c->domain_count; i++)
			if (strlen(c->domains[i]) == len &&
			    memcmp(c->domains[i], p, len) == 0)
				return conf_fail(ctx, k, "domain listed twice");
		memcpy(c->domains[c->domain_count], p, len);
		c->domains[c->domain_count][len] = '\0';
		c->domain_count++;
		p = e;
	}
	return 0;
}

/* Each call adds absolute paths, space separated (like domains). */
static int
set_keyfiles(struct conf_ctx *ctx, const struct conf_keydef *k,
    const char *v)
{
	struct kms_conf	*c = ctx->conf;
	char		 msg[96];
	const char	*p = v, *e;
	size_t		 len;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		for (e = p; *e != '\0' && *e != ' ' && *e != '\t'; e++)
			;
		len = (size_t)(e - p);
		if (*p != '/')
			return conf_fail(ctx, k, "must be absolute paths");
		if (len >= CONF_STR_MAX) {
			snprintf(msg, sizeof(msg), "path too long (max %d "
			    "characters)", CONF_STR_MAX - 1);
			return conf_fail(ctx, k, msg);
		}
		if (c->auth_key_count >= CONF_AUTH_KEYS_MAX) {
			snprintf(msg, sizeof(msg), "more than %d key files",
			    CONF_AUTH_KEYS_MAX);
			return conf_fail(ctx, k, msg);
		}
		memcpy(c->auth_keys[c->auth_key_count], p, len);
		c->auth_keys[c->auth_key_count][len] = '\0';
		if (!is_clean_text(c->auth_keys[c->auth_key_count]))
			return conf_fail(ctx, k, "control character or "
			    "invalid UTF-8");
		c->auth_key_count++;
		p = e;
	}
	return 0;
}

static int
set_bool(struct conf_ctx *ctx, const struct conf_keydef *k, const char *v)
{
	bool	 b;

	if (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0 ||
	    strcmp(v, "on") == 0 || strcmp(v, "1") == 0)
		b = true;
	else if (strcmp(v, "no") == 0 || strcmp(v, "false") == 0 ||
	    strcmp(v, "off") == 0 || strcmp(v, "0") == 0)
		b = false;
	else
		return conf_fail(ctx, k, "must be yes or no");
	*(bool *)(void *)field(ctx, k) = b;
	return 0;
}

/* The label of EncKeyContentType wraps: one of the two URIs we know. */
static int
set_wrap_alg(struct conf_ctx *ctx, const struct conf_keydef *k,
    const char *v)
{
	if (strcmp(v, CONF_WRAP_KW_AES256) != 0 &&
	    strcmp(v, CONF_WRAP_KW_AES256_PAD) != 0)
		return conf_fail(ctx, k, "must be " CONF_WRAP_KW_AES256 " or "
		    CONF_WRAP_KW_AES256_PAD);
	return set_string(ctx, k, v);
}

/* Keys that may be repeated and continued on indented lines. */
static int
is_list_key(enum conf_key id)
{
	return id == K_DOMAINS || id == K_AUTH_KEYS;
}

static int
is_known_section(const char *s)
{
	size_t	 i;

	for (i = 0; i < sizeof(conf_sections) / sizeof(conf_sections[0]); i++)
		if (strcmp(s, conf_sections[i]) == 0)
			return 1;
	return 0;
}

/* libinih's callback: 1 to go on, 0 on error. */
static int
conf_handler(void *user, const char *section, const char *name,
    const char *value)
{
	struct conf_ctx			*ctx = user;
	const struct conf_keydef	*k = NULL;
	size_t				 i;

	if (ctx->failed)
		return 1;
	/* A section header (with INI_CALL_HANDLER_ON_NEW_SECTION). */
	if (name == NULL)
		return 1;
	if (section[0] == '\0') {
		conf_fail_at(ctx, ctx->lineno, NULL, "%s: key outside a "
		    "[section]", name);
		return 0;
	}
	if (!is_known_section(section)) {
		conf_fail_at(ctx, ctx->lineno, NULL, "unknown section [%s]",
		    section);
		return 0;
	}
	for (i = 0; i < K__COUNT; i++)
		if (strcmp(conf_keys[i].section, section) == 0 &&
		    strcmp(conf_keys[i].name, name) == 0) {
			k = &conf_keys[i];
			break;
		}
	if (k == NULL) {
		conf_fail_at(ctx, ctx->lineno, NULL, "%s.%s: unknown key",
		    section, name);
		return 0;
	}
	if (!is_list_key(k->id)) {
		if (ctx->cont) {
			conf_fail(ctx, k, "indented continuation line (only "
			    "domains and key_files may continue)");
			return 0;
		}
		if (ctx->seen[k->id]) {
			conf_fail_at(ctx, ctx->lineno, NULL, "%s.%s: given "
			    "twice (first on line %d)", k->section, k->name,
			    ctx->seen[k->id]);
			return 0;
		}
	}
	if (!ctx->seen[k->id])
		ctx->seen[k->id] = ctx->lineno;
	if (k->set(ctx, k, value) != 0)
		return 0;
	return 1;
}

/*
 * libinih's reader: one physical line per call, counted.  A line that
 * would not fit libinih's buffer is refused and replaced by an empty one,
 * so libinih's line numbers stay ours.
 */
static char *
conf_reader(char *str, int num, void *stream)
{
	struct conf_ctx	*ctx = stream;
	ssize_t		 n;
	size_t		 len;
	char		*p, *e;

	n = getline(&ctx->line, &ctx->linecap, ctx->fp);
	if (n < 0)
		return NULL;
	ctx->lineno++;
	len = (size_t)n;
	if (strlen(ctx->line) != len) {
		conf_fail_at(ctx, ctx->lineno, NULL, "NUL byte in line");
		len = 0;
	}
	while (len > 0 && (ctx->line[len - 1] == '\n' ||
	    ctx->line[len - 1] == '\r'))
		len--;
	ctx->line[len] = '\0';
	if (len > CONF_LINE_MAX || len + 3 > (size_t)num) {
		conf_fail_at(ctx, ctx->lineno, NULL, "line too long (max %d "
		    "characters)", CONF_LINE_MAX);
		len = 0;
		ctx->line[0] = '\0';
	}

	p = ctx->line;
	if (ctx->lineno == 1 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	/* libinih's rule: an indented line after a key continues its value. */
	ctx->cont = ctx->prev_key && (*p == ' ' || *p == '\t');
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == ';' || *p == '#' || *p == '\0')
		ctx->cont = 0;
	else if (*p == '[' && !ctx->cont)
		ctx->prev_key = 0;
	else
		ctx->prev_key = 1;
	if (*p == '[' && !ctx->cont) {
		e = strchr(p, ']');
		if (e != NULL) {
			*e = '\0';
			if (!is_known_section(p + 1))
				conf_fail_at(ctx, ctx->lineno, NULL,
				    "unknown section [%s]", p + 1);
			*e = ']';
		}
	}

	memcpy(str, ctx->line, len);
	str[len] = '\n';
	str[len + 1] = '\0';
	return str;
}

/*
 * [auth]: off when issuer is empty (then no other [auth] key may be set);
 * on, it needs audience and at least one key file or the HS256 secret.
 */
static void
conf_check_auth(struct conf_ctx *ctx)
{
	struct kms_conf	*c = ctx->conf;
	enum conf_key	 id;

	if (c->auth_issuer[0] == '\0') {
		for (id = K_AUTH_AUDIENCE; id <= K_AUTH_REQUIRE; id++)
			if (ctx->seen[id]) {
				conf_fail_key(ctx, id, "needs auth.issuer");
				return;
			}
		return;
	}
	if (c->auth_audience[0] == '\0') {
		conf_fail_key(ctx, K_AUTH_ISSUER, "auth.audience is required "
		    "with auth.issuer");
		return;
	}
	if (c->auth_key_count == 0 && c->auth_hs256[0] == '\0')
		conf_fail_key(ctx, K_AUTH_ISSUER, "set auth.key_files or "
		    "auth.hs256_secret_file");
}

/* [ticket]: the peer KMS is all three keys or none; https only. */
static void
conf_check_ticket(struct conf_ctx *ctx)
{
	struct kms_conf	*c = ctx->conf;
	int		 n;

	n = (c->ticket_peer_id[0] != '\0') + (c->ticket_peer_url[0] != '\0') +
	    (c->ticket_peer_ca[0] != '\0');
	if (n != 0 && n != 3) {
		conf_fail_key(ctx, ctx->seen[K_TICKET_PEER_ID] ?
		    K_TICKET_PEER_ID : ctx->seen[K_TICKET_PEER_URL] ?
		    K_TICKET_PEER_URL : K_TICKET_PEER_CA,
		    "set peer_id, peer_url and peer_ca together");
		return;
	}
	if (c->ticket_peer_url[0] != '\0' &&
	    strncmp(c->ticket_peer_url, "https://", 8) != 0) {
		conf_fail_key(ctx, K_TICKET_PEER_URL, "must be an https:// URL "
		    "(the peer KMS is reached over mutual TLS)");
		return;
	}
	if (n == 3 && c->tls_cert[0] == '\0')
		conf_fail_key(ctx, K_TICKET_PEER_ID, "a peer KMS needs "
		    "tls.cert (our client certificate)");
}

/* Checks across keys, once the whole file is read. */
static void
conf_check(struct conf_ctx *ctx)
{
	struct kms_conf	*c = ctx->conf;

	if (c->kms_uri[0] == '\0') {
		conf_fail_key(ctx, K_KMS_URI, "required");
		return;
	}
	if (c->user_key_offset >= c->user_key_period) {
		conf_fail_key(ctx, ctx->seen[K_OFFSET] ? K_OFFSET : K_PERIOD,
		    "user_key_offset must be < user_key_period");
		return;
	}
	if (c->valid_from >= c->valid_to) {
		conf_fail_key(ctx, ctx->seen[K_VALID_TO] ? K_VALID_TO :
		    K_VALID_FROM, "valid_from must be before valid_to");
		return;
	}
	if (c->hsm_pin_file[0] != '\0' && c->hsm_pin_env[0] != '\0') {
		conf_fail_key(ctx, K_PIN_ENV, "set pin_file or pin_env, "
		    "not both");
		return;
	}
	if (strcmp(c->nic, "tap") == 0 && c->tap_name[0] == '\0') {
		conf_fail_key(ctx, K_NIC, "nic = tap needs net.tap");
		return;
	}
	if ((c->gateway & c->netmask) != (c->addr & c->netmask)) {
		conf_fail_key(ctx, ctx->seen[K_GATEWAY] ? K_GATEWAY : K_ADDR,
		    "gateway is not in the address's subnet");
		return;
	}
	if (c->gateway == c->addr) {
		conf_fail_key(ctx, ctx->seen[K_GATEWAY] ? K_GATEWAY : K_ADDR,
		    "gateway equals the address");
		return;
	}
	if (c->sec_hmac_bits % 8 != 0) {
		conf_fail_key(ctx, K_SEC_HMAC_BITS, "must be a multiple of 8");
		return;
	}
	/* The alarm must come before issuance stops (0 = default). */
	if (c->store_alarm_mb != 0 && c->store_reserve_mb != 0 &&
	    c->store_reserve_mb >= c->store_alarm_mb) {
		conf_fail_key(ctx, K_STORE_RESERVE, "must be below "
		    "store.alarm_free_mb");
		return;
	}
	conf_check_auth(ctx);
	if (ctx->failed)
		return;
	conf_check_ticket(ctx);
}

static uint32_t
ipv4_const(const char *s)
{
	struct in_addr	 in;

	if (inet_pton(AF_INET, s, &in) != 1)
		return 0;
	return ntohl(in.s_addr);
}

/* see conf.h */
void
conf_defaults(struct kms_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->valid_from = CONF_DEF_VALID_FROM;
	conf->valid_to = CONF_DEF_VALID_TO;
	conf->user_key_period = CONF_DEF_PERIOD;
	conf->user_key_offset = 0;
	snprintf(conf->hsm_module, sizeof(conf->hsm_module), "%s",
	    CONF_DEF_HSM_MODULE);
	snprintf(conf->hsm_token, sizeof(conf->hsm_token), "%s",
	    CONF_DEF_HSM_TOKEN);
	conf->port = 0;
	snprintf(conf->nic, sizeof(conf->nic), "%s", CONF_DEF_NIC);
	conf->addr = ipv4_const(CONF_DEF_ADDR);
	conf->netmask = ipv4_const(CONF_DEF_NETMASK);
	conf->gateway = ipv4_const(CONF_DEF_GATEWAY);
	conf->conns = CONF_DEF_CONNS;
	conf->body_max = CONF_DEF_BODY_MAX;
	conf->read_timeout_ms = CONF_DEF_READ_TIMEOUT;
	conf->idle_timeout_ms = CONF_DEF_IDLE_TIMEOUT;
	snprintf(conf->tls_key_label, sizeof(conf->tls_key_label), "%s",
	    CONF_DEF_TLS_KEY);
	snprintf(conf->log_level, sizeof(conf->log_level), "%s",
	    CONF_DEF_LOG_LEVEL);
	conf->keyprov_past = CONF_DEF_PAST_PERIODS;
	conf->keyprov_future = CONF_DEF_FUTURE_PERIODS;
	conf->precompute_lead = CONF_DEF_PRECOMP_LEAD;
	conf->precompute_max = CONF_DEF_PRECOMP_MAX;
	snprintf(conf->auth_scope, sizeof(conf->auth_scope), "%s",
	    CONF_DEF_AUTH_SCOPE);
	snprintf(conf->auth_claim, sizeof(conf->auth_claim), "%s",
	    CONF_DEF_AUTH_CLAIM);
	snprintf(conf->auth_realm, sizeof(conf->auth_realm), "%s",
	    CONF_DEF_AUTH_REALM);
	conf->auth_leeway = CONF_DEF_AUTH_LEEWAY;
	snprintf(conf->sec_wrap_alg, sizeof(conf->sec_wrap_alg), "%s",
	    CONF_DEF_WRAP_ALG);
	conf->sec_hmac_bits = CONF_DEF_HMAC_BITS;
	conf->sec_req_window = CONF_DEF_REQ_WINDOW;
	conf->ticket_skew = CONF_DEF_TICKET_SKEW;
	conf->ticket_lifetime = CONF_DEF_TICKET_LIFE;
	conf->ticket_replay = CONF_DEF_TICKET_REPLAY;
}

/* see conf.h */
int
conf_load(const char *path, struct kms_conf *conf, char *err,
    size_t err_size)
{
	struct conf_ctx	 ctx;
	int		 status = -1, rc;

	memset(&ctx, 0, sizeof(ctx));
	ctx.conf = conf;
	ctx.err = err;
	ctx.err_size = err_size;
	if (err != NULL && err_size > 0)
		err[0] = '\0';
	conf_defaults(conf);
	if (path == NULL) {
		conf_fail_at(&ctx, 0, NULL, "no file name");
		goto fail;
	}
	ctx.fp = fopen(path, "re");
	if (ctx.fp == NULL) {
		conf_fail_at(&ctx, 0, NULL, "%s: %s", path, strerror(errno));
		goto fail;
	}
	rc = ini_parse_stream(conf_reader, &ctx, conf_handler, &ctx);
	if (rc == -2) {
		ctx.failed = 0;
		conf_fail_at(&ctx, 0, NULL, "out of memory");
		goto fail;
	}
	if (ferror(ctx.fp)) {
		ctx.failed = 0;
		conf_fail_at(&ctx, 0, NULL, "%s: read error", path);
		goto fail;
	}
	/* A syntax error that libinih found before our first error wins. */
	if (rc > 0 && (!ctx.failed || rc < ctx.err_line)) {
		ctx.failed = 0;
		conf_fail_at(&ctx, rc, NULL, "syntax error (want [section] "
		    "or key = value)");
	}
	if (ctx.failed)
		goto fail;
	conf_check(&ctx);
	if (ctx.failed)
		goto fail;
	status = 0;
fail:
	if (ctx.fp != NULL)
		fclose(ctx.fp);
	free(ctx.line);
	return status;
}

/* see conf.h */
int
conf_key_name(size_t i, char *out, size_t size, bool *list)
{
	int	 n;

	if (i >= K__COUNT)
		return -1;
	n = snprintf(out, size, "%s.%s", conf_keys[i].section,
	    conf_keys[i].name);
	if (n < 0 || (size_t)n >= size)
		return -1;
	*list = is_list_key(conf_keys[i].id);
	return 0;
}

/* see conf_local.h */
int
conf_key_field(const char *key, size_t *off, size_t *size, int *list)
{
	char	 full[64];
	size_t	 i;

	for (i = 0; i < K__COUNT; i++) {
		snprintf(full, sizeof(full), "%s.%s", conf_keys[i].section,
		    conf_keys[i].name);
		if (strcmp(full, key) != 0)
			continue;
		*off = conf_keys[i].off;
		*size = conf_keys[i].size;
		*list = is_list_key(conf_keys[i].id);
		return 0;
	}
	return -1;
}
