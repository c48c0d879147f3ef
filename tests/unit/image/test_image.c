/*
 * test_image.c - firmware/image: the ustar reader, the signature and
 * manifest checks, installation and verification of a slot, version
 * comparison.  Archives are built here byte by byte (ustar headers with
 * their checksum) and signed with the build's test release key
 * (KMS_RELEASE_KEY), so every refusal is reached on purpose.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include "image.h"

#ifndef KMS_RELEASE_KEY
#error "KMS_RELEASE_KEY (the test release private key) must be defined"
#endif

#define BLK	512
#define ARC_MAX	(64 * 1024)

struct arc {
	uint8_t	 b[ARC_MAX];
	size_t	 len;
};

static char	 tmpdir[256];

/* One ustar header + data; type '0' file, '5' dir, '2' symlink. */
static void
arc_add(struct arc *a, const char *name, char type, const void *data,
    size_t len)
{
	uint8_t		*h = a->b + a->len;
	char		 num[32];
	unsigned	 sum = 0;
	size_t		 i;

	assert_true(a->len + BLK + len + BLK <= ARC_MAX);
	memset(h, 0, BLK);
	snprintf((char *)h, 100, "%s", name);
	snprintf((char *)h + 100, 8, "%07o", 0644);
	snprintf((char *)h + 108, 8, "%07o", 0);
	snprintf((char *)h + 116, 8, "%07o", 0);
	snprintf(num, sizeof(num), "%011o", (unsigned)len);
	memcpy(h + 124, num, 11);
	snprintf((char *)h + 136, 12, "%011o", 0);
	h[156] = (uint8_t)type;
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memset(h + 148, ' ', 8);
	for (i = 0; i < BLK; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	a->len += BLK;
	memcpy(a->b + a->len, data, len);
	a->len += (len + BLK - 1) / BLK * BLK;
}

static void
arc_end(struct arc *a)
{
	memset(a->b + a->len, 0, 2 * BLK);
	a->len += 2 * BLK;
}

static void
sign(const char *msg, uint8_t sig[64])
{
	EVP_MD_CTX	*ctx;
	EVP_PKEY	*pk;
	FILE		*f;
	size_t		 n = 64;

	assert_non_null(f = fopen(KMS_RELEASE_KEY, "r"));
	assert_non_null(pk = PEM_read_PrivateKey(f, NULL, NULL, NULL));
	fclose(f);
	assert_non_null(ctx = EVP_MD_CTX_new());
	assert_int_equal(EVP_DigestSignInit(ctx, NULL, NULL, NULL, pk), 1);
	assert_int_equal(EVP_DigestSign(ctx, sig, &n, (const uint8_t *)msg,
	    strlen(msg)), 1);
	assert_int_equal(n, 64);
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pk);
}

static void
hex_sha(const char *data, char out[65])
{
	uint8_t	 d[32];
	int	 i;

	SHA256((const uint8_t *)data, strlen(data), d);
	for (i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* A manifest listing bin/kmsd = kmsd (and bin/x = x when x != NULL). */
static void
manifest(char *out, size_t size, const char *version, const char *kmsd,
    const char *x, const char *mode)
{
	char	 h1[65], h2[65];
	int	 n;

	hex_sha(kmsd, h1);
	n = snprintf(out, size, "{\"format\":1,\"product\":\"kms-appliance\","
	    "\"version\":\"%s\",\"files\":[{\"path\":\"bin/kmsd\",\"size\":%zu,"
	    "\"mode\":\"%s\",\"sha256\":\"%s\"}", version, strlen(kmsd), mode,
	    h1);
	if (x != NULL) {
		hex_sha(x, h2);
		n += snprintf(out + n, size - (size_t)n, ",{\"path\":\"bin/x\","
		    "\"size\":%zu,\"mode\":\"0755\",\"sha256\":\"%s\"}",
		    strlen(x), h2);
	}
	snprintf(out + n, size - (size_t)n, "]}\n");
}

/* Write a and image_open it; returns the status, err filled. */
static enum image_status
open_arc(const struct arc *a, char *err, size_t err_size, char *version)
{
	struct image		*img = NULL;
	char			 path[300];
	enum image_status	 st;
	FILE			*f;

	snprintf(path, sizeof(path), "%s/t.img", tmpdir);
	assert_non_null(f = fopen(path, "wb"));
	assert_int_equal(fwrite(a->b, 1, a->len, f), a->len);
	fclose(f);
	err[0] = '\0';
	st = image_open(path, &img, err, err_size);
	if (st == IMAGE_OK) {
		assert_non_null(img);
		if (version != NULL)
			snprintf(version, IMAGE_VERSION_MAX + 1, "%s",
			    image_version(img));
		image_free(img);
	} else
		assert_null(img);
	return st;
}

/* A signed image: manifest, signature, bin/ and bin/kmsd. */
static void
good(struct arc *a, const char *m, const char *kmsd)
{
	uint8_t	 sig[64];

	a->len = 0;
	sign(m, sig);
	arc_add(a, "manifest.json", '0', m, strlen(m));
	arc_add(a, "manifest.sig", '0', sig, sizeof(sig));
	arc_add(a, "bin/", '5', "", 0);
	arc_add(a, "bin/kmsd", '0', kmsd, strlen(kmsd));
}

static struct arc	 A;

static void
expect(enum image_status want, const char *needle)
{
	char	 err[IMAGE_ERR_MAX];

	assert_int_equal(open_arc(&A, err, sizeof(err), NULL), want);
	if (strstr(err, needle) == NULL)
		fail_msg("error '%s' lacks '%s'", err, needle);
}

static void
test_version_cmp(void **state)
{
	static const char *const bad[] = { "1.0", "1.0.0.0", "01.0.0",
	    "a.b.c", "1.0.-1", "", "1.0.0 ", "1..0", "2147483648.0.0" };
	size_t	 i;
	int	 c;

	(void)state;
	assert_int_equal(image_version_cmp("1.0.0", "1.0.1", &c), IMAGE_OK);
	assert_true(c < 0);
	assert_int_equal(image_version_cmp("1.10.0", "1.9.9", &c), IMAGE_OK);
	assert_true(c > 0);
	assert_int_equal(image_version_cmp("2.0.0", "2.0.0", &c), IMAGE_OK);
	assert_int_equal(c, 0);
	assert_int_equal(image_version_cmp("0.0.0", "0.0.0", &c), IMAGE_OK);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(image_version_cmp(bad[i], "1.0.0", &c),
		    IMAGE_ERR_FORMAT);
		assert_int_equal(image_version_cmp("1.0.0", bad[i], &c),
		    IMAGE_ERR_FORMAT);
	}
}

static void
test_good(void **state)
{
	char	 m[1024], err[IMAGE_ERR_MAX], v[IMAGE_VERSION_MAX + 1];

	(void)state;
	manifest(m, sizeof(m), "1.2.3", "KMSD", NULL, "0755");
	good(&A, m, "KMSD");
	arc_end(&A);
	assert_int_equal(open_arc(&A, err, sizeof(err), v), IMAGE_OK);
	assert_string_equal(v, "1.2.3");
}

static void
test_signature(void **state)
{
	char	 m[1024];
	uint8_t	 sig[64];

	(void)state;
	manifest(m, sizeof(m), "1.2.3", "KMSD", NULL, "0755");
	/* Unsigned. */
	A.len = 0;
	arc_add(&A, "manifest.json", '0', m, strlen(m));
	arc_add(&A, "bin/kmsd", '0', "KMSD", 4);
	arc_end(&A);
	expect(IMAGE_ERR_UNSIGNED, "not signed");
	/* Signed, then the manifest changed (the version). */
	sign(m, sig);
	manifest(m, sizeof(m), "9.2.3", "KMSD", NULL, "0755");
	A.len = 0;
	arc_add(&A, "manifest.json", '0', m, strlen(m));
	arc_add(&A, "manifest.sig", '0', sig, sizeof(sig));
	arc_add(&A, "bin/kmsd", '0', "KMSD", 4);
	arc_end(&A);
	expect(IMAGE_ERR_SIGNATURE, "does not verify with the release key");
	/* A signature of the wrong length. */
	A.len = 0;
	arc_add(&A, "manifest.json", '0', m, strlen(m));
	arc_add(&A, "manifest.sig", '0', sig, 63);
	arc_add(&A, "bin/kmsd", '0', "KMSD", 4);
	arc_end(&A);
	expect(IMAGE_ERR_SIGNATURE, "does not verify");
}

static void
test_files(void **state)
{
	char	 m[1024];

	(void)state;
	manifest(m, sizeof(m), "1.2.3", "KMSD", NULL, "0755");
	/* A file changed after signing. */
	good(&A, m, "KMSE");
	arc_end(&A);
	expect(IMAGE_ERR_HASH, "bin/kmsd: size or SHA-256 differs");
	/* A file the manifest does not list. */
	good(&A, m, "KMSD");
	arc_add(&A, "bin/extra", '0', "E", 1);
	arc_end(&A);
	expect(IMAGE_ERR_FORMAT, "bin/extra is not in the manifest");
	/* A listed file missing from the archive. */
	manifest(m, sizeof(m), "1.2.3", "KMSD", "XX", "0755");
	good(&A, m, "KMSD");
	arc_end(&A);
	expect(IMAGE_ERR_FORMAT, "lists bin/x, the archive does not hold");
	/* The same entry twice. */
	manifest(m, sizeof(m), "1.2.3", "KMSD", NULL, "0755");
	good(&A, m, "KMSD");
	arc_add(&A, "bin/kmsd", '0', "KMSD", 4);
	arc_end(&A);
	expect(IMAGE_ERR_FORMAT, "twice in the archive");
	/* A mode other than 0755 / 0644. */
	manifest(m, sizeof(m), "1.2.3", "KMSD", NULL, "4755");
	good(&A, m, "KMSD");
	arc_end(&A);
	expect(IMAGE_ERR_FORMAT, "mode must be 0755 or 0644");
}

static void
test_manifest(void **state)
{
	static const char *const bad[] = {
		"not json",
		"{\"format\":2,\"product\":\"kms-appliance\",\"version\":"
		    "\"1.0.0\",\"files\":[]}",
		"{\"format\":1,\"product\":\"other\",\"version\":\"1.0.0\","
		    "\"files\":[]}",
		"{\"format\":1,\"product\":\"kms-appliance\",\"version\":"
		    "\"1.0\",\"files\":[]}",
		"{\"format\":1,\"product\":\"kms-appliance\",\"version\":"
		    "\"1.0.0\",\"files\":[]}",
		"{\"format\":1,\"format\":1,\"product\":\"kms-appliance\","
		    "\"version\":\"1.0.0\",\"files\":[]}",
		"{\"format\":1,\"product\":\"kms-appliance\",\"version\":"
		    "\"1.0.0\",\"files\":[{\"path\":\"etc/c\",\"size\":1,"
		    "\"mode\":\"0644\",\"sha256\":\"" "0000000000000000000000"
		    "000000000000000000000000000000000000000000\"}]}",
		"{\"format\":1,\"product\":\"kms-appliance\",\"version\":"
		    "\"1.0.0\",\"files\":[{\"path\":\"../bin/kmsd\",\"size\":1,"
		    "\"mode\":\"0755\",\"sha256\":\"00\"}]}",
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		good(&A, bad[i], "KMSD");
		arc_end(&A);
		expect(IMAGE_ERR_FORMAT, "manifest.json");
	}
}

static void
test_archive(void **state)
{
	static const char *const paths[] = { "../x", "/bin/kmsd",
	    "bin/../kmsd", "lib/x", "bin/.hidden", "bin/a b", "bin/",
	    "bin/sub/x" };
	char	 m[1024];
	size_t	 i;

	(void)state;
	manifest(m, sizeof(m), "1.2.3", "KMSD", NULL, "0755");
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		good(&A, m, "KMSD");
		arc_add(&A, paths[i], '0', "E", 1);
		arc_end(&A);
		expect(IMAGE_ERR_FORMAT, "not an allowed path");
	}
	/* A symbolic link. */
	good(&A, m, "KMSD");
	arc_add(&A, "bin/link", '2', "", 0);
	arc_end(&A);
	expect(IMAGE_ERR_FORMAT, "only regular files");
	/* A header with a wrong checksum. */
	good(&A, m, "KMSD");
	A.b[A.len - 2 * BLK] ^= 1;	/* the name in bin/kmsd's header */
	arc_end(&A);
	expect(IMAGE_ERR_FORMAT, "not a ustar archive");
	/* No end blocks, and data cut short. */
	good(&A, m, "KMSD");
	expect(IMAGE_ERR_FORMAT, "ends without its end blocks");
	A.len = 0;
	arc_add(&A, "manifest.json", '0', m, strlen(m));
	A.len -= BLK;		/* the data block is missing */
	expect(IMAGE_ERR_FORMAT, "truncated");
	/* Not an archive at all. */
	memset(A.b, 'x', 4 * BLK);
	A.len = 4 * BLK;
	expect(IMAGE_ERR_FORMAT, "not a ustar archive");
}

static void
test_install_verify(void **state)
{
	struct image	*img;
	char		 m[1024], err[IMAGE_ERR_MAX], dir[300], path[400];
	char		 v[IMAGE_VERSION_MAX + 1];
	struct stat	 st;
	FILE		*f;

	(void)state;
	manifest(m, sizeof(m), "3.0.1", "KMSD", NULL, "0755");
	good(&A, m, "KMSD");
	arc_end(&A);
	snprintf(path, sizeof(path), "%s/t.img", tmpdir);
	assert_non_null(f = fopen(path, "wb"));
	assert_int_equal(fwrite(A.b, 1, A.len, f), A.len);
	fclose(f);
	assert_int_equal(image_open(path, &img, err, sizeof(err)), IMAGE_OK);
	snprintf(dir, sizeof(dir), "%s/slot", tmpdir);
	/* Twice: the second replaces the first. */
	assert_int_equal(image_install(img, dir, err, sizeof(err)), IMAGE_OK);
	assert_int_equal(image_install(img, dir, err, sizeof(err)), IMAGE_OK);
	image_free(img);
	snprintf(path, sizeof(path), "%s/bin/kmsd", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0755);
	snprintf(path, sizeof(path), "%s.new", dir);
	assert_int_not_equal(stat(path, &st), 0);
	assert_int_equal(image_verify_dir(dir, v, err, sizeof(err)),
	    IMAGE_OK);
	assert_string_equal(v, "3.0.1");
	/* A byte changed on disk. */
	snprintf(path, sizeof(path), "%s/bin/kmsd", dir);
	assert_non_null(f = fopen(path, "w"));
	fputs("KMSX", f);
	fclose(f);
	assert_int_equal(image_verify_dir(dir, v, err, sizeof(err)),
	    IMAGE_ERR_HASH);
	/* No signature. */
	snprintf(path, sizeof(path), "%s/manifest.sig", dir);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(image_verify_dir(dir, v, err, sizeof(err)),
	    IMAGE_ERR_UNSIGNED);
	/* An empty slot. */
	snprintf(dir, sizeof(dir), "%s/none", tmpdir);
	assert_int_not_equal(image_verify_dir(dir, v, err, sizeof(err)),
	    IMAGE_OK);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/kms-image-XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	char	 cmd[400];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int
main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version_cmp),
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_signature),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_manifest),
		cmocka_unit_test(test_archive),
		cmocka_unit_test(test_install_verify),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, setup, teardown);
}
