/*
 * bench_hsm.c - the "kms-bench hsm" figures: what hsm/ operations cost
 * on a SoftHSMv2 token, one line each (operation, ms/op, ops/s), for keys
 * that are token objects and, where hsm/ offers it, the same key as a
 * session object (hsm_volatile_key_create).
 *
 * Usage: kms-bench hsm [-t SECONDS] [-m MODULE]
 *
 * The program makes a throwaway SoftHSMv2 token in a temporary directory
 * (softhsm2-util, its own softhsm2.conf), runs every line for SECONDS
 * (default 0.4; the whole run stays well under 30 s), prints, and removes
 * the directory.  It never touches an existing token.  MODULE defaults to
 * /usr/lib/softhsm/libsofthsm2.so.  Nothing is pinned: use
 * `taskset -c 1 kms-bench hsm` for steadier single-core figures.
 *
 * Operations (all through hsm.h):
 *	hmac            hsm_hmac, HMAC-SHA256 with the TrK's twin
 *	wrap_material   hsm_wrap_material, RFC 5649 over token AES-ECB
 *	gcm_seal        hsm_gcm_seal: session content key, AES-128-GCM,
 *	                content key wrapped under the TrK, key destroyed
 *	ecdsa_sign      hsm_sign_digest, P-256 (CKM_ECDSA)
 *	user_key_create hsm_user_key_create (AES key + HMAC twin, token)
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_local.h"
#include "board.h"
#include "hsm.h"

#define DEFAULT_MODULE	"/usr/lib/softhsm/libsofthsm2.so"
#define TOKEN		"kms-bench"
#define PIN		"bench-pin"
#define SO_PIN		"bench-so-pin"
#define SECONDS_MAX	10.0

extern char **environ;

struct fixture {
	struct hsm	*h;
	hsm_key_id	 trk_tok, trk_vol, sign_tok, sign_vol;
	uint8_t		 data[2048];
	uint8_t		 out[4096];
	unsigned long	 n;	/* key names for user_key_create */
};

struct bench {
	const char	*b_name;
	int		(*b_run)(struct fixture *, const void *);
	const void	*b_arg;
};

struct hmac_arg {
	int	 volatile_key;
	size_t	 len;
};

static double	 now_s(void);
static int	 make_token(const char *dir);
static int	 rm_cb(const char *, const struct stat *, int, struct FTW *);
static int	 run_hmac(struct fixture *, const void *);
static int	 run_wrap(struct fixture *, const void *);
static int	 run_gcm(struct fixture *, const void *);
static int	 run_sign(struct fixture *, const void *);
static int	 run_create(struct fixture *, const void *);

static const struct hmac_arg	 hm64_tok = { 0, 64 }, hm64_vol = { 1, 64 };
static const struct hmac_arg	 hm2k_tok = { 0, 2048 }, hm2k_vol = { 1, 2048 };
static const struct hmac_arg	 w32_tok = { 0, 32 }, w65_tok = { 0, 65 };
static const struct hmac_arg	 w257_tok = { 0, 257 }, w257_vol = { 1, 257 };
static const struct hmac_arg	 g2k_tok = { 0, 2048 }, g2k_vol = { 1, 2048 };
static const struct hmac_arg	 s_tok = { 0, 0 }, s_vol = { 1, 0 };

static const struct bench benches[] = {
	{ "hmac 64 B (token key)",		run_hmac, &hm64_tok },
	{ "hmac 64 B (session key)",		run_hmac, &hm64_vol },
	{ "hmac 2 KiB (token key)",		run_hmac, &hm2k_tok },
	{ "hmac 2 KiB (session key)",		run_hmac, &hm2k_vol },
	{ "wrap_material 32 B (token TrK)",	run_wrap, &w32_tok },
	{ "wrap_material 65 B (token TrK)",	run_wrap, &w65_tok },
	{ "wrap_material 257 B (token TrK)",	run_wrap, &w257_tok },
	{ "wrap_material 257 B (session TrK)",	run_wrap, &w257_vol },
	{ "gcm_seal 2 KiB (token TrK)",		run_gcm, &g2k_tok },
	{ "gcm_seal 2 KiB (session TrK)",	run_gcm, &g2k_vol },
	{ "ecdsa_sign P-256 (token key)",	run_sign, &s_tok },
	{ "ecdsa_sign P-256 (session key)",	run_sign, &s_vol },
	{ "user_key_create (token, + twin)",	run_create, NULL },
};

static double
now_s(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
rm_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

/* A private token: dir/softhsm2.conf, dir/tokens, softhsm2-util. */
static int
make_token(const char *dir)
{
	char		 conf[PATH_MAX + 32], tokens[PATH_MAX + 32];
	char		*argv[] = { "softhsm2-util", "--init-token", "--free",
			    "--label", TOKEN, "--so-pin", SO_PIN, "--pin", PIN,
			    NULL };
	posix_spawn_file_actions_t fa;
	FILE		*f;
	pid_t		 pid;
	int		 st;

	snprintf(tokens, sizeof(tokens), "%s/tokens", dir);
	if (mkdir(tokens, 0700) == -1)
		return -1;
	snprintf(conf, sizeof(conf), "%s/softhsm2.conf", dir);
	if ((f = fopen(conf, "w")) == NULL)
		return -1;
	fprintf(f, "directories.tokendir = %s\nobjectstore.backend = file\n"
	    "log.level = ERROR\nslots.removable = false\n"
	    "slots.mechanisms = ALL\nlibrary.reset_on_fork = false\n", tokens);
	if (fclose(f) != 0)
		return -1;
	if (setenv("SOFTHSM2_CONF", conf, 1) == -1)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	st = posix_spawnp(&pid, "softhsm2-util", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (st != 0) {
		errno = st;
		return -1;
	}
	if (waitpid(pid, &st, 0) == -1 || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0)
		return -1;
	return 0;
}

static int
run_hmac(struct fixture *fx, const void *arg)
{
	const struct hmac_arg	*a = arg;
	size_t			 len;

	return hsm_hmac(fx->h, a->volatile_key ? fx->trk_vol : fx->trk_tok,
	    fx->data, a->len, fx->out, sizeof(fx->out), &len);
}

static int
run_wrap(struct fixture *fx, const void *arg)
{
	const struct hmac_arg	*a = arg;
	size_t			 len;

	return hsm_wrap_material(fx->h, a->volatile_key ? fx->trk_vol :
	    fx->trk_tok, fx->data, a->len, fx->out, sizeof(fx->out), &len);
}

static int
run_gcm(struct fixture *fx, const void *arg)
{
	const struct hmac_arg	*a = arg;
	uint8_t			 w[HSM_GCM_WRAPPED_CEK_LEN];
	size_t			 len, wlen;

	return hsm_gcm_seal(fx->h, a->volatile_key ? fx->trk_vol :
	    fx->trk_tok, fx->data, a->len, NULL, 0, fx->out, sizeof(fx->out),
	    &len, w, sizeof(w), &wlen);
}

static int
run_sign(struct fixture *fx, const void *arg)
{
	const struct hmac_arg	*a = arg;
	size_t			 len;

	return hsm_sign_digest(fx->h, a->volatile_key ? fx->sign_vol :
	    fx->sign_tok, fx->data, fx->out, sizeof(fx->out), &len);
}

static int
run_create(struct fixture *fx, const void *arg)
{
	char		 name[HSM_LABEL_MAX + 1];
	hsm_key_id	 id;

	if (hsm_user_key_name(HSM_KC_TRK, ++fx->n, "bench@kms-bench", name,
	    sizeof(name)) != HSM_OK)
		return -1;
	return hsm_user_key_create(fx->h, HSM_KC_TRK, name, &id);
}

/* see bench_local.h */
int
bench_hsm_main(int argc, char *argv[])
{
	struct fixture		 fx;
	struct hsm_conf		 hc;
	const struct bench	*b;
	const char		*module = DEFAULT_MODULE, *tmp;
	char			 dir[PATH_MAX];
	double			 secs = 0.4, t0, t1;
	long			 n;
	size_t			 i;
	int			 ch, ret = 1, made = 0;

	log_setlevel(LOG_LVL_WARN);	/* figures only, not key events */

	while ((ch = getopt(argc, argv, "t:m:")) != -1) {
		switch (ch) {
		case 't':
			secs = strtod(optarg, NULL);
			break;
		case 'm':
			module = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc || !(secs > 0.0 && secs <= SECONDS_MAX))
		goto usage;

	memset(&fx, 0, sizeof(fx));
	if ((tmp = getenv("TMPDIR")) == NULL)
		tmp = "/tmp";
	snprintf(dir, sizeof(dir), "%s/kms-bench-hsm-XXXXXX", tmp);
	if (mkdtemp(dir) == NULL) {
		perror("kms-bench hsm: mkdtemp");
		return 1;
	}
	made = 1;
	if (make_token(dir) != 0) {
		fprintf(stderr, "kms-bench hsm: cannot make a SoftHSMv2 "
		    "token (is softhsm2-util installed?)\n");
		goto done;
	}
	hc.module = module;
	hc.token = TOKEN;
	hc.pin = PIN;
	if (hsm_open(&hc, &fx.h) != HSM_OK ||
	    hsm_user_key_create(fx.h, HSM_KC_TRK, "tk.1.token@kms-bench",
	    &fx.trk_tok) != HSM_OK ||
	    hsm_volatile_key_create(fx.h, HSM_KC_TRK, &fx.trk_vol) != HSM_OK ||
	    hsm_sign_key_create(fx.h, HSM_LABEL_KMS_SIGN, &fx.sign_tok) !=
	    HSM_OK ||
	    hsm_volatile_key_create(fx.h, HSM_KC_KMS_SIGN, &fx.sign_vol) !=
	    HSM_OK ||
	    hsm_random(fx.h, fx.data, sizeof(fx.data)) != HSM_OK) {
		fprintf(stderr, "kms-bench hsm: cannot set up the token\n");
		goto done;
	}

	printf("kms-bench hsm: SoftHSMv2 token, %.2f s per line\n", secs);
	printf("%-36s %12s %12s\n", "operation", "ms/op", "ops/s");
	for (i = 0; i < sizeof(benches) / sizeof(benches[0]); i++) {
		b = &benches[i];
		n = 0;
		t0 = now_s();
		do {
			if (b->b_run(&fx, b->b_arg) != 0)
				break;
			n++;
			t1 = now_s();
		} while (t1 - t0 < secs);
		if (n == 0 || t1 - t0 <= 0.0) {
			printf("%-36s %12s\n", b->b_name, "FAILED");
			continue;
		}
		printf("%-36s %12.4f %12.0f\n", b->b_name,
		    (t1 - t0) * 1e3 / (double)n, (double)n / (t1 - t0));
		fflush(stdout);
	}
	ret = 0;
 done:
	hsm_close(fx.h);
	if (made)
		nftw(dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	return ret;
 usage:
	fprintf(stderr, "usage: kms-bench hsm [-t SECONDS] [-m MODULE]\n");
	return 2;
}
