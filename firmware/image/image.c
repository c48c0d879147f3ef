/*
 * image.c - signed firmware images: ustar reader, Ed25519 signature of
 * the manifest, SHA-256 of every file, installation into a slot (see
 * image.h).
 *
 * ustar (POSIX.1-1988, IEEE Std 1003.1 "pax" format section "ustar
 * Interchange Format"): 512-byte header blocks; name[100] at 0, mode[8]
 * at 100, size[12] at 124 (octal), chksum[8] at 148, typeflag at 156,
 * magic "ustar" at 257, prefix[155] at 345; data padded to 512; the
 * archive ends with two zero blocks.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "image.h"
#include "release_key.h"	/* image_release_pubkey: generated */

#define TAR_BLOCK		512
#define TAR_ENTRIES_MAX		(IMAGE_FILES_MAX * 2 + 8)	/* + dirs */
#define SIG_LEN			64	/* Ed25519 */
#define SHA256_LEN		32
#define MANIFEST_NAME		"manifest.json"
#define SIG_NAME		"manifest.sig"
#define INSTALL_SUFFIX_MAX	8	/* ".new", ".old" */

struct image_file {
	char		 if_path[IMAGE_PATH_MAX + 1];
	unsigned	 if_mode;
	size_t		 if_size;
	uint8_t		 if_sha[SHA256_LEN];
	const uint8_t	*if_data;	/* in im_raw (image_open only) */
};

struct image {
	uint8_t			*im_raw;
	size_t			 im_raw_len;
	const uint8_t		*im_manifest;
	size_t			 im_manifest_len;
	const uint8_t		*im_sig;
	char			 im_version[IMAGE_VERSION_MAX + 1];
	struct image_file	 im_files[IMAGE_FILES_MAX];
	size_t			 im_nfiles;
};

static enum image_status
fail(char *err, size_t err_size, enum image_status st, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));

static enum image_status
fail(char *err, size_t err_size, enum image_status st, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(err, err_size, fmt, ap);
	va_end(ap);
	return st;
}

/* see image.h */
const char *
image_strerror(enum image_status st)
{
	switch (st) {
	case IMAGE_OK: return "ok";
	case IMAGE_ERR_IO: return "cannot read or write";
	case IMAGE_ERR_FORMAT: return "not a firmware image";
	case IMAGE_ERR_UNSIGNED: return "not signed";
	case IMAGE_ERR_SIGNATURE: return "signature not by the release key";
	case IMAGE_ERR_HASH: return "a file differs from the manifest";
	case IMAGE_ERR_TOO_BIG: return "too big";
	default: return "failed";
	}
}

/* A path in the image: bin/NAME, etc/NAME or share/NAME. */
static bool
is_file_path(const char *p)
{
	const char	*name;
	size_t		 i;

	if (strncmp(p, "bin/", 4) == 0)
		name = p + 4;
	else if (strncmp(p, "etc/", 4) == 0)
		name = p + 4;
	else if (strncmp(p, "share/", 6) == 0)
		name = p + 6;
	else
		return false;
	if (name[0] == '\0' || name[0] == '.' || strlen(p) > IMAGE_PATH_MAX)
		return false;
	for (i = 0; name[i] != '\0'; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') ||
		    (name[i] >= 'A' && name[i] <= 'Z') ||
		    (name[i] >= '0' && name[i] <= '9') ||
		    strchr("._-", name[i]) != NULL))
			return false;
	return true;
}

static bool
sig_ok(const uint8_t *msg, size_t len, const uint8_t *sig)
{
	EVP_MD_CTX	*ctx = NULL;
	EVP_PKEY	*pk = NULL;
	BIO		*bio;
	bool		 ok = false;

	if ((bio = BIO_new_mem_buf(image_release_pubkey, -1)) == NULL)
		goto fail;
	pk = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (pk == NULL || EVP_PKEY_get_id(pk) != EVP_PKEY_ED25519)
		goto fail;
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pk) != 1)
		goto fail;
	ok = EVP_DigestVerify(ctx, sig, SIG_LEN, msg, len) == 1;
 fail:
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pk);
	return ok;
}

static bool
sha256(const uint8_t *data, size_t len, uint8_t out[SHA256_LEN])
{
	unsigned	 n = 0;

	return EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) == 1 &&
	    n == SHA256_LEN;
}

static bool
hex32(const char *s, uint8_t out[SHA256_LEN])
{
	size_t	 i;
	int	 hi, lo;

	if (strlen(s) != SHA256_LEN * 2)
		return false;
	for (i = 0; i < SHA256_LEN; i++) {
		hi = OPENSSL_hexchar2int((unsigned char)s[2 * i]);
		lo = OPENSSL_hexchar2int((unsigned char)s[2 * i + 1]);
		if (hi < 0 || lo < 0 || (s[2 * i] >= 'A' && s[2 * i] <= 'F') ||
		    (s[2 * i + 1] >= 'A' && s[2 * i + 1] <= 'F'))
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

/* see image.h */
enum image_status
image_version_cmp(const char *a, const char *b, int *cmp)
{
	unsigned long	 va[3], vb[3];
	const char	*s[2] = { a, b };
	unsigned long	*v[2] = { va, vb };
	char		*end;
	const char	*p;
	int		 i, k;

	for (k = 0; k < 2; k++) {
		p = s[k];
		if (strlen(p) > IMAGE_VERSION_MAX)
			return IMAGE_ERR_FORMAT;
		for (i = 0; i < 3; i++) {
			if (p[0] < '0' || p[0] > '9' ||
			    (p[0] == '0' && p[1] >= '0' && p[1] <= '9'))
				return IMAGE_ERR_FORMAT;
			errno = 0;
			v[k][i] = strtoul(p, &end, 10);
			if (errno != 0 || v[k][i] > INT32_MAX)
				return IMAGE_ERR_FORMAT;
			if (*end != (i < 2 ? '.' : '\0'))
				return IMAGE_ERR_FORMAT;
			p = end + 1;
		}
	}
	*cmp = 0;
	for (i = 0; i < 3 && *cmp == 0; i++)
		*cmp = va[i] < vb[i] ? -1 : va[i] > vb[i] ? 1 : 0;
	return IMAGE_OK;
}

/* Parse and check manifest.json into img (files without data). */
static enum image_status
manifest_parse(struct image *img, const uint8_t *js, size_t len, char *err,
    size_t err_size)
{
	json_error_t		 je;
	json_t			*root, *files, *f, *v;
	struct image_file	*fi;
	const char		*s;
	enum image_status	 st = IMAGE_ERR_FORMAT;
	size_t			 i, k;
	int			 cmp;

	if ((root = json_loadb((const char *)js, len, JSON_REJECT_DUPLICATES,
	    &je)) == NULL)
		return fail(err, err_size, IMAGE_ERR_FORMAT,
		    "manifest.json: %s (line %d)", je.text, je.line);
	if (!json_is_object(root) ||
	    !json_is_integer(json_object_get(root, "format")) ||
	    json_integer_value(json_object_get(root, "format")) !=
	    IMAGE_FORMAT ||
	    (s = json_string_value(json_object_get(root, "product"))) ==
	    NULL || strcmp(s, IMAGE_PRODUCT) != 0) {
		fail(err, err_size, st, "manifest.json: not format %d of "
		    "product %s", IMAGE_FORMAT, IMAGE_PRODUCT);
		goto fail;
	}
	if ((s = json_string_value(json_object_get(root, "version"))) ==
	    NULL || image_version_cmp(s, s, &cmp) != IMAGE_OK) {
		fail(err, err_size, st, "manifest.json: version is not "
		    "MAJOR.MINOR.PATCH");
		goto fail;
	}
	snprintf(img->im_version, sizeof(img->im_version), "%s", s);
	files = json_object_get(root, "files");
	if (!json_is_array(files) || json_array_size(files) == 0 ||
	    json_array_size(files) > IMAGE_FILES_MAX) {
		fail(err, err_size, st, "manifest.json: files must list 1 to "
		    "%d files", IMAGE_FILES_MAX);
		goto fail;
	}
	img->im_nfiles = 0;
	json_array_foreach(files, i, f) {
		fi = &img->im_files[img->im_nfiles];
		memset(fi, 0, sizeof(*fi));
		if (!json_is_object(f) || json_object_size(f) != 4 ||
		    (s = json_string_value(json_object_get(f, "path"))) ==
		    NULL || !is_file_path(s)) {
			fail(err, err_size, st, "manifest.json: file %zu: bad "
			    "path (bin/, etc/ or share/ NAME)", i);
			goto fail;
		}
		snprintf(fi->if_path, sizeof(fi->if_path), "%s", s);
		for (k = 0; k < img->im_nfiles; k++)
			if (strcmp(img->im_files[k].if_path, s) == 0) {
				fail(err, err_size, st, "manifest.json: %s "
				    "listed twice", s);
				goto fail;
			}
		v = json_object_get(f, "size");
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > (json_int_t)IMAGE_BYTES_MAX) {
			fail(err, err_size, st, "manifest.json: %s: bad size",
			    fi->if_path);
			goto fail;
		}
		fi->if_size = (size_t)json_integer_value(v);
		s = json_string_value(json_object_get(f, "mode"));
		if (s != NULL && strcmp(s, "0755") == 0)
			fi->if_mode = 0755;
		else if (s != NULL && strcmp(s, "0644") == 0)
			fi->if_mode = 0644;
		else {
			fail(err, err_size, st, "manifest.json: %s: mode must "
			    "be 0755 or 0644", fi->if_path);
			goto fail;
		}
		s = json_string_value(json_object_get(f, "sha256"));
		if (s == NULL || !hex32(s, fi->if_sha)) {
			fail(err, err_size, st, "manifest.json: %s: sha256 is "
			    "not 64 lower-case hex digits", fi->if_path);
			goto fail;
		}
		img->im_nfiles++;
	}
	for (k = 0; k < img->im_nfiles; k++)
		if (strcmp(img->im_files[k].if_path, "bin/kmsd") == 0)
			break;
	if (k == img->im_nfiles) {
		fail(err, err_size, st, "manifest.json: no bin/kmsd");
		goto fail;
	}
	st = IMAGE_OK;
 fail:
	json_decref(root);
	return st;
}

static bool
octal(const uint8_t *f, size_t n, uint64_t *out)
{
	size_t	 i = 0;

	*out = 0;
	while (i < n && f[i] == ' ')
		i++;
	if (i == n || f[i] < '0' || f[i] > '7')
		return false;
	for (; i < n && f[i] >= '0' && f[i] <= '7'; i++) {
		if (*out > (UINT64_MAX >> 3))
			return false;
		*out = *out << 3 | (uint64_t)(f[i] - '0');
	}
	return i == n || f[i] == '\0' || f[i] == ' ';
}

/* One ustar header at h: name (prefix/name), type, size.  false: bad. */
static bool
tar_header(const uint8_t *h, char *name, size_t name_size, char *type,
    uint64_t *size)
{
	uint64_t	 want;
	unsigned	 sum = 0;
	size_t		 i, nl, pl;

	if (memcmp(h + 257, "ustar", 5) != 0 || !octal(h + 148, 8, &want))
		return false;
	for (i = 0; i < TAR_BLOCK; i++)
		sum += (i >= 148 && i < 156) ? ' ' : h[i];
	if (sum != want || !octal(h + 124, 12, size))
		return false;
	*type = (char)h[156];
	nl = strnlen((const char *)h, 100);
	pl = strnlen((const char *)h + 345, 155);
	if (pl + 1 + nl >= name_size)
		return false;
	if (pl > 0)
		snprintf(name, name_size, "%.*s/%.*s", (int)pl,
		    (const char *)h + 345, (int)nl, (const char *)h);
	else
		snprintf(name, name_size, "%.*s", (int)nl, (const char *)h);
	return true;
}

static bool
is_zero_block(const uint8_t *b)
{
	size_t	 i;

	for (i = 0; i < TAR_BLOCK; i++)
		if (b[i] != 0)
			return false;
	return true;
}

/* Walk the archive; fills the manifest, signature and file data. */
static enum image_status
tar_walk(struct image *img, char *err, size_t err_size,
    const uint8_t **data, size_t *lens, char names[][IMAGE_PATH_MAX + 1],
    size_t *nentries)
{
	const uint8_t	*p = img->im_raw, *end = img->im_raw + img->im_raw_len;
	char		 name[IMAGE_PATH_MAX + 160], *nm, type;
	uint64_t	 size;
	size_t		 k;

	*nentries = 0;
	for (;;) {
		if ((size_t)(end - p) < TAR_BLOCK)
			return fail(err, err_size, IMAGE_ERR_FORMAT,
			    "archive ends without its end blocks");
		if (is_zero_block(p))
			return IMAGE_OK;
		if (!tar_header(p, name, sizeof(name), &type, &size))
			return fail(err, err_size, IMAGE_ERR_FORMAT,
			    "not a ustar archive (bad header at byte %zu)",
			    (size_t)(p - img->im_raw));
		p += TAR_BLOCK;
		if (size > (uint64_t)(end - p))
			return fail(err, err_size, IMAGE_ERR_FORMAT,
			    "%s: truncated", name);
		nm = name;
		while (strncmp(nm, "./", 2) == 0)
			nm += 2;
		if (type == '5') {		/* a directory: bin/ etc/ */
			if (size != 0)
				return fail(err, err_size, IMAGE_ERR_FORMAT,
				    "%s: directory with data", nm);
			continue;
		}
		if (type != '0' && type != '\0')
			return fail(err, err_size, IMAGE_ERR_FORMAT,
			    "%s: only regular files are allowed (type %c)",
			    nm, type);
		if (strcmp(nm, MANIFEST_NAME) != 0 && strcmp(nm, SIG_NAME) !=
		    0 && !is_file_path(nm))
			return fail(err, err_size, IMAGE_ERR_FORMAT,
			    "%s: not an allowed path", nm);
		if (*nentries == TAR_ENTRIES_MAX)
			return fail(err, err_size, IMAGE_ERR_TOO_BIG,
			    "more than %d entries", TAR_ENTRIES_MAX);
		for (k = 0; k < *nentries; k++)
			if (strcmp(names[k], nm) == 0)
				return fail(err, err_size, IMAGE_ERR_FORMAT,
				    "%s: twice in the archive", nm);
		if ((k = strlen(nm)) > IMAGE_PATH_MAX)
			return fail(err, err_size, IMAGE_ERR_FORMAT,
			    "%s: name too long", nm);
		memcpy(names[*nentries], nm, k + 1);
		data[*nentries] = p;
		lens[*nentries] = (size_t)size;
		(*nentries)++;
		p += (size + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK;
		if (p > end)
			return fail(err, err_size, IMAGE_ERR_FORMAT,
			    "%s: padding truncated", nm);
	}
}

static enum image_status
read_all(const char *path, size_t max, uint8_t **out, size_t *out_len,
    char *err, size_t err_size)
{
	struct stat	 st;
	uint8_t		*b = NULL;
	size_t		 got = 0;
	ssize_t		 n;
	int		 fd;
	enum image_status rc = IMAGE_ERR_IO;

	/* O_NONBLOCK: a FIFO or device is refused below, never waited on. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0)
		return fail(err, err_size, IMAGE_ERR_IO, "%s: %s", path,
		    strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		fail(err, err_size, rc, "%s: not a regular file", path);
		goto fail;
	}
	if ((uint64_t)st.st_size > max) {
		rc = fail(err, err_size, IMAGE_ERR_TOO_BIG, "%s: larger than "
		    "%zu bytes", path, max);
		goto fail;
	}
	if ((b = malloc((size_t)st.st_size + 1)) == NULL) {
		fail(err, err_size, rc, "%s: out of memory", path);
		goto fail;
	}
	while (got < (size_t)st.st_size) {
		n = read(fd, b + got, (size_t)st.st_size - got);
		if (n <= 0) {
			fail(err, err_size, rc, "%s: short read", path);
			goto fail;
		}
		got += (size_t)n;
	}
	*out = b;
	*out_len = got;
	b = NULL;
	rc = IMAGE_OK;
 fail:
	free(b);
	close(fd);
	return rc;
}

/* see image.h */
enum image_status
image_open(const char *path, struct image **out, char *err, size_t err_size)
{
	const uint8_t		*data[TAR_ENTRIES_MAX];
	size_t			 lens[TAR_ENTRIES_MAX], n = 0, i, k;
	char			 names[TAR_ENTRIES_MAX][IMAGE_PATH_MAX + 1];
	uint8_t			 sha[SHA256_LEN];
	struct image		*img;
	enum image_status	 st = IMAGE_ERR_GENERAL;
	bool			 seen[IMAGE_FILES_MAX] = { false };
	size_t			 sig_len = 0;

	*out = NULL;
	if ((img = calloc(1, sizeof(*img))) == NULL)
		return fail(err, err_size, IMAGE_ERR_IO, "out of memory");
	if ((st = read_all(path, IMAGE_BYTES_MAX, &img->im_raw,
	    &img->im_raw_len, err, err_size)) != IMAGE_OK)
		goto fail;
	if ((st = tar_walk(img, err, err_size, data, lens, names, &n)) !=
	    IMAGE_OK)
		goto fail;
	for (i = 0; i < n; i++) {
		if (strcmp(names[i], MANIFEST_NAME) == 0) {
			img->im_manifest = data[i];
			img->im_manifest_len = lens[i];
		} else if (strcmp(names[i], SIG_NAME) == 0) {
			img->im_sig = data[i];
			sig_len = lens[i];
		}
	}
	st = IMAGE_ERR_FORMAT;
	if (img->im_manifest == NULL) {
		fail(err, err_size, st, "no manifest.json");
		goto fail;
	}
	if (img->im_manifest_len > IMAGE_MANIFEST_MAX) {
		st = fail(err, err_size, IMAGE_ERR_TOO_BIG, "manifest.json "
		    "larger than %d bytes", IMAGE_MANIFEST_MAX);
		goto fail;
	}
	if (img->im_sig == NULL) {
		st = fail(err, err_size, IMAGE_ERR_UNSIGNED, "no manifest.sig: "
		    "the image is not signed");
		goto fail;
	}
	if (sig_len != SIG_LEN || !sig_ok(img->im_manifest,
	    img->im_manifest_len, img->im_sig)) {
		st = fail(err, err_size, IMAGE_ERR_SIGNATURE, "the manifest's "
		    "signature does not verify with the release key");
		goto fail;
	}
	/* Only now is the manifest trusted enough to be parsed. */
	if ((st = manifest_parse(img, img->im_manifest, img->im_manifest_len,
	    err, err_size)) != IMAGE_OK)
		goto fail;
	st = IMAGE_ERR_FORMAT;
	for (i = 0; i < n; i++) {
		if (strcmp(names[i], MANIFEST_NAME) == 0 ||
		    strcmp(names[i], SIG_NAME) == 0)
			continue;
		for (k = 0; k < img->im_nfiles; k++)
			if (strcmp(img->im_files[k].if_path, names[i]) == 0)
				break;
		if (k == img->im_nfiles) {
			fail(err, err_size, st, "%s is not in the manifest",
			    names[i]);
			goto fail;
		}
		if (lens[i] != img->im_files[k].if_size ||
		    !sha256(data[i], lens[i], sha) ||
		    memcmp(sha, img->im_files[k].if_sha, SHA256_LEN) != 0) {
			st = fail(err, err_size, IMAGE_ERR_HASH, "%s: size or "
			    "SHA-256 differs from the signed manifest",
			    names[i]);
			goto fail;
		}
		img->im_files[k].if_data = data[i];
		seen[k] = true;
	}
	for (k = 0; k < img->im_nfiles; k++)
		if (!seen[k]) {
			fail(err, err_size, st, "the manifest lists %s, the "
			    "archive does not hold it",
			    img->im_files[k].if_path);
			goto fail;
		}
	*out = img;
	img = NULL;
	st = IMAGE_OK;
 fail:
	image_free(img);
	return st;
}

/* see image.h */
void
image_free(struct image *img)
{
	if (img == NULL)
		return;
	free(img->im_raw);
	free(img);
}

/* see image.h */
const char *
image_version(const struct image *img)
{
	return img->im_version;
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *f)
{
	return remove(path);
}

/* Remove a tree if it exists (no symlinks followed). */
static int
rm_tree(const char *path)
{
	struct stat	 st;

	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : -errno;
	return nftw(path, rm_entry, 8, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -EIO;
}

static void
sync_dir(const char *path)
{
	int	 fd;

	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

static int
write_file(const char *path, const uint8_t *data, size_t len, unsigned mode)
{
	ssize_t	 n;
	int	 fd, rc = -EIO;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    (mode_t)mode)) < 0)
		return -errno;
	while (len > 0) {
		if ((n = write(fd, data, len)) <= 0) {
			rc = n < 0 ? -errno : -EIO;
			goto fail;
		}
		data += n;
		len -= (size_t)n;
	}
	if (fchmod(fd, (mode_t)mode) != 0 || fsync(fd) != 0) {
		rc = -errno;
		goto fail;
	}
	rc = 0;
 fail:
	if (close(fd) != 0 && rc == 0)
		rc = -EIO;
	return rc;
}

/* see image.h */
enum image_status
image_install(const struct image *img, const char *dir, char *err,
    size_t err_size)
{
	char		 tmp[IMAGE_PATH_MAX * 8], old[IMAGE_PATH_MAX * 8];
	char		 path[IMAGE_PATH_MAX * 10], sub[IMAGE_PATH_MAX * 9];
	const char	*subs[] = { "bin", "etc", "share" };
	size_t		 i;
	int		 rc;

	if (strlen(dir) + INSTALL_SUFFIX_MAX >= sizeof(tmp))
		return fail(err, err_size, IMAGE_ERR_IO, "%s: path too long",
		    dir);
	snprintf(tmp, sizeof(tmp), "%s.new", dir);
	snprintf(old, sizeof(old), "%s.old", dir);
	if ((rc = rm_tree(tmp)) != 0 || (rc = rm_tree(old)) != 0)
		return fail(err, err_size, IMAGE_ERR_IO, "cannot clear %s: %s",
		    tmp, strerror(-rc));
	if (mkdir(tmp, 0700) != 0)
		return fail(err, err_size, IMAGE_ERR_IO, "%s: %s", tmp,
		    strerror(errno));
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		snprintf(sub, sizeof(sub), "%s/%s", tmp, subs[i]);
		if (mkdir(sub, 0700) != 0)
			goto fail;
	}
	for (i = 0; i < img->im_nfiles; i++) {
		snprintf(path, sizeof(path), "%s/%s", tmp,
		    img->im_files[i].if_path);
		if ((rc = write_file(path, img->im_files[i].if_data,
		    img->im_files[i].if_size, img->im_files[i].if_mode)) != 0) {
			errno = -rc;
			goto fail;
		}
	}
	snprintf(path, sizeof(path), "%s/%s", tmp, MANIFEST_NAME);
	if ((rc = write_file(path, img->im_manifest, img->im_manifest_len,
	    0644)) != 0) {
		errno = -rc;
		goto fail;
	}
	snprintf(path, sizeof(path), "%s/%s", tmp, SIG_NAME);
	if ((rc = write_file(path, img->im_sig, SIG_LEN, 0644)) != 0) {
		errno = -rc;
		goto fail;
	}
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		snprintf(sub, sizeof(sub), "%s/%s", tmp, subs[i]);
		sync_dir(sub);
	}
	sync_dir(tmp);
	/* The swap: dir -> dir.old, dir.new -> dir, then dir.old goes. */
	if (rename(dir, old) != 0 && errno != ENOENT)
		goto fail;
	if (rename(tmp, dir) != 0) {
		rc = errno;
		(void)rename(old, dir);	/* put the previous slot back */
		errno = rc;
		goto fail;
	}
	snprintf(path, sizeof(path), "%s/..", dir);
	sync_dir(path);
	(void)rm_tree(old);
	return IMAGE_OK;
 fail:
	rc = errno;
	(void)rm_tree(tmp);
	return fail(err, err_size, IMAGE_ERR_IO, "installing into %s: %s",
	    dir, strerror(rc));
}

/* see image.h */
enum image_status
image_verify_dir(const char *dir, char *version, char *err, size_t err_size)
{
	struct image		*img;
	char			 path[IMAGE_PATH_MAX * 10];
	uint8_t			*data = NULL, *sig = NULL;
	uint8_t			 sha[SHA256_LEN];
	size_t			 len = 0, sig_len = 0, i;
	enum image_status	 st = IMAGE_ERR_GENERAL;

	if ((img = calloc(1, sizeof(*img))) == NULL)
		return fail(err, err_size, IMAGE_ERR_IO, "out of memory");
	if (strlen(dir) + IMAGE_PATH_MAX + 2 > sizeof(path)) {
		st = fail(err, err_size, IMAGE_ERR_IO, "%s: too long", dir);
		goto fail;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, MANIFEST_NAME);
	if ((st = read_all(path, IMAGE_MANIFEST_MAX, &img->im_raw,
	    &img->im_raw_len, err, err_size)) != IMAGE_OK)
		goto fail;
	snprintf(path, sizeof(path), "%s/%s", dir, SIG_NAME);
	if ((st = read_all(path, SIG_LEN, &sig, &sig_len, err, err_size)) !=
	    IMAGE_OK) {
		st = IMAGE_ERR_UNSIGNED;
		goto fail;
	}
	if (sig_len != SIG_LEN || !sig_ok(img->im_raw, img->im_raw_len,
	    sig)) {
		st = fail(err, err_size, IMAGE_ERR_SIGNATURE, "%s: the "
		    "manifest's signature does not verify with the release "
		    "key", dir);
		goto fail;
	}
	if ((st = manifest_parse(img, img->im_raw, img->im_raw_len, err,
	    err_size)) != IMAGE_OK)
		goto fail;
	for (i = 0; i < img->im_nfiles; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir,
		    img->im_files[i].if_path);
		free(data);
		data = NULL;
		if ((st = read_all(path, IMAGE_BYTES_MAX, &data, &len, err,
		    err_size)) != IMAGE_OK)
			goto fail;
		if (len != img->im_files[i].if_size || !sha256(data, len,
		    sha) || memcmp(sha, img->im_files[i].if_sha,
		    SHA256_LEN) != 0) {
			st = fail(err, err_size, IMAGE_ERR_HASH, "%s: size or "
			    "SHA-256 differs from the signed manifest", path);
			goto fail;
		}
	}
	if (version != NULL)
		snprintf(version, IMAGE_VERSION_MAX + 1, "%s",
		    img->im_version);
	st = IMAGE_OK;
 fail:
	free(data);
	free(sig);
	image_free(img);
	return st;
}

/* see image.h */
bool
image_key_is_test(void)
{
	return IMAGE_RELEASE_KEY_IS_TEST != 0;
}
