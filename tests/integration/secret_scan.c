/*
 * secret_scan - look for the appliance's master secrets in files.
 *
 * usage: secret_scan MODULE TOKEN PINFILE PATH...
 *
 * Reads z_S and KSAK through the HSM API (hsm_master_use: the only way
 * they leave the token) and searches every regular file below each PATH
 * for them: raw bytes, upper- and lower-case hex, and base64.  Before the
 * search it proves that the matcher finds each encoding in a buffer that
 * holds it (a check that cannot fail would prove nothing).  Exit 0 if no
 * file holds a secret, 1 if one does, 2 on error.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "hsm.h"

#define FORMS		4	/* raw, HEX, hex, base64 */
#define FORM_MAX	(HSM_MASTER_MAX_LEN * 2 + 1)
#define NEEDLE_MIN	16	/* shortest prefix searched (base64 varies) */

struct secret {
	const char	*name;
	uint8_t		 form[FORMS][FORM_MAX];
	size_t		 form_len[FORMS];
};

static struct secret	 secrets[2];
static int		 hits;

static int
grab(const uint8_t *s, size_t len, void *arg)
{
	struct secret	*sec = arg;
	static const char hexu[] = "0123456789ABCDEF", hexl[] =
	    "0123456789abcdef";
	size_t		 i;

	memcpy(sec->form[0], s, len);
	sec->form_len[0] = len;
	for (i = 0; i < len; i++) {
		sec->form[1][2 * i] = (uint8_t)hexu[s[i] >> 4];
		sec->form[1][2 * i + 1] = (uint8_t)hexu[s[i] & 15];
		sec->form[2][2 * i] = (uint8_t)hexl[s[i] >> 4];
		sec->form[2][2 * i + 1] = (uint8_t)hexl[s[i] & 15];
	}
	sec->form_len[1] = sec->form_len[2] = 2 * len;
	/* base64 of the whole value; a prefix of it is searched. */
	sec->form_len[3] = (size_t)EVP_EncodeBlock(sec->form[3], s, (int)len);
	return 0;
}

static void
scan_buf(const char *what, const uint8_t *b, size_t len, bool quiet)
{
	size_t	 i, j, n;

	for (i = 0; i < 2; i++)
		for (j = 0; j < FORMS; j++) {
			n = secrets[i].form_len[j];
			if (j == 3)
				n = n * 3 / 4 - 4;	/* stable prefix */
			if (n >= NEEDLE_MIN &&
			    memmem(b, len, secrets[i].form[j], n) != NULL) {
				if (!quiet)
					printf("FOUND %s (form %zu) in %s\n",
					    secrets[i].name, j, what);
				hits++;
			}
		}
}

static int
scan_path(const char *path)
{
	struct stat	 st;
	struct dirent	*de;
	DIR		*d;
	uint8_t		*b;
	char		 sub[4096];
	ssize_t		 n;
	int		 fd;

	if (lstat(path, &st) != 0)
		return -1;
	if (S_ISDIR(st.st_mode)) {
		if ((d = opendir(path)) == NULL)
			return -1;
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
			scan_path(sub);
		}
		closedir(d);
		return 0;
	}
	if (!S_ISREG(st.st_mode) || st.st_size == 0)
		return 0;
	if ((fd = open(path, O_RDONLY)) < 0)
		return -1;
	if ((b = malloc((size_t)st.st_size)) == NULL) {
		close(fd);
		return -1;
	}
	n = read(fd, b, (size_t)st.st_size);
	close(fd);
	if (n > 0)
		scan_buf(path, b, (size_t)n, false);
	free(b);
	return 0;
}

/* The matcher must find every form planted in a buffer. */
static int
selftest(void)
{
	uint8_t	 buf[4 * FORM_MAX];
	size_t	 i, j;
	int	 before;

	for (i = 0; i < 2; i++)
		for (j = 0; j < FORMS; j++) {
			memset(buf, '.', sizeof(buf));
			memcpy(buf + 7, secrets[i].form[j],
			    secrets[i].form_len[j]);
			before = hits;
			scan_buf("(self-test buffer)", buf, sizeof(buf), true);
			if (hits == before)
				return -1;
		}
	hits = 0;
	return 0;
}

int
main(int argc, char *argv[])
{
	struct hsm_conf	 hc;
	struct hsm	*h = NULL;
	hsm_key_id	 id;
	char		 pin[HSM_PIN_MAX + 1] = "";
	FILE		*f;
	int		 i, rc = 2;

	if (argc < 5) {
		fprintf(stderr, "usage: secret_scan MODULE TOKEN PINFILE "
		    "PATH...\n");
		return 2;
	}
	if ((f = fopen(argv[3], "r")) == NULL ||
	    fgets(pin, sizeof(pin), f) == NULL) {
		fprintf(stderr, "secret_scan: cannot read %s\n", argv[3]);
		return 2;
	}
	fclose(f);
	pin[strcspn(pin, "\r\n")] = '\0';
	hc.module = argv[1];
	hc.token = argv[2];
	hc.pin = pin;
	if (hsm_open(&hc, &h) != HSM_OK) {
		fprintf(stderr, "secret_scan: cannot open the token\n");
		goto done;
	}
	secrets[0].name = "z_S";
	secrets[1].name = "KSAK";
	if (hsm_key_find(h, HSM_KC_MASTER_SAKKE, HSM_LABEL_SAKKE, &id) !=
	    HSM_OK || hsm_master_use(h, id, grab, &secrets[0]) != HSM_OK ||
	    hsm_key_find(h, HSM_KC_MASTER_ECCSI, HSM_LABEL_ECCSI, &id) !=
	    HSM_OK || hsm_master_use(h, id, grab, &secrets[1]) != HSM_OK) {
		fprintf(stderr, "secret_scan: cannot read the masters\n");
		goto done;
	}
	if (selftest() != 0) {
		fprintf(stderr, "secret_scan: matcher self-test failed\n");
		goto done;
	}
	for (i = 4; i < argc; i++)
		if (scan_path(argv[i]) != 0) {
			fprintf(stderr, "secret_scan: cannot read %s\n",
			    argv[i]);
			goto done;
		}
	printf("secret_scan: %d hit(s) in %d path(s)\n", hits, argc - 4);
	rc = hits == 0 ? 0 : 1;
 done:
	OPENSSL_cleanse(secrets, sizeof(secrets));	/* wipe: test copies */
	OPENSSL_cleanse(pin, sizeof(pin));
	hsm_close(h);
	return rc;
}
