/*
 * cmd_sys.c - status, hsm status, period show, config show, selftest,
 * network show, reboot and zeroize (the hsm and config tables are in
 * cmd_hsm.c and cmd_config.c).
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "board.h"
#include "conf.h"
#include "crypto.h"
#include "hsm.h"
#include "kcert.h"
#include "kmsd.h"
#include "net.h"
#include "post.h"
#include "state.h"

#include "console.h"
#include "console_local.h"

const struct console_cmd cmd_period_sub[] = {
	{ .name = "show", .help = "the current key period number and bounds",
	  .usage = "period show", .min_args = 0, .max_args = 0,
	  .roles = R_ANY, .handler = cmd_period_show },
	{ .name = NULL }
};

const struct console_cmd cmd_network_sub[] = {
	{ .name = "show", .help = "address, forwarded port, counters",
	  .usage = "network show", .min_args = 0, .max_args = 0,
	  .roles = R_ANY, .handler = cmd_network_show },
	{ .name = NULL }
};

static const char *
ip(uint32_t a, char *out, size_t size)
{
	struct in_addr	 in = { .s_addr = htonl(a) };

	if (inet_ntop(AF_INET, &in, out, (socklen_t)size) == NULL)
		snprintf(out, size, "?");
	return out;
}

static const char *
hsm_word(struct console *c)
{
	struct kmsd	*k = c->conf.kmsd;

	if (k->hsm == NULL)
		return "not open";
	if (!hsm_is_logged_in(k->hsm))
		return "logged out";
	return hsm_health(k->hsm) == HSM_OK ? "up" : "down";
}

int
cmd_status(struct console *c, int argc, char **argv)
{
	struct kmsd		*k = c->conf.kmsd;
	struct net_stats	 ns;
	uint64_t		 up;

	(void)argc;
	(void)argv;
	net_stats(&ns);
	up = (console_now_ms(c) - c->conf.boot_ms) / 1000;
	console_printf(c, "state:    %s\n", console_state(k));
	console_printf(c, "hsm:      %s (token %s)\n", hsm_word(c),
	    k->conf->hsm_token);
	console_printf(c, "kms uri:  %s\n", k->conf->kms_uri);
	console_printf(c, "requests: %" PRIu64 " (accepted %" PRIu64
	    ", busy %" PRIu64 ", timeouts %" PRIu64 ", bad %" PRIu64
	    ", active %u)\n", ns.ns_requests, ns.ns_accepted,
	    ns.ns_rejected_busy, ns.ns_timeouts, ns.ns_bad_requests,
	    ns.ns_active);
	console_printf(c, "uptime:   %" PRIu64 "d %02" PRIu64 ":%02" PRIu64
	    ":%02" PRIu64 "\n", up / 86400, up / 3600 % 24, up / 60 % 60,
	    up % 60);
	console_printf(c, "operator: %s (%s)\n", c->name,
	    console_role_name(c->role));
	return 0;
}

static void
key_line(struct console *c, const char *what, hsm_key_id id)
{
	struct hsm_key_info	 ki;
	struct kmsd		*k = c->conf.kmsd;

	if (hsm_key_info(k->hsm, id, &ki) == HSM_OK)
		console_printf(c, "  %-12s %s (%s)\n", what, ki.hki_label,
		    hsm_class_name(ki.hki_class));
	else
		console_printf(c, "  %-12s not found\n", what);
}

/* A master secret of certificate generation n: "what", or "what.<n>". */
static void
gen_key_line(struct console *c, const char *what, unsigned n, hsm_key_id id)
{
	char	 name[32];

	if (n > 1)
		snprintf(name, sizeof(name), "%s.%u", what, n);
	else
		snprintf(name, sizeof(name), "%s", what);
	key_line(c, name, id);
}

int
cmd_hsm_status(struct console *c, int argc, char **argv)
{
	struct kmsd		*k = c->conf.kmsd;
	const struct kmsd_gen	*g;
	size_t			 i;

	(void)argc;
	(void)argv;
	console_printf(c, "token:    %s\n", k->conf->hsm_token);
	console_printf(c, "module:   %s\n", k->conf->hsm_module);
	console_printf(c, "health:   %s\n", hsm_word(c));
	console_printf(c, "serving:  %s\n", atomic_load(&k->hsm_up) ?
	    "yes" : "no (503)");
	if (k->hsm == NULL)
		return 0;
	console_printf(c, "keys:\n");
	for (i = 0; (g = kcert_get(k, i)) != NULL; i++) {
		gen_key_line(c, "master-sakke", g->g_no, g->g_sakke);
		gen_key_line(c, "master-eccsi", g->g_no, g->g_eccsi);
	}
	key_line(c, "kms-sign", k->key_sign);
	console_printf(c, "secmem:   %zu bytes in use\n", hsm_secmem_used());
	return 0;
}

int
cmd_period_show(struct console *c, int argc, char **argv)
{
	const struct kms_conf	*cf = c->conf.kmsd->conf;
	uint64_t		 no, from, to;
	char			 a[32], b[32];

	(void)argc;
	(void)argv;
	if (key_period_no(ntp_from_unix(console_now_wall(c)),
	    cf->user_key_period, cf->user_key_offset, &no) != CRYPTO_OK ||
	    key_period_bounds(no, cf->user_key_period, cf->user_key_offset,
	    &from, &to) != CRYPTO_OK) {
		console_printf(c, "period show: no key period for this time "
		    "(period %" PRIu64 ", offset %" PRIu64 ")\n",
		    cf->user_key_period, cf->user_key_offset);
		return 1;
	}
	console_printf(c, "period:   %" PRIu64 "\n", no);
	console_printf(c, "from:     %s\n", console_utc(unix_from_ntp(from), a,
	    sizeof(a)));
	console_printf(c, "to:       %s\n", console_utc(unix_from_ntp(to), b,
	    sizeof(b)));
	console_printf(c, "length:   %" PRIu64 " s, offset %" PRIu64 " s\n",
	    cf->user_key_period, cf->user_key_offset);
	return 0;
}

static const char *
set_or(const char *s)
{
	return s[0] != '\0' ? s : "(not set)";
}

int
cmd_config_show(struct console *c, int argc, char **argv)
{
	const struct kms_conf	*cf = c->conf.kmsd->conf;
	char			 a[32], b[32], d[32];
	size_t			 i;

	(void)argc;
	(void)argv;
	console_printf(c, "[kms]\n");
	console_printf(c, "kms_uri = %s\n", cf->kms_uri);
	console_printf(c, "cert_uri = %s\n", set_or(cf->cert_uri));
	console_printf(c, "issuer = %s\n", set_or(cf->issuer));
	console_printf(c, "valid_from = %s\n", console_utc(cf->valid_from, a,
	    sizeof(a)));
	console_printf(c, "valid_to = %s\n", console_utc(cf->valid_to, b, sizeof(b)));
	console_printf(c, "user_key_period = %" PRIu64 "\n",
	    cf->user_key_period);
	console_printf(c, "user_key_offset = %" PRIu64 "\n",
	    cf->user_key_offset);
	for (i = 0; i < cf->domain_count; i++)
		console_printf(c, "domains = %s\n", cf->domains[i]);
	console_printf(c, "keyprov_past_periods = %u\n", cf->keyprov_past);
	console_printf(c, "keyprov_future_periods = %u\n",
	    cf->keyprov_future);
	console_printf(c, "[hsm]\nmodule = %s\ntoken = %s\n", cf->hsm_module,
	    cf->hsm_token);
	/* where the PIN comes from, never the PIN */
	console_printf(c, "pin_file = %s\npin_env = %s\n",
	    set_or(cf->hsm_pin_file), set_or(cf->hsm_pin_env));
	console_printf(c, "[net]\nport = %u\nnic = %s\naddress = %s\n",
	    (unsigned)cf->port, cf->nic, ip(cf->addr, a, sizeof(a)));
	console_printf(c, "netmask = %s\ngateway = %s\n",
	    ip(cf->netmask, b, sizeof(b)), ip(cf->gateway, d, sizeof(d)));
	console_printf(c, "connections = %u\nbody_max = %zu\n", cf->conns,
	    cf->body_max);
	console_printf(c, "read_timeout = %u\nidle_timeout = %u\n",
	    cf->read_timeout_ms, cf->idle_timeout_ms);
	console_printf(c, "[tls]\ncert = %s\nkey_label = %s\n",
	    set_or(cf->tls_cert), cf->tls_key_label);
	console_printf(c, "[log]\nlevel = %s\n", cf->log_level);
	console_printf(c, "[auth]\nissuer = %s\n", set_or(cf->auth_issuer));
	if (cf->auth_issuer[0] != '\0') {
		console_printf(c, "audience = %s\nscope = %s\n",
		    cf->auth_audience, cf->auth_scope);
		console_printf(c, "subject_claim = %s\nrealm = %s\n",
		    cf->auth_claim, cf->auth_realm);
		for (i = 0; i < cf->auth_key_count; i++)
			console_printf(c, "key_files = %s\n",
			    cf->auth_keys[i]);
		console_printf(c, "hs256_secret_file = %s\n",
		    set_or(cf->auth_hs256));
		console_printf(c, "leeway = %u\nrequire_user = %s\n",
		    cf->auth_leeway, cf->auth_require_user ? "yes" : "no");
	}
	return 0;
}

static bool
print_report(struct console *c, const struct post_report *r)
{
	size_t	 i;
	bool	 ok = true;

	for (i = 0; i < r->pr_count; i++) {
		console_printf(c, "kat %-6s %s\n", r->pr_kat[i].name,
		    r->pr_kat[i].pass ? "pass" : "FAIL");
		ok &= r->pr_kat[i].pass;
	}
	return ok;
}

/*
 * The power-on self-tests again (post.h) and the HSM.  A failed
 * known-answer test moves the appliance to error, as at boot; a token
 * that does not answer is only reported (the health loop handles it).
 */
int
cmd_selftest(struct console *c, int argc, char **argv)
{
	struct kmsd		*k = c->conf.kmsd;
	struct post_report	 r;
	bool			 hsm_up, kat_ok;

	(void)argc;
	(void)argv;
	memset(&r, 0, sizeof(r));
	(void)post_crypto(&r);
	hsm_up = k->hsm != NULL && hsm_health(k->hsm) == HSM_OK;
	if (hsm_up)
		(void)post_hsm(k->hsm, &r);
	kat_ok = print_report(c, &r);
	if (hsm_up)
		console_printf(c, "hsm: pass\n");
	else
		console_printf(c, "hsm: FAIL (%s; token tests not run)\n",
		    hsm_word(c));
	if (!kat_ok)
		(void)state_set(KMS_STATE_ERROR, c->name, "selftest: a "
		    "known-answer test failed");
	console_printf(c, "selftest: %s\n", kat_ok && hsm_up ? "pass" :
	    "FAIL");
	console_printf(c, "state:    %s\n", state_word(state_get()));
	return kat_ok && hsm_up ? 0 : 1;
}

int
cmd_network_show(struct console *c, int argc, char **argv)
{
	const struct kms_conf	*cf = c->conf.kmsd->conf;
	struct net_stats	 ns;
	char			 a[32], b[32], d[32];

	(void)argc;
	(void)argv;
	net_stats(&ns);
	console_printf(c, "nic:      %s\n", cf->nic);
	console_printf(c, "address:  %s netmask %s gateway %s\n",
	    ip(cf->addr, a, sizeof(a)), ip(cf->netmask, b, sizeof(b)),
	    ip(cf->gateway, d, sizeof(d)));
	console_printf(c, "forward:  127.0.0.1:%u -> port 80 (%s)\n",
	    (unsigned)c->conf.port, cf->tls_cert[0] != '\0' ? "https" :
	    "http");
	console_printf(c, "conns:    %u active of %u\n", ns.ns_active,
	    cf->conns);
	console_printf(c, "counters: accepted %" PRIu64 " requests %" PRIu64
	    " busy %" PRIu64 " timeouts %" PRIu64 " bad %" PRIu64 "\n",
	    ns.ns_accepted, ns.ns_requests, ns.ns_rejected_busy,
	    ns.ns_timeouts, ns.ns_bad_requests);
	return 0;
}

/* The word "confirm" is the whole confirmation (no prompt to answer). */
static bool
confirmed(struct console *c, int argc, char **argv, const char *what)
{
	if (argc == 2 && strcmp(argv[1], "confirm") == 0)
		return true;
	if (argc == 2)
		console_printf(c, "usage: %s confirm\n", argv[0]);
	else
		console_printf(c, "%s: %s; to go on, type: %s confirm\n",
		    argv[0], what, argv[0]);
	return false;
}

int
cmd_reboot(struct console *c, int argc, char **argv)
{
	if (!confirmed(c, argc, argv, "restarts the appliance (the power-on "
	    "self-tests run again)"))
		return 1;
	if (c->conf.reboot == NULL) {
		console_printf(c, "reboot: not possible from this console\n");
		return 1;
	}
	console_printf(c, "rebooting\n");
	c->conf.reboot(c->conf.reboot_arg);
	return 0;
}

int
cmd_zeroize(struct console *c, int argc, char **argv)
{
	struct kmsd	*k = c->conf.kmsd;

	if (!confirmed(c, argc, argv, "destroys every key in the token and "
	    "stops serving until the appliance is provisioned again"))
		return 1;
	console_printf(c, "zeroizing\n");
	if (state_zeroize(k, c->name, "console") != 0) {
		console_printf(c, "zeroize: the token could NOT be zeroized "
		    "completely (see the log); state %s\n",
		    state_word(state_get()));
		return 1;
	}
	console_printf(c, "zeroized: the token holds no secret objects; "
	    "state %s\n", state_word(state_get()));
	return 0;
}
