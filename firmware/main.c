/*
 * main.c - kmsd, the KMS appliance firmware: the boot sequence.
 *
 * board -> config -> HSM (login, key cache, public keys) -> lwIP and the
 * HTTP server -> wait for a stop signal -> orderly shutdown.  Any failure
 * before serving stops the boot with a precise message; nothing is served
 * from a half-initialised appliance.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "board.h"
#include "conf.h"
#include "console.h"
#include "crypto.h"
#include "hsm.h"
#include "image.h"
#include "kcert.h"
#include "kmsd.h"
#include "mcx.h"
#include "net.h"
#include "post.h"
#include "state.h"
#include "store.h"

#define KMSD_PORT_FILE	"kmsd.port"	/* in the data dir: the bound port */
#define KMSD_ADMIN_FILE	"admin.port"	/* ... and the admin port */
#define KMSD_ADMIN_GUEST_PORT 9100	/* the admin (metrics) port */
#define KMSD_GUEST_PORT	80		/* the appliance's HTTP port */
#define KMSD_HEALTH_MS	1000		/* how often the HSM is asked */
#define KMSD_TICK_MS	100		/* the health loop's tick (tamper) */
#define KMSD_PROBE_MS	5000		/* how often the request path is */
#define KMSD_WDT_MS	30000		/* watchdog timeout (-W) */
#define KMSD_WDT_MIN_MS	1000		/* shortest -W */
#define KMSD_WDT_MAX_MS	600000		/* longest -W */

static void
usage(void)
{
	fprintf(stderr, "usage: kmsd -c config -d datadir [-p port] [-v] "
	    "[-C] [-W watchdog-ms]\n");
	exit(2);
}

/* No core dumps: a core of kmsd could hold unsealed secrets. */
static void
refuse_core_dumps(void)
{
	struct rlimit	 rl = { 0, 0 };

	if (setrlimit(RLIMIT_CORE, &rl) != 0)
		fatalx("boot: cannot disable core dumps: %s", strerror(errno));
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		fatalx("boot: cannot clear dumpable: %s", strerror(errno));
}

/*
 * Read the user PIN from the configured file or environment variable into
 * pin (pin_size bytes, NUL terminated).  Returns 0 or -1 with a log line.
 */
static int
read_pin(const struct kms_conf *conf, char *pin, size_t pin_size)
{
	const char	*env;
	ssize_t		 n;
	int		 fd;

	if (conf->hsm_pin_env[0] != '\0') {
		if ((env = getenv(conf->hsm_pin_env)) == NULL ||
		    strlen(env) >= pin_size) {
			log_err("boot: hsm.pin_env %s is not set or too long",
			    conf->hsm_pin_env);
			return -1;
		}
		snprintf(pin, pin_size, "%s", env);
		return 0;
	}
	if (conf->hsm_pin_file[0] == '\0') {
		log_err("boot: set hsm.pin_file or hsm.pin_env: no HSM PIN");
		return -1;
	}
	if ((fd = open(conf->hsm_pin_file, O_RDONLY | O_CLOEXEC)) < 0) {
		log_warn("boot: hsm.pin_file %s", conf->hsm_pin_file);
		return -1;
	}
	n = read(fd, pin, pin_size - 1);
	close(fd);
	if (n <= 0) {
		log_err("boot: hsm.pin_file %s is empty", conf->hsm_pin_file);
		return -1;
	}
	pin[n] = '\0';
	pin[strcspn(pin, "\r\n")] = '\0';
	return 0;
}

/*
 * HTTPS: the chain from [tls] cert, the key in the token (engine).
 * 0, or -1 with a log line.
 */
static int
tls_boot(struct kmsd *k, const struct kms_conf *conf)
{
	struct evp_pkey_st	*pk;
	enum hsm_status		 st;
	hsm_key_id		 id;
	int			 rc;

	if ((st = hsm_key_find(k->hsm, HSM_KC_TLS, conf->tls_key_label,
	    &id)) != HSM_OK) {
		log_err("boot: TLS key '%s': %s (kms-provision tls-key)",
		    conf->tls_key_label, hsm_strerror(st));
		return -1;
	}
	if ((st = hsm_tls_pkey(k->hsm, id, &pk)) != HSM_OK) {
		log_err("boot: TLS key '%s': %s", conf->tls_key_label,
		    hsm_strerror(st));
		return -1;
	}
	rc = net_tls_ctx_new(conf->tls_cert, pk, &k->tls);
	EVP_PKEY_free(pk);	/* the context keeps its own reference */
	if (rc != 0) {
		log_err("boot: TLS with %s and key '%s' failed",
		    conf->tls_cert, conf->tls_key_label);
		return -1;
	}
	/* The peer KMS (docs/ticket.md): its client certificate is asked
	 * for and verified against [ticket] peer_ca. */
	if (conf->ticket_peer_ca[0] != '\0' &&
	    net_tls_ctx_verify_clients(k->tls, conf->ticket_peer_ca) != 0) {
		log_err("boot: [ticket] peer_ca %s cannot be loaded",
		    conf->ticket_peer_ca);
		return -1;
	}
	log_info("boot: HTTPS with %s, key '%s' in the HSM", conf->tls_cert,
	    conf->tls_key_label);
	return 0;
}

/* "a, b" of the failed tests in r. */
static void
post_failures(const struct post_report *r, char *out, size_t size)
{
	size_t	 i, len = 0;
	int	 n;

	out[0] = '\0';
	for (i = 0; i < r->pr_count && len < size; i++) {
		if (r->pr_kat[i].pass)
			continue;
		n = snprintf(out + len, size - len, "%s%s", len > 0 ? ", " :
		    "", r->pr_kat[i].name);
		if (n < 0)
			break;
		len += (size_t)n;
	}
}

static bool	 boot_math_ok;	/* the math self-tests passed at boot */

/*
 * Log in, find the appliance's keys, run the token's self-tests and
 * compute the public keys.  The outcome is the boot state (state.h):
 * locked (no PIN, no token, login refused), zeroized (the tamper line is
 * set), unprovisioned (keys missing), error (a self-test or a public key
 * failed, or math_ok is false), else operational.
 *
 * boot_unlock: the steps after the PIN (open the token with pin, then
 * the rest).  who: "" at boot (a TLS failure ends kmsd), the operator
 * for the console's hsm login (it moves to error instead).  Returns
 * hsm_open's status (the state tells how far the rest went).
 */
#define KMSD_WHY_LONG	512	/* a reason for the log (the audit's is shorter) */

static enum hsm_status
boot_unlock(struct kmsd *k, const struct kms_conf *conf, const char *pin,
    bool math_ok, const char *who)
{
	struct post_report	 r;
	struct hsm_conf		 hc;
	char			 why[STATE_WHY_MAX];
	char			 failed[STATE_WHY_MAX / 2];
	char			 gens_why[KMSD_WHY_LONG];
	enum hsm_status		 st;
	enum kcert_status	 ks;
	hsm_key_id		 id;

	hc.module = conf->hsm_module;
	hc.token = conf->hsm_token;
	hc.pin = pin;
	st = hsm_open(&hc, &k->hsm);
	if (st != HSM_OK) {
		k->hsm = NULL;
		snprintf(why, sizeof(why), "%s: HSM token '%.32s': %s",
		    who[0] != '\0' ? "hsm login" : "boot", conf->hsm_token,
		    hsm_strerror(st));
		log_err("%s (module %s): the appliance stays locked", why,
		    conf->hsm_module);
		state_audit(who, "state:locked", why);
		return st;
	}
	if (board_get()->tamper()) {
		(void)state_zeroize(k, who, "tamper line set at boot");
		return st;
	}
	if (!math_ok)
		return st;	/* error already */

	if ((st = hsm_key_find(k->hsm, HSM_KC_MASTER_SAKKE, HSM_LABEL_SAKKE,
	    &id)) != HSM_OK ||
	    (st = hsm_key_find(k->hsm, HSM_KC_MASTER_ECCSI, HSM_LABEL_ECCSI,
	    &id)) != HSM_OK ||
	    (st = hsm_key_find(k->hsm, HSM_KC_KMS_SIGN, HSM_LABEL_KMS_SIGN,
	    &k->key_sign)) != HSM_OK) {
		snprintf(why, sizeof(why), "token '%.32s' is not provisioned "
		    "(%s); run kms-provision init", conf->hsm_token,
		    hsm_strerror(st));
		if (st == HSM_ERR_NOT_FOUND)
			(void)state_set(KMS_STATE_UNPROVISIONED, who, why);
		else
			state_audit(who, "state:locked", why);
		log_err("boot: %s", why);
		return HSM_OK;
	}

	memset(&r, 0, sizeof(r));
	if (post_hsm(k->hsm, &r) != 0) {
		post_failures(&r, failed, sizeof(failed));
		snprintf(why, sizeof(why), "power-on self-test failed: %s",
		    failed);
		(void)state_set(KMS_STATE_ERROR, who, why);
		return HSM_OK;
	}
	if (conf->tls_cert[0] != '\0' && tls_boot(k, conf) != 0) {
		if (who[0] == '\0')
			fatalx("boot: HTTPS could not be set up; not serving");
		(void)state_set(KMS_STATE_ERROR, who, "HTTPS could not be "
		    "set up (see the log)");
		return HSM_OK;
	}
	/* Every certificate generation's master secrets and public keys. */
	if ((ks = kcert_load(k, &st, gens_why, sizeof(gens_why))) !=
	    KCERT_OK) {
		log_err("boot: KMS certificate: %s", gens_why);
		snprintf(why, sizeof(why), "KMS certificate: %.*s",
		    (int)(sizeof(why) - sizeof("KMS certificate: ")), gens_why);
		(void)state_set(KMS_STATE_ERROR, who, why);
		return HSM_OK;
	}
	atomic_store(&k->hsm_up, true);
	(void)state_set(KMS_STATE_OPERATIONAL, who, "power-on self-tests "
	    "passed, keys found");
	return HSM_OK;
}

static void
boot_secrets(struct kmsd *k, const struct kms_conf *conf, bool math_ok)
{
	char	 pin[HSM_PIN_MAX + 1];

	if (read_pin(conf, pin, sizeof(pin)) != 0) {
		state_audit("", "state:locked", "boot: no HSM PIN");
		return;
	}
	(void)boot_unlock(k, conf, pin, math_ok, "");
	OPENSSL_cleanse(pin, sizeof(pin));	/* wipe: the PIN */
}

/*
 * HTTPS configured but no TLS key at boot (locked): the network was not
 * started (never plain HTTP).  late_nc is main's net_conf then, and
 * console_hsm_login starts it once the token gives the key; late_net
 * tells main to stop it.  The request-path probe of the health loop is
 * not armed for a network started this late (until the next boot).
 */
static struct net_conf	*late_nc;
static const char	*late_dir;	/* the data dir, for the port files */
static _Atomic bool	 late_net;

static void	 write_port_file(const char *, const char *, uint16_t);

/*
 * Serialises the changes of the token's login: the console's (and the
 * panel's) hsm login and hsm logout, and the health loop's check, which
 * would otherwise take a token being logged out for one that came back.
 */
static pthread_mutex_t	 hsm_login_mtx = PTHREAD_MUTEX_INITIALIZER;

/*
 * hsm login after hsm logout (the token open, logged out, locked): log
 * in again (the key ids stay valid), the token's power-on self-tests,
 * then operational.  Returns hsm_login's status (the state tells the
 * rest).  The public keys, the TLS key and the audit signer are those of
 * the boot: the same key ids name the same objects.
 */
static enum hsm_status
relogin(struct kmsd *k, const char *who, const char *pin)
{
	struct post_report	 r;
	char			 why[STATE_WHY_MAX];
	char			 failed[STATE_WHY_MAX / 2];
	enum hsm_status		 st;

	if ((st = hsm_login(k->hsm, pin)) != HSM_OK) {
		snprintf(why, sizeof(why), "hsm login: HSM token '%.32s': %s",
		    k->conf->hsm_token, hsm_strerror(st));
		log_err("%s: the appliance stays locked", why);
		state_audit(who, "state:locked", why);
		return st;
	}
	memset(&r, 0, sizeof(r));
	if (post_hsm(k->hsm, &r) != 0) {
		post_failures(&r, failed, sizeof(failed));
		snprintf(why, sizeof(why), "power-on self-test failed: %s",
		    failed);
		(void)state_set(KMS_STATE_ERROR, who, why);
		return HSM_OK;
	}
	atomic_store(&k->hsm_up, true);
	(void)state_set(KMS_STATE_OPERATIONAL, who, "hsm login: token logged "
	    "in again, power-on self-tests passed");
	return HSM_OK;
}

/*
 * The console's hsm logout (console_conf.hsm_logout): only while
 * operational.  Locked first (the request gate answers 503 from now
 * on), not serving, then hsm_logout (the handle stays for hsm login).
 * Refused with HTTPS (HSM_ERR_DENIED): the TLS key is a token object the
 * pkcs11 engine holds by handle, which C_Logout invalidates for good, so
 * no handshake (nor the health loop's probe) would succeed again.
 */
static int
console_hsm_logout(void *arg, const char *who)
{
	struct kmsd	*k = arg;
	enum hsm_status	 st = HSM_ERR_EXISTS;
	char		 why[STATE_WHY_MAX];

	pthread_mutex_lock(&hsm_login_mtx);
	if (k->tls != NULL)
		st = HSM_ERR_DENIED;
	else if (k->hsm != NULL && hsm_is_logged_in(k->hsm) &&
	    state_get() == KMS_STATE_OPERATIONAL) {
		snprintf(why, sizeof(why), "hsm logout: HSM token '%.32s' "
		    "logged out; hsm login to serve again",
		    k->conf->hsm_token);
		(void)state_set(KMS_STATE_LOCKED, who, why);
		atomic_store(&k->hsm_up, false);
		if ((st = hsm_logout(k->hsm)) != HSM_OK)
			log_warnx("hsm logout: %s (the token is treated as "
			    "logged out)", hsm_strerror(st));
	}
	pthread_mutex_unlock(&hsm_login_mtx);
	return st;
}

/*
 * The console's hsm login (console_conf.hsm_login): while the appliance
 * is locked with no token open (no PIN or a refused one at boot), the
 * rest of the boot with the PIN the operator typed, and the network if
 * it waited for the TLS key; after hsm logout, relogin.
 */
static int
console_hsm_login(void *arg, const char *who, const char *pin)
{
	struct kmsd		*k = arg;
	enum hsm_status		 st = HSM_ERR_EXISTS;
	int			 rc;

	pthread_mutex_lock(&hsm_login_mtx);	/* the console and the panel */
	if (k->hsm == NULL && state_get() == KMS_STATE_LOCKED) {
		st = boot_unlock(k, k->conf, pin, boot_math_ok, who);
		if (k->hsm != NULL && k->key_sign != HSM_KEY_NONE)
			(void)console_audit_signer(k);
	} else if (k->hsm != NULL && !hsm_is_logged_in(k->hsm) &&
	    state_get() == KMS_STATE_LOCKED)
		st = relogin(k, who, pin);
	if (st == HSM_OK && late_nc != NULL && k->tls != NULL &&
	    !atomic_load(&late_net)) {
		late_nc->tls = k->tls;
		if ((rc = net_start(late_nc)) != 0)
			log_err("hsm login: network: %s", strerror(-rc));
		else {
			atomic_store(&late_net, true);
			write_port_file(late_dir, KMSD_PORT_FILE,
			    late_nc->nic.host_port);
			write_port_file(late_dir, KMSD_ADMIN_FILE,
			    late_nc->admin.host_port);
			log_info("hsm login: the KMS interface on "
			    "127.0.0.1:%u (HTTPS)",
			    (unsigned)late_nc->nic.host_port);
		}
	}
	pthread_mutex_unlock(&hsm_login_mtx);
	return st;
}

/*
 * The power-on sequence: the math self-tests (error on a failure, but
 * the token is still opened so that zeroize works), then boot_secrets.
 */
static void
boot_power_on(struct kmsd *k, const struct kms_conf *conf)
{
	struct post_report	 r;
	char			 why[STATE_WHY_MAX];
	char			 failed[STATE_WHY_MAX / 2];
	bool			 math_ok;

	memset(&r, 0, sizeof(r));
	math_ok = post_crypto(&r) == 0;
	boot_math_ok = math_ok;
	if (!math_ok) {
		post_failures(&r, failed, sizeof(failed));
		snprintf(why, sizeof(why), "power-on self-test failed: %s",
		    failed);
		(void)state_set(KMS_STATE_ERROR, "", why);
	}
	boot_secrets(k, conf, math_ok);
}

static void
write_port_file(const char *dir, const char *name, uint16_t port)
{
	char	 path[BOARD_PATH_MAX + 32];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL) {
		log_warn("boot: %s", path);
		return;
	}
	fprintf(f, "%u\n", (unsigned)port);
	fclose(f);
}

/*
 * Show the appliance's state on the front panel: the same word the
 * console's status prints (console_state), the KMS and the port.
 */
static void
panel_state(const struct kmsd *k, uint16_t port)
{
	const struct board	*bd = board_get();
	char			 line[BOARD_PANEL_COLS + 1];

	/* The state line last: a reader that sees it sees the rest. */
	if (!store_alarm(k->store, line, sizeof(line)))	/* storage, audit */
		snprintf(line, sizeof(line), "%s", atomic_load(
		    &((struct kmsd *)k)->hsm_up) ? "HSM ok" : "HSM unavailable");
	bd->panel_show(3, line);
	snprintf(line, sizeof(line), "%.*s", BOARD_PANEL_COLS,
	    k->conf->kms_uri);
	bd->panel_show(1, line);
	if (port != 0) {
		snprintf(line, sizeof(line), "port %u", (unsigned)port);
		bd->panel_show(2, line);
	}
	snprintf(line, sizeof(line), "KMS %s", console_state(k));
	bd->panel_show(0, line);
}

/*
 * A/B firmware slots (docs/operator-guide.md "Update"): kmsd started by
 * the boot stage confirms its slot once the self-tests passed and it
 * serves.  A slot on trial that does not get there ends kmsd (exit 70),
 * and the boot stage falls back to the previous slot.
 */
static void
slot_confirm(bool serving)
{
	struct board_bootctl	 bc;
	int			 slot = board_slot_running(), rc;

	if (slot == BOARD_SLOT_NONE)
		return;
	if (serving && state_get() == KMS_STATE_OPERATIONAL) {
		if ((rc = board_slot_confirm()) != 0)
			log_err("boot: slot %c not confirmed: %s",
			    board_slot_name(slot), strerror(-rc));
		return;
	}
	if (board_bootctl_read(&bc) == 0 && bc.bc_active == slot &&
	    !bc.bc_confirmed)
		fatalx("boot: state %s on trial firmware slot %c: ending so "
		    "that the boot stage falls back", state_word(state_get()),
		    board_slot_name(slot));
}

/*
 * Started from a slot while an update waits in the other one: this is a
 * reset (the board restarted kmsd in place), so hand over to the boot
 * stage, which boots the update on trial.
 */
static void
slot_handover(void)
{
	struct board_bootctl	 bc;
	int			 slot = board_slot_running();

	if (slot == BOARD_SLOT_NONE || board_bootctl_read(&bc) != 0 ||
	    bc.bc_next == BOARD_SLOT_NONE || bc.bc_next == slot)
		return;
	log_info("boot: firmware in slot %c waits for its trial: handing "
	    "over to the boot stage", board_slot_name(bc.bc_next));
	exit(BOARD_EXIT_RESET);
}

/* The state word for the metrics (net_admin_conf.state). */
static const char *
kmsd_state_word(void *arg)
{
	return console_state(arg);
}

/*
 * The health loop.  Every KMSD_TICK_MS it looks at the tamper line (set:
 * zeroize); every KMSD_HEALTH_MS it asks the HSM, and when the token
 * stops answering moves to locked (requests get 503 + Retry-After) and
 * tries to recover (sessions, login, key handles) until it answers again;
 * every KMSD_PROBE_MS it sends one request through the KMS port.  It
 * kicks the board's watchdog only while the request path answers and,
 * once the appliance has served, the HSM answers: a hung request path or
 * a lost token outlasting the watchdog ends in a reset.  In the states
 * where nothing is served by design (unprovisioned, error, zeroized, or
 * locked from boot) it keeps kicking, so the console stays usable.
 */
static _Atomic bool	 health_stop;
static unsigned		 wdt_ms = KMSD_WDT_MS;
static uint16_t		 panel_port;	/* the KMS port, for the panel */
static uint16_t		 probe_port;	/* 0: no network */
static bool		 probe_tls;

/*
 * One HSM check; true when the token answers, or while the console logs
 * it in or out, or after hsm logout (locked on purpose: nothing to
 * recover, and no reset).
 */
static bool
hsm_check(struct kmsd *k)
{
	enum hsm_status	 st;
	char		 why[STATE_WHY_MAX];
	bool		 up;

	if (pthread_mutex_trylock(&hsm_login_mtx) != 0)
		return true;	/* hsm login or logout under way */
	if (!hsm_is_logged_in(k->hsm)) {
		pthread_mutex_unlock(&hsm_login_mtx);
		return true;
	}
	up = atomic_load(&k->hsm_up);
	st = hsm_health(k->hsm);
	if (st != HSM_OK)
		st = hsm_recover(k->hsm);
	if (up && st != HSM_OK) {
		atomic_store(&k->hsm_up, false);
		log_err("hsm: token '%s' unavailable (%s): answering "
		    "503 until it is back", k->conf->hsm_token,
		    hsm_strerror(st));
		snprintf(why, sizeof(why), "HSM token '%.32s' unavailable (%s)",
		    k->conf->hsm_token, hsm_strerror(st));
		(void)state_set(KMS_STATE_LOCKED, "", why);
	} else if (!up && st == HSM_OK) {
		atomic_store(&k->hsm_up, true);
		log_info("hsm: token '%s' is back: serving",
		    k->conf->hsm_token);
		(void)state_set(KMS_STATE_OPERATIONAL, "", "HSM token is "
		    "back");
	}
	pthread_mutex_unlock(&hsm_login_mtx);
	return st == HSM_OK;
}

static void *
health_main(void *arg)
{
	struct kmsd		*k = arg;
	const struct board	*bd = board_get();
	enum kms_state		 s;
	uint64_t		 now, next_hsm = 0, next_probe = 0;
	bool			 served = false, hsm_ok = true, path_ok = true;
	bool			 ok;
	struct net_stats	 ns;
	uint64_t		 busy;

	while (!atomic_load(&health_stop)) {
		usleep(KMSD_TICK_MS * 1000);
		if (bd->tamper() && state_get() != KMS_STATE_ZEROIZED)
			(void)state_zeroize(k, "", "tamper");
		now = bd->time_mono_ms();
		s = state_get();
		if (s == KMS_STATE_OPERATIONAL)
			served = true;
		if (now >= next_hsm) {
			next_hsm = now + KMSD_HEALTH_MS;
			if (served && k->hsm != NULL &&
			    (s == KMS_STATE_OPERATIONAL ||
			    s == KMS_STATE_LOCKED))
				hsm_ok = hsm_check(k);
			else
				hsm_ok = true;
		}
		if (probe_port != 0 && now >= next_probe) {
			next_probe = now + KMSD_PROBE_MS;
			net_stats(&ns);
			busy = ns.ns_rejected_busy;
			ok = state_probe(probe_port, probe_tls,
			    STATE_PROBE_TIMEOUT_MS) == 0;
			/*
			 * Every worker busy is saturation, not a hang: the
			 * acceptor refused the probe (over TLS it closes
			 * without an answer), so the path is alive.
			 */
			net_stats(&ns);
			if (!ok && ns.ns_rejected_busy != busy)
				ok = true;
			if (ok != path_ok)
				log_msg(ok ? LOG_LVL_INFO : LOG_LVL_ERR,
				    "health: the request path %s", ok ?
				    "answers again" : "does not answer");
			path_ok = ok;
		}
		if (store_alarm_poll(k->store))	/* raised or cleared */
			panel_state(k, panel_port);
		if (path_ok && hsm_ok)
			bd->wdt_kick();
	}
	return NULL;
}

/* State changes show on the front panel (state_notify_fn). */
static void
state_changed(enum kms_state from, enum kms_state to, void *arg)
{
	(void)from;
	(void)to;
	panel_state(arg, panel_port);
}

/* The console's reboot: main takes SIGUSR1 and restarts (board reset). */
static void
request_reboot(void *arg)
{
	(void)arg;
	kill(getpid(), SIGUSR1);
}

static enum log_level
level_of(const char *s)
{
	if (strcmp(s, "err") == 0)
		return LOG_LVL_ERR;
	if (strcmp(s, "warn") == 0)
		return LOG_LVL_WARN;
	if (strcmp(s, "debug") == 0)
		return LOG_LVL_DEBUG;
	return LOG_LVL_INFO;
}

int
main(int argc, char *argv[])
{
	static struct kms_conf	 conf;
	static struct kmsd	 k;
	struct board_conf	 bc = { .log_stderr = true };
	struct net_conf		 nc;
	const char		*cfg_path = NULL;
	char			 err[CONF_ERR_MAX];
	sigset_t		 sigs;
	pthread_t		 health;
	static struct http_route routes[STATE_ROUTES_MAX + 1];
	static struct http_route admin_routes[2];
	size_t			 nroutes;
	long			 port = -1, wdt = KMSD_WDT_MS;
	bool			 con = false;	/* -C: console on stdin */
	bool			 net_up = false, reboot;
	int			 ch, rc, sig;

	bc.argv = argv;
	while ((ch = getopt(argc, argv, "c:d:p:vCW:")) != -1) {
		switch (ch) {
		case 'c':
			cfg_path = optarg;
			break;
		case 'd':
			bc.data_dir = optarg;
			break;
		case 'p':
			port = strtol(optarg, NULL, 10);
			if (port < 0 || port > 65535)
				usage();
			break;
		case 'v':
			log_setlevel(LOG_LVL_DEBUG);
			break;
		case 'C':
			con = true;
			break;
		case 'W':
			wdt = strtol(optarg, NULL, 10);
			if (wdt < KMSD_WDT_MIN_MS || wdt > KMSD_WDT_MAX_MS)
				usage();
			wdt_ms = (unsigned)wdt;
			break;
		default:
			usage();
		}
	}
	if (cfg_path == NULL || bc.data_dir == NULL || optind != argc)
		usage();

	/* Every thread inherits this mask; main alone takes the signals. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGUSR1);	/* the console's reboot */
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	refuse_core_dumps();

	if ((rc = board_init(&bc)) != 0) {
		fprintf(stderr, "kmsd: data directory %s: %s\n", bc.data_dir,
		    strerror(-rc));
		return 1;
	}
	slot_handover();
	if (conf_load(cfg_path, &conf, err, sizeof(err)) != 0)
		fatalx("boot: %s: %s", cfg_path, err);
	if (port >= 0)
		conf.port = (uint16_t)port;
	log_setlevel(level_of(conf.log_level));
	log_info("boot: kmsd on board %s, KMS %s", board_get()->name,
	    conf.kms_uri);
	if (image_key_is_test())
		log_warnx("boot: this build trusts the TEST release key for "
		    "firmware updates (development build, no "
		    "KMS_RELEASE_PUBKEY)");

	/* The store first: every state change is audited. */
	k.conf = &conf;
	if (mcx_open(&k, bc.data_dir) != 0)	/* store and [auth] */
		fatalx("boot: store or [auth] failed; not serving");
	state_init(k.store, state_changed, &k);
	boot_power_on(&k, &conf);
	if (k.hsm != NULL && k.key_sign != HSM_KEY_NONE)
		(void)console_audit_signer(&k);	/* audit checkpoints */

	memset(&nc, 0, sizeof(nc));
	nc.nic.nic_addr = conf.addr;
	nc.nic.nic_mask = conf.netmask;
	nc.nic.nic_gw = conf.gateway;
	nc.nic.guest_port = KMSD_GUEST_PORT;
	nc.nic.host_port = conf.port;
	nc.nic.host_addr = "127.0.0.1";
	nc.nic.kind = conf.nic;
	nc.conns = conf.conns;
	nc.body_bytes_max = conf.body_max;
	nc.read_timeout_ms = conf.read_timeout_ms;
	nc.idle_timeout_ms = conf.idle_timeout_ms;
	/* GET /health, then the KMS routes behind the state gate. */
	if (state_routes(mcx_routes, mcx_route_count, mcx_error_body, routes,
	    sizeof(routes) / sizeof(routes[0]), &nroutes) != 0)
		fatalx("boot: too many routes");
	nc.routes = routes;
	nc.route_count = nroutes;
	nc.error_body = mcx_error_body;
	nc.arg = &k;
	nc.tls = k.tls;
	nc.ready = NULL;	/* the gate is state_routes */
	/* The admin port: the same GET /health, and GET /metrics. */
	admin_routes[0] = routes[0];
	admin_routes[1] = (struct http_route){ HTTP_M_GET, "/metrics", false,
	    net_metrics_handler };
	nc.admin.guest_port = KMSD_ADMIN_GUEST_PORT;
	nc.admin.host_port = conf.admin_port;
	nc.admin.routes = admin_routes;
	nc.admin.route_count = 2;
	nc.admin.state = kmsd_state_word;
	nc.syslog.addr = conf.log_syslog_addr;
	nc.syslog.port = conf.log_syslog_port;
	/* Never plain HTTP where HTTPS is configured (no TLS key yet). */
	if (conf.tls_cert[0] != '\0' && k.tls == NULL) {
		log_err("boot: HTTPS is configured but the token has no TLS "
		    "key in state %s: the KMS port stays closed",
		    state_word(state_get()));
		if (state_get() == KMS_STATE_LOCKED) {	/* hsm login opens it */
			late_nc = &nc;
			late_dir = bc.data_dir;
		}
	} else if ((rc = net_start(&nc)) != 0)
		fatalx("boot: network: %s", strerror(-rc));
	else
		net_up = true;
	if (net_up) {
		probe_port = nc.nic.host_port;
		probe_tls = k.tls != NULL;
#if defined(KMS_TEST_HOOKS)
		/* kmsd-testhooks only: probe a port that does not answer,
		 * to test that a dead request path stops the kicks. */
		if (getenv("KMSD_TEST_PROBE_PORT") != NULL)
			probe_port = (uint16_t)strtol(
			    getenv("KMSD_TEST_PROBE_PORT"), NULL, 10);
#endif
		panel_port = nc.nic.host_port;
		write_port_file(bc.data_dir, KMSD_PORT_FILE,
		    nc.nic.host_port);
		write_port_file(bc.data_dir, KMSD_ADMIN_FILE,
		    nc.admin.host_port);
	}
	slot_confirm(net_up);
	if ((rc = board_get()->wdt_start(wdt_ms)) != 0)
		fatalx("boot: watchdog: %s", strerror(-rc));
	if ((rc = pthread_create(&health, NULL, health_main, &k)) != 0)
		fatalx("boot: health loop: %s", strerror(rc));
	(void)mcx_precompute_start(&k);	/* [kms] precompute_lead */
	panel_state(&k, panel_port);
	if (con && (rc = console_start(&(struct console_conf){ .kmsd = &k,
	    .data_dir = bc.data_dir, .port = nc.nic.host_port,
	    .boot_ms = board_get()->time_mono_ms(),
	    .idle_s = conf.console_idle,
	    .reboot = request_reboot,
	    .hsm_login = console_hsm_login, .hsm_login_arg = &k,
	    .hsm_logout = console_hsm_logout,
	    .conf_path = cfg_path, .conf_live = &conf })) != 0)
		fatalx("boot: console: %s", strerror(-rc));
	/* The front panel: the same commands through its own session. */
	if ((rc = panel_start(&(struct console_conf){ .kmsd = &k,
	    .data_dir = bc.data_dir, .port = nc.nic.host_port,
	    .boot_ms = board_get()->time_mono_ms(),
	    .idle_s = conf.console_idle,
	    .reboot = request_reboot,
	    .hsm_login = console_hsm_login, .hsm_login_arg = &k,
	    .hsm_logout = console_hsm_logout,
	    .conf_path = cfg_path, .conf_live = &conf })) != 0)
		log_warnx("boot: front panel: %s", strerror(-rc));
	if (net_up)
		log_info("boot: state %s; the KMS interface on 127.0.0.1:%u",
		    state_word(state_get()), (unsigned)nc.nic.host_port);

	while (sigwait(&sigs, &sig) == 0 && sig == SIGHUP)
		log_info("boot: SIGHUP ignored (no reload yet)");
	reboot = sig == SIGUSR1;
	log_info("shutdown: signal %d%s", sig, reboot ? " (reboot)" : "");
	board_get()->wdt_stop();
	atomic_store(&health_stop, true);	/* it winds down meanwhile */
	console_stop();
	panel_stop();
	pthread_join(health, NULL);
	if (net_up || atomic_load(&late_net))
		net_stop();
	mcx_precompute_stop();
	state_detach();
	mcx_close(&k);
	net_tls_ctx_free(k.tls);
	hsm_close(k.hsm);
	log_info("shutdown: done");
	if (reboot)
		board_get()->reset();	/* does not return */
	return 0;
}
