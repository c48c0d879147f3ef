/*
 * image.h - the signed firmware image: verify it, install it into a slot,
 * verify an installed slot before it boots.
 *
 * An image (tools/mkimage) is a POSIX ustar archive of:
 *   manifest.json  {"format":1, "product":"kms-appliance",
 *                   "version":"MAJOR.MINOR.PATCH",
 *                   "files":[{"path":"bin/kmsd", "size":N,
 *                             "mode":"0755", "sha256":"<64 hex>"}, ...]}
 *   manifest.sig   the raw 64-byte Ed25519 signature (RFC 8032) of
 *                  manifest.json's exact bytes by the release key
 *   the files      regular files under bin/, etc/ or share/, each listed
 *                  in the manifest exactly once, bin/kmsd required
 * Nothing else is accepted: no links, devices, absolute paths, "..",
 * duplicates, unlisted files, or files missing from the archive.  The
 * release public key is built into the program (KMS_RELEASE_PUBKEY at
 * configure time; a test key made in the build directory by default).
 *
 * Who calls it: the console's update command and the boot stage
 * (tools/kms-boot).  Not thread safe per struct image; no secret is
 * handled (the release key is public).
 */
#ifndef IMAGE_H
#define IMAGE_H

#include <stdbool.h>
#include <stddef.h>

/* Limits. */
#define IMAGE_BYTES_MAX		(128u * 1024 * 1024)	/* whole image */
#define IMAGE_FILES_MAX		32	/* files in the manifest */
#define IMAGE_MANIFEST_MAX	65536	/* bytes of manifest.json */
#define IMAGE_PATH_MAX		100	/* a file's path (ustar name field) */
#define IMAGE_VERSION_MAX	32	/* "MAJOR.MINOR.PATCH" */
#define IMAGE_ERR_MAX		256	/* the message of a refusal */
#define IMAGE_PRODUCT		"kms-appliance"
#define IMAGE_FORMAT		1

/* Status values; start at IMAGE_ERR_GENERAL (fail closed). */
enum image_status {
	IMAGE_OK		=  0,
	IMAGE_ERR_GENERAL	= -1,
	IMAGE_ERR_IO		= -2,	/* cannot read or write */
	IMAGE_ERR_FORMAT	= -3,	/* not an image (archive or manifest) */
	IMAGE_ERR_UNSIGNED	= -4,	/* no manifest.sig */
	IMAGE_ERR_SIGNATURE	= -5,	/* signature not by the release key */
	IMAGE_ERR_HASH		= -6,	/* a file differs from the manifest */
	IMAGE_ERR_TOO_BIG	= -7,	/* over one of the limits above */
};

struct image;

/*
 * Read the image at path and verify it: archive format, signature of
 * manifest.json with the built-in release key, manifest, and every
 * file's size and SHA-256.  Returns IMAGE_OK and *out (image_free it), or
 * a status with a one-line reason in err (err_size bytes).
 */
enum image_status image_open(const char *path, struct image **out,
		    char *err, size_t err_size);
void		 image_free(struct image *img);	/* NULL is a no-op */

/*
 * True when the built-in release key is the TEST key a development build
 * generates (no KMS_RELEASE_PUBKEY): kmsd says so at boot and `firmware
 * show` prints it; a Release build refuses to configure without a key.
 */
bool		 image_key_is_test(void);

/* The verified manifest's version string. */
const char	*image_version(const struct image *img);

/*
 * Install the verified image into dir: the files, manifest.json and
 * manifest.sig are written into dir.new (synced), then dir.new replaces
 * dir.  Returns IMAGE_OK or IMAGE_ERR_IO with the reason in err.
 */
enum image_status image_install(const struct image *img, const char *dir,
		    char *err, size_t err_size);

/*
 * Verify an installed slot as image_open verifies an image: signature of
 * dir/manifest.json, then every listed file's size and SHA-256.  version
 * (IMAGE_VERSION_MAX + 1 bytes, may be NULL) receives the version.
 */
enum image_status image_verify_dir(const char *dir, char *version,
		    char *err, size_t err_size);

/*
 * Compare two versions "MAJOR.MINOR.PATCH" (decimal, each < 2^31, no
 * leading zeros): *cmp < 0, 0, > 0.  Returns IMAGE_OK or
 * IMAGE_ERR_FORMAT for a malformed version.
 */
enum image_status image_version_cmp(const char *a, const char *b, int *cmp);

/* The words of enum image_status ("signature not by the release key"). */
const char	*image_strerror(enum image_status st);

#endif /* IMAGE_H */
