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
#include "kmsd.h"
#include "mcx.h"
#include "net.h"

#define KMSD_PORT_FILE	"kmsd.port"	/* in the data dir: the bound port */
#define KMSD_GUEST_PORT	80		/* the appliance's HTTP port */
#define KMSD_HEALTH_MS	1000		/* how often the HSM is asked */

static void
usage(void)
{
	fprintf(stderr, "usage: kmsd -c config -d datadir [-p port] [-v] "
	    "[-C]\n");
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

static int
compute_zs(const uint8_t *secret, size_t len, void *arg)
{
	if (len != SAKKE_SCALAR_LEN)
		return -1;
	return sakke_pubkey(secret, arg) == CRYPTO_OK ? 0 : -1;
}

static int
compute_kpak(const uint8_t *secret, size_t len, void *arg)
{
	if (len != ECCSI_SCALAR_LEN)
		return -1;
	return eccsi_kpak(secret, arg) == CRYPTO_OK ? 0 : -1;
}

/* HTTPS: the chain from [tls] cert, the key in the token (engine). */
static void
tls_boot(struct kmsd *k, const struct kms_conf *conf)
{
	struct evp_pkey_st	*pk;
	enum hsm_status		 st;
	hsm_key_id		 id;
	int			 rc;

	if ((st = hsm_key_find(k->hsm, HSM_KC_TLS, conf->tls_key_label,
	    &id)) != HSM_OK)
		fatalx("boot: TLS key '%s': %s (kms-provision tls-key)",
		    conf->tls_key_label, hsm_strerror(st));
	if ((st = hsm_tls_pkey(k->hsm, id, &pk)) != HSM_OK)
		fatalx("boot: TLS key '%s': %s", conf->tls_key_label,
		    hsm_strerror(st));
	rc = net_tls_ctx_new(conf->tls_cert, pk, &k->tls);
	EVP_PKEY_free(pk);	/* the context keeps its own reference */
	if (rc != 0)
		fatalx("boot: TLS with %s and key '%s' failed",
		    conf->tls_cert, conf->tls_key_label);
	log_info("boot: HTTPS with %s, key '%s' in the HSM", conf->tls_cert,
	    conf->tls_key_label);
}

/* Log in, find the appliance's keys and compute the public keys. */
static void
hsm_boot(struct kmsd *k, const struct kms_conf *conf)
{
	struct hsm_conf	 hc;
	char		 pin[HSM_PIN_MAX + 1];
	enum hsm_status	 st;

	if (read_pin(conf, pin, sizeof(pin)) != 0)
		fatalx("boot: no HSM PIN");
	hc.module = conf->hsm_module;
	hc.token = conf->hsm_token;
	hc.pin = pin;
	st = hsm_open(&hc, &k->hsm);
	OPENSSL_cleanse(pin, sizeof(pin));	/* wipe: the PIN */
	if (st != HSM_OK)
		fatalx("boot: HSM token '%s' (%s): %s", conf->hsm_token,
		    conf->hsm_module, hsm_strerror(st));

	if ((st = hsm_key_find(k->hsm, HSM_KC_MASTER_SAKKE, HSM_LABEL_SAKKE,
	    &k->key_sakke)) != HSM_OK ||
	    (st = hsm_key_find(k->hsm, HSM_KC_MASTER_ECCSI, HSM_LABEL_ECCSI,
	    &k->key_eccsi)) != HSM_OK ||
	    (st = hsm_key_find(k->hsm, HSM_KC_KMS_SIGN, HSM_LABEL_KMS_SIGN,
	    &k->key_sign)) != HSM_OK)
		fatalx("boot: token '%s' is not provisioned (%s); run "
		    "kms-provision init", conf->hsm_token, hsm_strerror(st));

	if (conf->tls_cert[0] != '\0')
		tls_boot(k, conf);
	if ((st = hsm_master_use(k->hsm, k->key_sakke, compute_zs,
	    k->pub_enc_key)) != HSM_OK)
		fatalx("boot: SAKKE public key: %s", hsm_strerror(st));
	if ((st = hsm_master_use(k->hsm, k->key_eccsi, compute_kpak,
	    k->pub_auth_key)) != HSM_OK)
		fatalx("boot: ECCSI public key: %s", hsm_strerror(st));
	if (!sakke_point_is_valid(k->pub_enc_key) ||
	    !eccsi_point_is_valid(k->pub_auth_key))
		fatalx("boot: a computed public key failed validation");
}

static void
write_port_file(const char *dir, uint16_t port)
{
	char	 path[BOARD_PATH_MAX + 32];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", dir, KMSD_PORT_FILE);
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
	bd->panel_show(3, atomic_load(&((struct kmsd *)k)->hsm_up) ?
	    "HSM ok" : "HSM unavailable");
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

/* The net/ gate: serve only while the HSM answers. */
static bool
kmsd_ready(void *arg)
{
	struct kmsd	*k = arg;

	return atomic_load(&k->hsm_up);
}

/*
 * The health loop: ask the HSM every KMSD_HEALTH_MS; when it stops
 * answering, close the gate (requests get 503 + Retry-After) and try to
 * recover (sessions, login, key handles) until it answers again.
 */
static _Atomic bool	 health_stop;

static void *
health_main(void *arg)
{
	struct kmsd	*k = arg;
	enum hsm_status	 st;
	bool		 up;
	unsigned	 ms;

	while (!atomic_load(&health_stop)) {
		for (ms = 0; ms < KMSD_HEALTH_MS &&
		    !atomic_load(&health_stop); ms += 100)
			usleep(100 * 1000);
		if (atomic_load(&health_stop))
			break;
		up = atomic_load(&k->hsm_up);
		st = hsm_health(k->hsm);
		if (st != HSM_OK)
			st = hsm_recover(k->hsm);
		if (up && st != HSM_OK) {
			atomic_store(&k->hsm_up, false);
			log_err("hsm: token '%s' unavailable (%s): answering "
			    "503 until it is back", k->conf->hsm_token,
			    hsm_strerror(st));
			panel_state(k, 0);
		} else if (!up && st == HSM_OK) {
			atomic_store(&k->hsm_up, true);
			log_info("hsm: token '%s' is back: serving",
			    k->conf->hsm_token);
			panel_state(k, 0);
		}
	}
	return NULL;
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
	long			 port = -1;
	bool			 con = false;	/* -C: console on stdin */
	int			 ch, rc, sig;

	while ((ch = getopt(argc, argv, "c:d:p:vC")) != -1) {
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
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	refuse_core_dumps();

	if ((rc = board_init(&bc)) != 0) {
		fprintf(stderr, "kmsd: data directory %s: %s\n", bc.data_dir,
		    strerror(-rc));
		return 1;
	}
	if (conf_load(cfg_path, &conf, err, sizeof(err)) != 0)
		fatalx("boot: %s: %s", cfg_path, err);
	if (port >= 0)
		conf.port = (uint16_t)port;
	log_setlevel(level_of(conf.log_level));
	log_info("boot: kmsd on board %s, KMS %s", board_get()->name,
	    conf.kms_uri);

	/* Power-on self-test of the math before any secret is touched. */
	if (crypto_selftest() != CRYPTO_OK)
		fatalx("boot: crypto self-test failed; not serving");
	k.conf = &conf;
	hsm_boot(&k, &conf);
	if (mcx_open(&k, bc.data_dir) != 0)	/* store and [auth] */
		fatalx("boot: store or [auth] failed; not serving");

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
	nc.routes = mcx_routes;
	nc.route_count = mcx_route_count;
	nc.error_body = mcx_error_body;
	nc.arg = &k;
	nc.tls = k.tls;
	nc.ready = kmsd_ready;
	atomic_store(&k.hsm_up, true);
	if ((rc = net_start(&nc)) != 0)
		fatalx("boot: network: %s", strerror(-rc));
	if ((rc = pthread_create(&health, NULL, health_main, &k)) != 0)
		fatalx("boot: health loop: %s", strerror(rc));
	write_port_file(bc.data_dir, nc.nic.host_port);
	panel_state(&k, nc.nic.host_port);
	if (con && (rc = console_start(&(struct console_conf){ .kmsd = &k,
	    .data_dir = bc.data_dir, .port = nc.nic.host_port,
	    .boot_ms = board_get()->time_mono_ms() })) != 0)
		fatalx("boot: console: %s", strerror(-rc));
	log_info("boot: serving the KMS interface on 127.0.0.1:%u",
	    (unsigned)nc.nic.host_port);

	while (sigwait(&sigs, &sig) == 0 && sig == SIGHUP)
		log_info("boot: SIGHUP ignored (no reload yet)");
	log_info("shutdown: signal %d", sig);
	console_stop();
	atomic_store(&health_stop, true);
	pthread_join(health, NULL);
	net_stop();
	mcx_close(&k);
	net_tls_ctx_free(k.tls);
	hsm_close(k.hsm);
	log_info("shutdown: done");
	return 0;
}
