/*
 * op_auth.c - operator accounts: <data_dir>/operators, mode 0600, one
 * "name:role:salt:hash" line per operator, salt and hash in lower-case
 * hex, hash = scrypt(password, salt, N = 2^CONSOLE_SCRYPT_LOG2N, r = 8,
 * p = 1, 32 bytes).  The store (store.h) has no operator table, so the
 * accounts live beside it; the file is rewritten whole through a
 * temporary file and rename(2), so a crash leaves the old or the new one.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include "board.h"

#include "console.h"
#include "console_local.h"

#define OP_LINE_MAX	(CONSOLE_NAME_MAX + 32 + 2 * CONSOLE_SALT_LEN + \
			    2 * CONSOLE_HASH_LEN)
#define OP_FILE_MAX	(CONSOLE_OPERATORS_MAX * (OP_LINE_MAX + 1))

struct op_rec {
	char		 name[CONSOLE_NAME_MAX + 1];
	unsigned	 role;
	uint8_t		 salt[CONSOLE_SALT_LEN];
	uint8_t		 hash[CONSOLE_HASH_LEN];
};

static void
op_path(const struct console *c, char *out, size_t size, const char *sfx)
{
	snprintf(out, size, "%s/%s%s", c->conf.data_dir,
	    CONSOLE_OPERATORS_FILE, sfx);
}

bool
op_file_exists(const struct console *c)
{
	char		 path[BOARD_PATH_MAX + 32];
	struct stat	 st;

	op_path(c, path, sizeof(path), "");
	return stat(path, &st) == 0;
}

bool
op_name_valid(const char *name)
{
	size_t	 i, n = strlen(name);

	if (n == 0 || n > CONSOLE_NAME_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') ||
		    (name[i] >= '0' && name[i] <= '9') || name[i] == '_' ||
		    name[i] == '.' || name[i] == '-'))
			return false;
	return true;
}

static int
kdf(const struct console *c, const char *pass, const uint8_t *salt,
    uint8_t out[CONSOLE_HASH_LEN])
{
	uint64_t	 n = (uint64_t)1 << c->conf.scrypt_log2n;
	uint64_t	 maxmem = 2 * 128 * CONSOLE_SCRYPT_R * (n + 2);

	return EVP_PBE_scrypt(pass, strlen(pass), salt, CONSOLE_SALT_LEN, n,
	    CONSOLE_SCRYPT_R, CONSOLE_SCRYPT_P, maxmem, out,
	    CONSOLE_HASH_LEN) == 1 ? 0 : -EIO;
}

static void
hex(char *out, const uint8_t *in, size_t len)
{
	static const char	 d[] = "0123456789abcdef";
	size_t			 i;

	for (i = 0; i < len; i++) {
		out[2 * i] = d[in[i] >> 4];
		out[2 * i + 1] = d[in[i] & 0xf];
	}
	out[2 * len] = '\0';
}

static int
unhex(uint8_t *out, size_t len, const char *in)
{
	size_t	 i;
	int	 hi, lo;

	if (strlen(in) != 2 * len)
		return -1;
	for (i = 0; i < len; i++) {
		hi = OPENSSL_hexchar2int((unsigned char)in[2 * i]);
		lo = OPENSSL_hexchar2int((unsigned char)in[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* Parse one line; -1 on a malformed one. */
static int
parse(char *line, struct op_rec *r)
{
	char	*f[4], *p = line;
	int	 i;

	for (i = 0; i < 4; i++) {
		f[i] = p;
		if ((p = strchr(p, ':')) == NULL) {
			if (i != 3)
				return -1;
			break;
		}
		*p++ = '\0';
	}
	if (p != NULL || !op_name_valid(f[0]) ||
	    console_role_parse(f[1], &r->role) != 0 ||
	    unhex(r->salt, sizeof(r->salt), f[2]) != 0 ||
	    unhex(r->hash, sizeof(r->hash), f[3]) != 0)
		return -1;
	snprintf(r->name, sizeof(r->name), "%s", f[0]);
	return 0;
}

/* All records into recs[CONSOLE_OPERATORS_MAX]; *n the count.  0 / -errno. */
static int
load(const struct console *c, struct op_rec *recs, size_t *n)
{
	char	 path[BOARD_PATH_MAX + 32], line[OP_LINE_MAX + 2];
	FILE	*f;
	size_t	 lineno = 0;

	*n = 0;
	op_path(c, path, sizeof(path), "");
	if ((f = fopen(path, "re")) == NULL)
		return errno == ENOENT ? 0 : -errno;
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0' || line[0] == '#')
			continue;
		if (*n == CONSOLE_OPERATORS_MAX ||
		    parse(line, &recs[*n]) != 0) {
			log_err("console: %s line %zu: malformed; ignored",
			    path, lineno);
			continue;
		}
		(*n)++;
	}
	fclose(f);
	return 0;
}

static int
save(const struct console *c, const struct op_rec *recs, size_t n)
{
	char	 path[BOARD_PATH_MAX + 32], tmp[BOARD_PATH_MAX + 40];
	char	 salt[2 * CONSOLE_SALT_LEN + 1], hash[2 * CONSOLE_HASH_LEN + 1];
	FILE	*f;
	size_t	 i;
	int	 fd, rc = 0;

	op_path(c, path, sizeof(path), "");
	op_path(c, tmp, sizeof(tmp), ".tmp");
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) < 0)
		return -errno;
	if ((f = fdopen(fd, "w")) == NULL) {
		rc = -errno;
		close(fd);
		unlink(tmp);
		return rc;
	}
	for (i = 0; i < n; i++) {
		hex(salt, recs[i].salt, sizeof(recs[i].salt));
		hex(hash, recs[i].hash, sizeof(recs[i].hash));
		fprintf(f, "%s:%s:%s:%s\n", recs[i].name,
		    console_role_name(recs[i].role), salt, hash);
	}
	if (fflush(f) != 0 || fsync(fileno(f)) != 0)
		rc = -errno;
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -errno;
	if (rc != 0)
		unlink(tmp);
	return rc;
}

int
op_verify(const struct console *c, const char *name, const char *pass,
    unsigned *role)
{
	static const uint8_t	 dummy[CONSOLE_SALT_LEN];
	struct op_rec		*recs, *hit = NULL;
	uint8_t			 h[CONSOLE_HASH_LEN];
	size_t			 n, i;
	int			 rc = 1;

	if ((recs = calloc(CONSOLE_OPERATORS_MAX, sizeof(*recs))) == NULL)
		return 1;
	if (load(c, recs, &n) == 0)
		for (i = 0; i < n; i++)
			if (strcmp(recs[i].name, name) == 0)
				hit = &recs[i];
	/* an unknown name costs the same KDF as a wrong password */
	if (kdf(c, pass, hit != NULL ? hit->salt : dummy, h) == 0 &&
	    hit != NULL && CRYPTO_memcmp(h, hit->hash, sizeof(h)) == 0) {
		*role = hit->role;
		rc = 0;
	}
	OPENSSL_cleanse(h, sizeof(h));
	OPENSSL_cleanse(recs, CONSOLE_OPERATORS_MAX * sizeof(*recs));
	free(recs);
	return rc;
}

int
op_add(struct console *c, const char *name, unsigned role, const char *pass)
{
	struct op_rec	*recs;
	size_t		 n, i;
	int		 rc;

	if ((recs = calloc(CONSOLE_OPERATORS_MAX, sizeof(*recs))) == NULL)
		return -ENOMEM;
	if ((rc = load(c, recs, &n)) != 0)
		goto out;
	for (i = 0; i < n; i++)
		if (strcmp(recs[i].name, name) == 0) {
			console_printf(c, "operator add: %s exists\n", name);
			rc = 1;
			goto out;
		}
	if (n == CONSOLE_OPERATORS_MAX) {
		console_printf(c, "operator add: at most %d operators\n",
		    CONSOLE_OPERATORS_MAX);
		rc = 1;
		goto out;
	}
	snprintf(recs[n].name, sizeof(recs[n].name), "%s", name);
	recs[n].role = role;
	if (RAND_bytes(recs[n].salt, sizeof(recs[n].salt)) != 1 ||
	    kdf(c, pass, recs[n].salt, recs[n].hash) != 0) {
		rc = -EIO;
		goto out;
	}
	rc = save(c, recs, n + 1);
out:
	OPENSSL_cleanse(recs, CONSOLE_OPERATORS_MAX * sizeof(*recs));
	free(recs);
	return rc;
}

int
op_list(struct console *c)
{
	struct op_rec	*recs;
	size_t		 n, i;
	int		 rc;

	if ((recs = calloc(CONSOLE_OPERATORS_MAX, sizeof(*recs))) == NULL)
		return -ENOMEM;
	if ((rc = load(c, recs, &n)) == 0)
		for (i = 0; i < n; i++)
			console_printf(c, "%s\t%s\n", recs[i].name,
			    console_role_name(recs[i].role));
	free(recs);
	return rc;
}

int
op_names(const struct console *c, console_value_cb *cb, void *cb_arg)
{
	struct op_rec	*recs;
	size_t		 n, i;
	int		 rc;

	if ((recs = calloc(CONSOLE_OPERATORS_MAX, sizeof(*recs))) == NULL)
		return -ENOMEM;
	if ((rc = load(c, recs, &n)) == 0)
		for (i = 0; i < n; i++)
			if (cb(cb_arg, recs[i].name) != 0)
				break;
	OPENSSL_cleanse(recs, CONSOLE_OPERATORS_MAX * sizeof(*recs));
	free(recs);
	return rc;
}

int
op_delete(struct console *c, const char *name)
{
	struct op_rec	*recs;
	size_t		 n, i, admins = 0;
	int		 rc, at = -1;

	if ((recs = calloc(CONSOLE_OPERATORS_MAX, sizeof(*recs))) == NULL)
		return -ENOMEM;
	if ((rc = load(c, recs, &n)) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		if (strcmp(recs[i].name, name) == 0)
			at = (int)i;
		else if (recs[i].role == CONSOLE_ROLE_ADMIN)
			admins++;
	}
	if (at < 0) {
		console_printf(c, "operator delete: no operator %s\n", name);
		rc = 1;
		goto out;
	}
	if (admins == 0) {
		console_printf(c, "operator delete: %s is the last "
		    "administrator\n", name);
		rc = 1;
		goto out;
	}
	memmove(&recs[at], &recs[at + 1], (n - (size_t)at - 1) *
	    sizeof(*recs));
	rc = save(c, recs, n - 1);
out:
	OPENSSL_cleanse(recs, CONSOLE_OPERATORS_MAX * sizeof(*recs));
	free(recs);
	return rc;
}

int
op_set_password(struct console *c, const char *name, const char *pass)
{
	struct op_rec	*recs;
	size_t		 n, i;
	int		 rc;

	if ((recs = calloc(CONSOLE_OPERATORS_MAX, sizeof(*recs))) == NULL)
		return -ENOMEM;
	if ((rc = load(c, recs, &n)) != 0)
		goto out;
	for (i = 0; i < n; i++)
		if (strcmp(recs[i].name, name) == 0)
			break;
	if (i == n) {
		console_printf(c, "passwd: no operator %s\n", name);
		rc = 1;
		goto out;
	}
	if (RAND_bytes(recs[i].salt, sizeof(recs[i].salt)) != 1 ||
	    kdf(c, pass, recs[i].salt, recs[i].hash) != 0) {
		rc = -EIO;
		goto out;
	}
	rc = save(c, recs, n);
out:
	OPENSSL_cleanse(recs, CONSOLE_OPERATORS_MAX * sizeof(*recs));
	free(recs);
	return rc;
}
