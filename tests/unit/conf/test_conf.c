/*
 * test_conf.c - unit tests of firmware/conf: defaults, a full valid file,
 * the shipped example, comments and line endings, and every refusal with
 * the exact message an operator sees.
 *
 * Usage: test_conf [test-name]
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf.h"

#ifndef CONF_EXAMPLE
#error "CONF_EXAMPLE (docs/kmsd.conf.example) must be defined"
#endif

#define IPV4(a, b, c, d)	(((uint32_t)(a) << 24) | ((b) << 16) | \
				    ((c) << 8) | (d))

/* Write text to a fresh temporary file; the caller unlinks path. */
static void
write_tmp(const char *text, char *path, size_t path_size)
{
	FILE	*fp;
	int	 fd;

	snprintf(path, path_size, "%s/kms-conf-XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	fp = fdopen(fd, "w");
	assert_non_null(fp);
	assert_int_equal(fwrite(text, 1, strlen(text), fp), strlen(text));
	assert_int_equal(fclose(fp), 0);
}

/* conf_load on text; returns its status, err filled. */
static int
load_text(const char *text, struct kms_conf *conf, char *err,
    size_t err_size)
{
	char	 path[256];
	int	 rc;

	write_tmp(text, path, sizeof(path));
	rc = conf_load(path, conf, err, err_size);
	unlink(path);
	return rc;
}

static void
expect_ok(const char *text, struct kms_conf *conf)
{
	char	 err[CONF_ERR_MAX];
	int	 rc;

	rc = load_text(text, conf, err, sizeof(err));
	if (rc != 0)
		fail_msg("unexpected error: %s", err);
}

static void
expect_err(const char *text, const char *want)
{
	struct kms_conf	*conf;
	char		 err[CONF_ERR_MAX];

	conf = calloc(1, sizeof(*conf));
	assert_non_null(conf);
	assert_int_equal(load_text(text, conf, err, sizeof(err)), -1);
	assert_string_equal(err, want);
	free(conf);
}

static void
test_defaults(void **state)
{
	struct kms_conf	 c;

	memset(&c, 0x5a, sizeof(c));
	conf_defaults(&c);
	assert_string_equal(c.kms_uri, "");
	assert_string_equal(c.cert_uri, "");
	assert_string_equal(c.kms_id, "");
	assert_int_equal(c.user_key_period, 2592000);
	assert_int_equal(c.user_key_offset, 0);
	assert_int_equal(c.valid_from, 1767225600);	/* 2026-01-01 */
	assert_int_equal(c.valid_to, 2082758400);	/* 2036-01-01 */
	assert_int_equal(c.domain_count, 0);
	assert_string_equal(c.hsm_module, "/usr/lib/softhsm/libsofthsm2.so");
	assert_string_equal(c.hsm_token, "kms");
	assert_string_equal(c.hsm_pin_file, "");
	assert_string_equal(c.hsm_pin_env, "");
	assert_int_equal(c.port, 0);
	assert_string_equal(c.nic, "slirp");
	assert_string_equal(c.tap_name, "");
	assert_int_equal(c.addr, IPV4(198, 18, 0, 15));
	assert_int_equal(c.netmask, IPV4(255, 255, 255, 0));
	assert_int_equal(c.gateway, IPV4(198, 18, 0, 2));
	assert_int_equal(c.conns, 16);
	assert_int_equal(c.body_max, 65536);
	assert_int_equal(c.read_timeout_ms, 10000);
	assert_int_equal(c.idle_timeout_ms, 30000);
	assert_string_equal(c.log_level, "info");
}

/* Only the required key: everything else keeps its default. */
static void
test_minimal(void **state)
{
	struct kms_conf	 c, d;

	expect_ok("[kms]\nkms_uri = kms.example.org\n", &c);
	conf_defaults(&d);
	snprintf(d.kms_uri, sizeof(d.kms_uri), "kms.example.org");
	assert_memory_equal(&c, &d, sizeof(c));
}

static void
test_full(void **state)
{
	struct kms_conf	 c;

	expect_ok(
	    "[kms]\n"
	    "kms_uri = kms.example.org\n"
	    "cert_uri = cert1.kms.example.org\n"
	    "issuer = www.example.org \xc3\xa9t\xc3\xa9\n"
	    "kms_id = KMSProvider12345\n"
	    "valid_from = 2000-01-26T00:00:00\n"
	    "valid_to = 2025-01-26T23:59:59Z\n"
	    "user_key_period = 604800\n"
	    "user_key_offset = 432000\n"
	    "domains = sec1.example.org sec2.example.org\n"
	    "[hsm]\n"
	    "module = /usr/lib/x/libp11mod.so\n"
	    "token = kms-token\n"
	    "pin_file = /etc/kmsd/pin\n"
	    "[net]\n"
	    "port = 8443\n"
	    "nic = tap\n"
	    "tap = tap-kms0\n"
	    "address = 10.1.2.3\n"
	    "netmask = 255.255.0.0\n"
	    "gateway = 10.1.0.1\n"
	    "connections = 256\n"
	    "body_max = 1048576\n"
	    "read_timeout = 2000\n"
	    "idle_timeout = 600000\n"
	    "[log]\n"
	    "level = debug\n", &c);
	assert_string_equal(c.kms_uri, "kms.example.org");
	assert_string_equal(c.cert_uri, "cert1.kms.example.org");
	assert_string_equal(c.issuer, "www.example.org \xc3\xa9t\xc3\xa9");
	assert_string_equal(c.kms_id, "KMSProvider12345");
	assert_int_equal(c.valid_from, 948844800);
	assert_int_equal(c.valid_to, 1737935999);
	assert_int_equal(c.user_key_period, 604800);
	assert_int_equal(c.user_key_offset, 432000);
	assert_int_equal(c.domain_count, 2);
	assert_string_equal(c.domains[0], "sec1.example.org");
	assert_string_equal(c.domains[1], "sec2.example.org");
	assert_string_equal(c.hsm_module, "/usr/lib/x/libp11mod.so");
	assert_string_equal(c.hsm_token, "kms-token");
	assert_string_equal(c.hsm_pin_file, "/etc/kmsd/pin");
	assert_string_equal(c.hsm_pin_env, "");
	assert_int_equal(c.port, 8443);
	assert_string_equal(c.nic, "tap");
	assert_string_equal(c.tap_name, "tap-kms0");
	assert_int_equal(c.addr, IPV4(10, 1, 2, 3));
	assert_int_equal(c.netmask, IPV4(255, 255, 0, 0));
	assert_int_equal(c.gateway, IPV4(10, 1, 0, 1));
	assert_int_equal(c.conns, 256);
	assert_int_equal(c.body_max, 1048576);
	assert_int_equal(c.read_timeout_ms, 2000);
	assert_int_equal(c.idle_timeout_ms, 600000);
	assert_string_equal(c.log_level, "debug");
}

/* The example shipped in docs/ loads as it is. */
static void
test_example(void **state)
{
	struct kms_conf	 c;
	char		 err[CONF_ERR_MAX];

	if (conf_load(CONF_EXAMPLE, &c, err, sizeof(err)) != 0)
		fail_msg("%s: %s", CONF_EXAMPLE, err);
	assert_string_equal(c.kms_uri, "kms.example.org");
	assert_true(c.domain_count >= 1);
}

/* Comments, blank lines, inline comments, CRLF, a BOM, indented keys. */
static void
test_comments(void **state)
{
	struct kms_conf	 c;

	expect_ok(
	    "\xef\xbb\xbf; a comment\r\n"
	    "# another comment\r\n"
	    "\r\n"
	    "[kms] ; the KMS certificate\r\n"
	    "  kms_uri = kms.example.org ; inline\r\n"
	    "user_key_period=86400\r\n"
	    "\t# indented comment\r\n"
	    "domains = a.example.org\r\n"
	    "  b.example.org c.example.org\r\n"
	    "domains = d.example.org\r\n"
	    "[log]\r\n"
	    "level = warn\r\n", &c);
	assert_string_equal(c.kms_uri, "kms.example.org");
	assert_int_equal(c.user_key_period, 86400);
	assert_int_equal(c.domain_count, 4);
	assert_string_equal(c.domains[1], "b.example.org");
	assert_string_equal(c.domains[3], "d.example.org");
	assert_string_equal(c.log_level, "warn");
}

/* Dates: leap days, the zone-less form is UTC, 'Z' is the same. */
static void
test_dates(void **state)
{
	struct kms_conf	 c;

	expect_ok("[kms]\nkms_uri = k\nvalid_from = 2028-02-29T12:34:56\n"
	    "valid_to = 2400-02-29T00:00:00Z\n", &c);
	assert_int_equal(c.valid_from, 1835440496);
	assert_int_equal(c.valid_to, 13574563200LL);
	expect_ok("[kms]\nkms_uri = k\nvalid_from = 1970-01-01T00:00:00Z\n"
	    "valid_to = 1970-01-01T00:00:01\n", &c);
	assert_int_equal(c.valid_from, 0);
	assert_int_equal(c.valid_to, 1);
}

static void
test_err_required(void **state)
{
	expect_err("", "config: kms.kms_uri: required");
	expect_err("[kms]\nissuer = x\n", "config: kms.kms_uri: required");
	expect_err("[kms]\nkms_uri =\n",
	    "config line 2: kms.kms_uri: must not be empty");
}

static void
test_err_period(void **state)
{
	expect_err("[kms]\nkms_uri = k\n\n\n\n\nuser_key_period = 0\n",
	    "config line 7: kms.user_key_period: must be > 0");
	expect_err("[kms]\nkms_uri = k\nuser_key_period = 4294967296\n",
	    "config line 3: kms.user_key_period: must be 1..4294967295");
	expect_err("[kms]\nkms_uri = k\nuser_key_period = 30d\n",
	    "config line 3: kms.user_key_period: not an unsigned decimal "
	    "integer");
	expect_err("[kms]\nkms_uri = k\nuser_key_period = -1\n",
	    "config line 3: kms.user_key_period: not an unsigned decimal "
	    "integer");
	expect_err("[kms]\nkms_uri = k\nuser_key_period = "
	    "99999999999999999999999\n",
	    "config line 3: kms.user_key_period: not an unsigned decimal "
	    "integer");
	expect_err("[kms]\nkms_uri = k\nuser_key_period = 100\n"
	    "user_key_offset = 100\n",
	    "config line 4: kms.user_key_offset: user_key_offset must be < "
	    "user_key_period");
}

static void
test_err_dates(void **state)
{
	static const char *const bad[] = {
		"2026-13-01T00:00:00",		/* month */
		"2026-02-29T00:00:00",		/* not a leap year */
		"2026-04-31T00:00:00",
		"2026-01-01 00:00:00",		/* space, not T */
		"2026-01-01T24:00:00",
		"2026-01-01T00:60:00",
		"2026-01-01T00:00:60",
		"2026-01-01T00:00:00+01:00",	/* zones other than Z */
		"2026-01-01T00:00:00.5Z",
		"2026-1-01T00:00:00",
		"0000-01-01T00:00:00",
		"tomorrow",
	};
	char	 text[256], want[256];
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "[kms]\nkms_uri = k\n"
		    "valid_to = %s\n", bad[i]);
		snprintf(want, sizeof(want), "config line 3: kms.valid_to: "
		    "not an xsd:dateTime YYYY-MM-DDThh:mm:ss[Z] (UTC)");
		expect_err(text, want);
	}
	expect_err("[kms]\nkms_uri = k\nvalid_from = 2030-01-01T00:00:00\n"
	    "valid_to = 2030-01-01T00:00:00Z\n",
	    "config line 4: kms.valid_to: valid_from must be before valid_to");
	/* Only valid_from given, after the default valid_to. */
	expect_err("[kms]\nkms_uri = k\nvalid_from = 2040-01-01T00:00:00\n",
	    "config line 3: kms.valid_from: valid_from must be before "
	    "valid_to");
}

/* Typos must not pass silently. */
static void
test_err_unknown(void **state)
{
	expect_err("[kms]\nkms_uri = k\nkms_url = k\n",
	    "config line 3: kms.kms_url: unknown key");
	expect_err("[kms]\nkms_uri = k\n[hsm]\nuser_key_period = 5\n",
	    "config line 4: hsm.user_key_period: unknown key");
	expect_err("[kms]\nkms_uri = k\n[kmss]\nissuer = x\n",
	    "config line 3: unknown section [kmss]");
	expect_err("[kms]\nkms_uri = k\n[Log]\n",
	    "config line 3: unknown section [Log]");
	expect_err("kms_uri = k\n[kms]\n",
	    "config line 1: kms_uri: key outside a [section]");
	expect_err("[kms]\nKms_uri = k\n",
	    "config line 2: kms.Kms_uri: unknown key");
}

static void
test_err_syntax(void **state)
{
	expect_err("[kms]\nkms_uri = k\nthis line has no equals sign\n",
	    "config line 3: syntax error (want [section] or key = value)");
	expect_err("[kms\nkms_uri = k\n",
	    "config line 1: syntax error (want [section] or key = value)");
	expect_err("[kms]\nkms_uri = k\nkms_uri = l\n",
	    "config line 3: kms.kms_uri: given twice (first on line 2)");
	expect_err("[kms]\nkms_uri = k\n  issuer = x\n",
	    "config line 3: kms.kms_uri: indented continuation line (only "
	    "domains and key_files may continue)");
}

/* [auth] and the keyprov window: defaults, values, cross-key checks. */
static void
test_auth(void **state)
{
	struct kms_conf	 c;

	expect_ok("[kms]\nkms_uri = k\n", &c);
	assert_string_equal(c.auth_issuer, "");
	assert_string_equal(c.auth_scope, CONF_DEF_AUTH_SCOPE);
	assert_string_equal(c.auth_claim, "sub");
	assert_int_equal(c.auth_leeway, 30);
	assert_false(c.auth_require_user);
	assert_int_equal(c.keyprov_past, 1);
	assert_int_equal(c.keyprov_future, 1);
	expect_ok("[kms]\nkms_uri = k\nkeyprov_past_periods = 3\n"
	    "keyprov_future_periods = 0\n"
	    "[auth]\nissuer = https://idms.example.org\naudience = kms\n"
	    "key_files = /a.pem /b.pem\n  /c.pem\nkey_files = /d.pem\n"
	    "leeway = 0\nrequire_user = yes\nsubject_claim = mcptt_id\n"
	    "scope = s1\nrealm = r\nhs256_secret_file = /s\n", &c);
	assert_int_equal(c.keyprov_past, 3);
	assert_int_equal(c.keyprov_future, 0);
	assert_string_equal(c.auth_issuer, "https://idms.example.org");
	assert_string_equal(c.auth_audience, "kms");
	assert_int_equal(c.auth_key_count, 4);
	assert_string_equal(c.auth_keys[2], "/c.pem");
	assert_string_equal(c.auth_keys[3], "/d.pem");
	assert_int_equal(c.auth_leeway, 0);
	assert_true(c.auth_require_user);
	assert_string_equal(c.auth_claim, "mcptt_id");
	assert_string_equal(c.auth_hs256, "/s");
	expect_err("[kms]\nkms_uri = k\n[auth]\naudience = a\n",
	    "config line 4: auth.audience: needs auth.issuer");
	expect_err("[kms]\nkms_uri = k\n[auth]\nissuer = i\n",
	    "config line 4: auth.issuer: auth.audience is required with "
	    "auth.issuer");
	expect_err("[kms]\nkms_uri = k\n[auth]\nissuer = i\naudience = a\n",
	    "config line 4: auth.issuer: set auth.key_files or "
	    "auth.hs256_secret_file");
	expect_err("[kms]\nkms_uri = k\n[auth]\nkey_files = a.pem\n",
	    "config line 4: auth.key_files: must be absolute paths");
	expect_err("[kms]\nkms_uri = k\n[auth]\n"
	    "key_files = /1 /2 /3 /4 /5\n",
	    "config line 4: auth.key_files: more than 4 key files");
	expect_err("[kms]\nkms_uri = k\n[auth]\nrequire_user = maybe\n",
	    "config line 4: auth.require_user: must be yes or no");
	expect_err("[kms]\nkms_uri = k\n[auth]\nleeway = 301\n",
	    "config line 4: auth.leeway: must be 0..300");
	expect_err("[kms]\nkms_uri = k\nkeyprov_past_periods = 25\n",
	    "config line 3: kms.keyprov_past_periods: must be 0..24");
}

/* [security]: defaults, values, refusals. */
static void
test_security(void **state)
{
	struct kms_conf	 c;

	(void)state;
	expect_ok("[kms]\nkms_uri = k\n", &c);
	assert_string_equal(c.sec_wrap_alg,
	    "http://www.w3.org/2001/04/xmlenc#kw-aes256");
	assert_int_equal(c.sec_hmac_bits, 128);
	assert_false(c.sec_encrypt);
	assert_false(c.sec_require_trk);
	assert_int_equal(c.sec_req_window, 5);
	assert_int_equal(c.sec_rotate_trk, 0);
	assert_int_equal(c.sec_rotate_ink, 0);
	expect_ok("[kms]\nkms_uri = k\n[security]\n"
	    "wrap_alg = http://www.w3.org/2009/xmlenc11#kw-aes-256-pad\n"
	    "hmac_bits = 256\nencrypt = on\nrequire_trk = yes\n"
	    "request_window = 30\nrotate_trk_after = 3\n"
	    "rotate_ink_after = 1000000\n", &c);
	assert_string_equal(c.sec_wrap_alg,
	    "http://www.w3.org/2009/xmlenc11#kw-aes-256-pad");
	assert_int_equal(c.sec_hmac_bits, 256);
	assert_true(c.sec_encrypt);
	assert_true(c.sec_require_trk);
	assert_int_equal(c.sec_req_window, 30);
	assert_int_equal(c.sec_rotate_trk, 3);
	assert_int_equal(c.sec_rotate_ink, 1000000);
	expect_err("[kms]\nkms_uri = k\n[security]\nwrap_alg = x\n",
	    "config line 4: security.wrap_alg: must be "
	    "http://www.w3.org/2001/04/xmlenc#kw-aes256 or "
	    "http://www.w3.org/2009/xmlenc11#kw-aes-256-pad");
	expect_err("[kms]\nkms_uri = k\n[security]\nhmac_bits = 120\n",
	    "config line 4: security.hmac_bits: must be 128..256");
	expect_err("[kms]\nkms_uri = k\n[security]\nhmac_bits = 130\n",
	    "config line 4: security.hmac_bits: must be a multiple of 8");
	expect_err("[kms]\nkms_uri = k\n[security]\nencrypt = maybe\n",
	    "config line 4: security.encrypt: must be yes or no");
	expect_err("[kms]\nkms_uri = k\n[security]\nrequest_window = 0\n",
	    "config line 4: security.request_window: must be > 0");
	expect_err("[kms]\nkms_uri = k\n[security]\n"
	    "rotate_trk_after = 1000001\n",
	    "config line 4: security.rotate_trk_after: must be 0..1000000");
	expect_err("[kms]\nkms_uri = k\n[security]\nbogus = 1\n",
	    "config line 4: security.bogus: unknown key");
}

/* [ticket]: defaults, values, refusals (docs/ticket.md). */
static void
test_ticket(void **state)
{
	struct kms_conf	 c;

	(void)state;
	expect_ok("[kms]\nkms_uri = k\n", &c);
	assert_int_equal(c.ticket_skew, 300);
	assert_int_equal(c.ticket_lifetime, 3600);
	assert_int_equal(c.ticket_replay, 4096);
	assert_string_equal(c.ticket_peer_id, "");
	expect_ok("[kms]\nkms_uri = k\n[tls]\ncert = /c.pem\n[ticket]\n"
	    "skew = 30\nlifetime = 5\nreplay_cache = 16\n"
	    "peer_id = kms-i.example.org\npeer_url = https://10.0.2.2:8443\n"
	    "peer_ca = /etc/kms/peer-ca.pem\n", &c);
	assert_int_equal(c.ticket_skew, 30);
	assert_int_equal(c.ticket_lifetime, 5);
	assert_int_equal(c.ticket_replay, 16);
	assert_string_equal(c.ticket_peer_id, "kms-i.example.org");
	assert_string_equal(c.ticket_peer_url, "https://10.0.2.2:8443");
	assert_string_equal(c.ticket_peer_ca, "/etc/kms/peer-ca.pem");
	expect_err("[kms]\nkms_uri = k\n[ticket]\nskew = 0\n",
	    "config line 4: ticket.skew: must be > 0");
	expect_err("[kms]\nkms_uri = k\n[ticket]\nskew = 3601\n",
	    "config line 4: ticket.skew: must be 1..3600");
	expect_err("[kms]\nkms_uri = k\n[ticket]\nlifetime = 604801\n",
	    "config line 4: ticket.lifetime: must be 1..604800");
	expect_err("[kms]\nkms_uri = k\n[ticket]\nreplay_cache = 15\n",
	    "config line 4: ticket.replay_cache: must be 16..1048576");
	expect_err("[kms]\nkms_uri = k\n[ticket]\npeer_id = kms-i\n",
	    "config line 4: ticket.peer_id: set peer_id, peer_url and "
	    "peer_ca together");
	expect_err("[kms]\nkms_uri = k\n[tls]\ncert = /c.pem\n[ticket]\n"
	    "peer_id = i\npeer_url = http://h:1\npeer_ca = /ca.pem\n",
	    "config line 7: ticket.peer_url: must be an https:// URL (the "
	    "peer KMS is reached over mutual TLS)");
	expect_err("[kms]\nkms_uri = k\n[ticket]\n"
	    "peer_id = i\npeer_url = https://h:1\npeer_ca = /ca.pem\n",
	    "config line 4: ticket.peer_id: a peer KMS needs tls.cert (our "
	    "client certificate)");
	expect_err("[kms]\nkms_uri = k\n[ticket]\npeer_ca = ca.pem\n",
	    "config line 4: ticket.peer_ca: must be an absolute path");
}

static void
test_err_long_line(void **state)
{
	char	 text[1024];

	memset(text, 0, sizeof(text));
	strcpy(text, "[kms]\nkms_uri = k\nissuer = ");
	memset(text + strlen(text), 'x', CONF_LINE_MAX);
	strcat(text, "\n");
	expect_err(text, "config line 3: line too long (max 196 characters)");

	/* Exactly CONF_LINE_MAX characters is fine. */
	memset(text, 0, sizeof(text));
	strcpy(text, "[kms]\nkms_uri = k\nissuer = ");
	memset(text + strlen(text), 'x', CONF_LINE_MAX - strlen("issuer = "));
	strcat(text, "\n");
	{
		struct kms_conf	 c;

		expect_ok(text, &c);
		assert_int_equal(strlen(c.issuer),
		    CONF_LINE_MAX - strlen("issuer = "));
	}
}

static void
test_err_uri(void **state)
{
	expect_err("[kms]\nkms_uri = kms example.org\n",
	    "config line 2: kms.kms_uri: not a URI (no spaces, control or "
	    "non-ASCII characters, <>\"{}|\\^`)");
	expect_err("[kms]\nkms_uri = kms\x01.example.org\n",
	    "config line 2: kms.kms_uri: not a URI (no spaces, control or "
	    "non-ASCII characters, <>\"{}|\\^`)");
	expect_err("[kms]\nkms_uri = k<script>\n",
	    "config line 2: kms.kms_uri: not a URI (no spaces, control or "
	    "non-ASCII characters, <>\"{}|\\^`)");
	expect_err("[kms]\nkms_uri = k\ncert_uri = c\xc3\xa9\n",
	    "config line 3: kms.cert_uri: not a URI (no spaces, control or "
	    "non-ASCII characters, <>\"{}|\\^`)");
	expect_err("[kms]\nkms_uri = k\nissuer = a\x7f\n",
	    "config line 3: kms.issuer: control character or invalid UTF-8");
	expect_err("[kms]\nkms_uri = k\nkms_id = \xc3\x28\n",
	    "config line 3: kms.kms_id: control character or invalid UTF-8");
	expect_err("[kms]\nkms_uri = k\nkms_id = \xc0\xaf\n",
	    "config line 3: kms.kms_id: control character or invalid UTF-8");
}

static void
test_err_domains(void **state)
{
	char	 text[2048];
	int	 i;

	strcpy(text, "[kms]\nkms_uri = k\n");
	for (i = 0; i <= CONF_DOMAINS_MAX; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
		    "domains = d%d.example.org\n", i);
	expect_err(text, "config line 19: kms.domains: more than 16 domains");
	expect_err("[kms]\nkms_uri = k\ndomains = a.org b.org a.org\n",
	    "config line 3: kms.domains: domain listed twice");
	expect_err("[kms]\nkms_uri = k\ndomains = a.org b<c\n",
	    "config line 3: kms.domains: not a URI (no control or non-ASCII "
	    "characters, <>\"{}|\\^`)");
}

static void
test_err_hsm(void **state)
{
	expect_err("[kms]\nkms_uri = k\n[hsm]\nmodule = libsofthsm2.so\n",
	    "config line 4: hsm.module: must be an absolute path");
	expect_err("[kms]\nkms_uri = k\n[hsm]\nmodule =\n",
	    "config line 4: hsm.module: must not be empty");
	expect_err("[kms]\nkms_uri = k\n[hsm]\ntoken =\n",
	    "config line 4: hsm.token: must not be empty");
	expect_err("[kms]\nkms_uri = k\n[hsm]\npin_env = 1PIN\n",
	    "config line 4: hsm.pin_env: not an environment variable name "
	    "([A-Za-z_][A-Za-z0-9_]*)");
	expect_err("[kms]\nkms_uri = k\n[hsm]\npin_file = /p\npin_env = P\n",
	    "config line 5: hsm.pin_env: set pin_file or pin_env, not both");
}

static void
test_err_net(void **state)
{
	expect_err("[kms]\nkms_uri = k\n[net]\nport = 65536\n",
	    "config line 4: net.port: must be 0..65535");
	expect_err("[kms]\nkms_uri = k\n[net]\nconnections = 0\n",
	    "config line 4: net.connections: must be > 0");
	expect_err("[kms]\nkms_uri = k\n[net]\nconnections = 257\n",
	    "config line 4: net.connections: must be 1..256");
	expect_err("[kms]\nkms_uri = k\n[net]\nbody_max = 0\n",
	    "config line 4: net.body_max: must be > 0");
	expect_err("[kms]\nkms_uri = k\n[net]\nbody_max = 1048577\n",
	    "config line 4: net.body_max: must be 1..1048576");
	expect_err("[kms]\nkms_uri = k\n[net]\nread_timeout = 99\n",
	    "config line 4: net.read_timeout: must be 100..600000");
	expect_err("[kms]\nkms_uri = k\n[net]\nidle_timeout = 600001\n",
	    "config line 4: net.idle_timeout: must be 100..600000");
	expect_err("[kms]\nkms_uri = k\n[net]\nnic = eth0\n",
	    "config line 4: net.nic: must be slirp or tap");
	expect_err("[kms]\nkms_uri = k\n[net]\nnic = tap\n",
	    "config line 4: net.nic: nic = tap needs net.tap");
	expect_err("[kms]\nkms_uri = k\n[net]\ntap = tap/0\n",
	    "config line 4: net.tap: not an interface name ([A-Za-z0-9_.-])");
	expect_err("[kms]\nkms_uri = k\n[net]\ntap = abcdefghijklmnop\n",
	    "config line 4: net.tap: too long (max 15 characters)");
	expect_err("[kms]\nkms_uri = k\n[net]\naddress = 198.18.0.256\n",
	    "config line 4: net.address: not a dotted-quad IPv4 address");
	expect_err("[kms]\nkms_uri = k\n[net]\naddress = 0.0.0.0\n",
	    "config line 4: net.address: must be a host address");
	expect_err("[kms]\nkms_uri = k\n[net]\nnetmask = 255.0.255.0\n",
	    "config line 4: net.netmask: not a contiguous, non-zero netmask");
	expect_err("[kms]\nkms_uri = k\n[net]\ngateway = 198.18.1.2\n",
	    "config line 4: net.gateway: gateway is not in the address's "
	    "subnet");
	expect_err("[kms]\nkms_uri = k\n[net]\naddress = 198.18.0.2\n",
	    "config line 4: net.address: gateway equals the address");
}

static void
test_err_log(void **state)
{
	expect_err("[kms]\nkms_uri = k\n[log]\nlevel = verbose\n",
	    "config line 4: log.level: must be err, warn, info or debug");
}

static void
test_err_file(void **state)
{
	struct kms_conf	 c;
	char		 err[CONF_ERR_MAX], small[24];

	assert_int_equal(conf_load("/nonexistent/kmsd.conf", &c, err,
	    sizeof(err)), -1);
	assert_string_equal(err,
	    "config: /nonexistent/kmsd.conf: No such file or directory");
	assert_int_equal(conf_load(NULL, &c, err, sizeof(err)), -1);
	/* A short err buffer is cut, NUL terminated; NULL err is allowed. */
	assert_int_equal(conf_load("/nonexistent/kmsd.conf", &c, small,
	    sizeof(small)), -1);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_int_equal(conf_load("/nonexistent/kmsd.conf", &c, NULL, 0),
	    -1);
}

/* A NUL byte inside a line is refused, not silently cut. */
static void
test_err_nul(void **state)
{
	static const char	 text[] = "[kms]\nkms_uri = k\nissuer = a\0b\n";
	struct kms_conf		 c;
	char			 path[256], err[CONF_ERR_MAX];
	FILE			*fp;

	write_tmp("", path, sizeof(path));
	fp = fopen(path, "w");
	assert_non_null(fp);
	assert_int_equal(fwrite(text, 1, sizeof(text) - 1, fp),
	    sizeof(text) - 1);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(conf_load(path, &c, err, sizeof(err)), -1);
	unlink(path);
	assert_string_equal(err, "config line 3: NUL byte in line");
}

/* [net] admin_port and [log] syslog (docs/operator-guide.md). */
static void
test_admin_log(void **state)
{
	struct kms_conf	 c;

	(void)state;
	expect_ok("[kms]\nkms_uri = k\n", &c);
	assert_int_equal(c.admin_port, 0);
	assert_int_equal(c.log_syslog_addr, 0);
	expect_ok("[kms]\nkms_uri = k\n[net]\nadmin_port = 9100\n[log]\n"
	    "syslog = udp:198.18.0.2:514\n", &c);
	assert_int_equal(c.admin_port, 9100);
	assert_int_equal(c.log_syslog_addr, IPV4(198, 18, 0, 2));
	assert_int_equal(c.log_syslog_port, 514);
	expect_err("[kms]\nkms_uri = k\n[net]\nadmin_port = 65536\n",
	    "config line 4: net.admin_port: must be 0..65535");
	expect_err("[kms]\nkms_uri = k\n[log]\nsyslog = /dev/log\n",
	    "config line 4: log.syslog: a unix socket cannot be reached "
	    "from the appliance's network; use udp:ADDR:PORT");
	expect_err("[kms]\nkms_uri = k\n[log]\nsyslog = tcp:1.2.3.4:5\n",
	    "config line 4: log.syslog: must be udp:ADDR:PORT");
	expect_err("[kms]\nkms_uri = k\n[log]\nsyslog = udp:1.2.3:514\n",
	    "config line 4: log.syslog: must be udp:ADDR:PORT with a "
	    "dotted-quad IPv4 address and a port 1..65535");
	expect_err("[kms]\nkms_uri = k\n[log]\nsyslog = udp:1.2.3.4:0\n",
	    "config line 4: log.syslog: must be udp:ADDR:PORT with a "
	    "dotted-quad IPv4 address and a port 1..65535");
	expect_err("[kms]\nkms_uri = k\n[log]\nsyslog = udp:1.2.3.4:5x\n",
	    "config line 4: log.syslog: must be udp:ADDR:PORT with a "
	    "dotted-quad IPv4 address and a port 1..65535");
}

/* [store]: the alarm and reserve thresholds and the checkpoint rhythm;
 * [console] idle_logout. */
static void
test_store(void **state)
{
	struct kms_conf	 c;

	(void)state;
	expect_ok("[kms]\nkms_uri = k\n", &c);
	assert_int_equal(c.store_alarm_mb, 0);		/* the store's default */
	assert_int_equal(c.store_ckpt_records, 0);
	expect_ok("[kms]\nkms_uri = k\n[store]\nalarm_free_mb = 512\n"
	    "reserve_mb = 32\ncheckpoint_records = 16\n"
	    "checkpoint_seconds = 60\n", &c);
	assert_int_equal(c.store_alarm_mb, 512);
	assert_int_equal(c.store_reserve_mb, 32);
	assert_int_equal(c.store_ckpt_records, 16);
	assert_int_equal(c.store_ckpt_seconds, 60);
	expect_err("[kms]\nkms_uri = k\n[store]\nalarm_free_mb = 32\n"
	    "reserve_mb = 32\n",
	    "config line 5: store.reserve_mb: must be below "
	    "store.alarm_free_mb");
	expect_err("[kms]\nkms_uri = k\n[store]\ncheckpoint_records = "
	    "100001\n", "config line 4: store.checkpoint_records: must be "
	    "0..100000");
	expect_err("[kms]\nkms_uri = k\n[store]\ncheckpoint_seconds = "
	    "86401\n", "config line 4: store.checkpoint_seconds: must be "
	    "0..86400");
	/* [console] idle_logout rides along: one more small section. */
	expect_ok("[kms]\nkms_uri = k\n", &c);
	assert_int_equal(c.console_idle, 0);		/* CONSOLE_IDLE_S */
	expect_ok("[kms]\nkms_uri = k\n[console]\nidle_logout = 60\n", &c);
	assert_int_equal(c.console_idle, 60);
	expect_err("[kms]\nkms_uri = k\n[console]\nidle_logout = 86401\n",
	    "config line 4: console.idle_logout: must be 0..86400");
}

int
main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_example),
		cmocka_unit_test(test_comments),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_err_required),
		cmocka_unit_test(test_err_period),
		cmocka_unit_test(test_err_dates),
		cmocka_unit_test(test_err_unknown),
		cmocka_unit_test(test_err_syntax),
		cmocka_unit_test(test_err_long_line),
		cmocka_unit_test(test_err_uri),
		cmocka_unit_test(test_err_domains),
		cmocka_unit_test(test_err_hsm),
		cmocka_unit_test(test_err_net),
		cmocka_unit_test(test_err_log),
		cmocka_unit_test(test_err_file),
		cmocka_unit_test(test_err_nul),
		cmocka_unit_test(test_auth),
		cmocka_unit_test(test_security),
		cmocka_unit_test(test_ticket),
		cmocka_unit_test(test_admin_log),
		cmocka_unit_test(test_store),
	};
	struct CMUnitTest	 run[sizeof(tests) / sizeof(tests[0])];
	size_t			 i, n = 0;

	/* An exact name selects one test; an unknown name is an error. */
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		if (argc < 2 || strcmp(argv[1], tests[i].name) == 0)
			run[n++] = tests[i];
	if (n == 0) {
		fprintf(stderr, "%s: no test named %s\n", argv[0], argv[1]);
		return 2;
	}
	return _cmocka_run_group_tests("conf", run, n, NULL, NULL);
}
