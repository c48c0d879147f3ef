/*
 * conf_set.c - one key of the configuration file changed in place, for
 * the console's config set (see conf.h): the file is edited as text so
 * that comments stay, checked whole by conf_load, then swapped in
 * atomically.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "conf_local.h"

/* The keys read per request: applied without a restart. */
static const char *const conf_live_keys[] = {
	"log.level", "kms.keyprov_past_periods", "kms.keyprov_future_periods",
	"security.request_window", "security.require_trk",
};

static bool
is_live(const char *key)
{
	size_t	 i;

	for (i = 0; i < sizeof(conf_live_keys) / sizeof(conf_live_keys[0]);
	    i++)
		if (strcmp(key, conf_live_keys[i]) == 0)
			return true;
	return false;
}

/* A value that reads back as itself. */
static const char *
value_problem(const char *v)
{
	size_t	 i, n = strlen(v);

	if (n > CONF_STR_MAX - 1)
		return "too long";
	for (i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return "control character";
	if (n > 0 && (v[0] == ' ' || v[0] == '\t' || v[n - 1] == ' ' ||
	    v[n - 1] == '\t'))
		return "blanks at the start or end";
	if (v[0] == ';' || v[0] == '#' || strstr(v, " ;") != NULL ||
	    strstr(v, "\t;") != NULL)
		return "would start a comment (;)";
	return NULL;
}

static int
read_all(const char *path, char **out, size_t *len, mode_t *mode)
{
	struct stat	 st;
	char		*buf;
	ssize_t		 n;
	size_t		 got = 0;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	if (fstat(fd, &st) != 0 || st.st_size > CONF_FILE_MAX) {
		close(fd);
		return -EFBIG;
	}
	*mode = st.st_mode & 0777;
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		return -ENOMEM;
	}
	while (got < (size_t)st.st_size &&
	    (n = read(fd, buf + got, (size_t)st.st_size - got)) > 0)
		got += (size_t)n;
	close(fd);
	buf[got] = '\0';
	*out = buf;
	*len = got;
	return 0;
}

/* Does line (ending at '\n' or NUL) set name?  The separator '=' or ':'. */
static bool
line_sets(const char *line, const char *name)
{
	size_t	 n = strlen(name);

	while (*line == ' ' || *line == '\t')
		line++;
	if (strncmp(line, name, n) != 0)
		return false;
	line += n;
	while (*line == ' ' || *line == '\t')
		line++;
	return *line == '=' || *line == ':';
}

/* The section a "[name]" line opens, into out; false for other lines. */
static bool
line_section(const char *line, char *out, size_t size)
{
	const char	*e;

	while (*line == ' ' || *line == '\t')
		line++;
	if (*line != '[' || (e = strchr(line, ']')) == NULL ||
	    (size_t)(e - line - 1) >= size)
		return false;
	memcpy(out, line + 1, (size_t)(e - line - 1));
	out[e - line - 1] = '\0';
	return true;
}

/*
 * The new text into *out: old with the key's line replaced or added.
 * An inline comment (" ;...") of the replaced line is kept.
 */
static int
edit(const char *old, const char *section, const char *name,
    const char *value, char **out)
{
	char		 cur[64] = "", kv[CONF_STR_MAX + 80];
	const char	*p = old, *eol, *cmt, *at = NULL, *after = NULL;
	const char	*keep = "";
	size_t		 cap, o = 0, klen, klen2;
	int		 keeplen = 0;
	char		*buf;

	for (p = old; *p != '\0'; p = *eol != '\0' ? eol + 1 : eol) {
		eol = strchr(p, '\n');
		if (eol == NULL)
			eol = p + strlen(p);
		if (line_section(p, cur, sizeof(cur))) {
			if (strcmp(cur, section) == 0 && after == NULL)
				after = *eol != '\0' ? eol + 1 : eol;
			continue;
		}
		if (strcmp(cur, section) == 0 && line_sets(p, name)) {
			at = p;
			break;
		}
	}
	klen = (size_t)snprintf(kv, sizeof(kv), "%s = %s", name, value);
	if (klen >= sizeof(kv))
		return -E2BIG;
	cap = strlen(old) + klen + strlen(section) + 16 + CONF_STR_MAX;
	if ((buf = malloc(cap)) == NULL)
		return -ENOMEM;
	if (at != NULL) {
		eol = strchr(at, '\n');
		if (eol == NULL)
			eol = at + strlen(at);
		if ((cmt = strstr(at, " ;")) != NULL && cmt < eol) {
			keep = cmt;
			keeplen = (int)(eol - cmt);
		}
		memcpy(buf, old, (size_t)(at - old));
		o = (size_t)(at - old);
		klen2 = (size_t)snprintf(buf + o, cap - o, "%s%.*s", kv,
		    keeplen, keep);
		o += klen2;
		snprintf(buf + o, cap - o, "%s", eol);
	} else if (after != NULL) {
		memcpy(buf, old, (size_t)(after - old));
		o = (size_t)(after - old);
		if (o > 0 && buf[o - 1] != '\n')
			buf[o++] = '\n';
		o += (size_t)snprintf(buf + o, cap - o, "%s\n", kv);
		snprintf(buf + o, cap - o, "%s", after);
	} else {
		o = (size_t)snprintf(buf, cap, "%s", old);
		if (o > 0 && buf[o - 1] != '\n')
			buf[o++] = '\n';
		snprintf(buf + o, cap - o, "\n[%s]\n%s\n", section, kv);
	}
	*out = buf;
	return 0;
}

static int
write_file(const char *path, const char *text, mode_t mode)
{
	size_t	 len = strlen(text), done = 0;
	ssize_t	 n;
	int	 fd, rc = 0;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    mode)) < 0)
		return -errno;
	while (done < len && (n = write(fd, text + done, len - done)) > 0)
		done += (size_t)n;
	if (done != len || fsync(fd) != 0)
		rc = -EIO;
	if (close(fd) != 0 && rc == 0)
		rc = -errno;
	return rc;
}

static void
fsync_dir(const char *path)
{
	char	 d[CONF_STR_MAX + 8];
	int	 fd;

	snprintf(d, sizeof(d), "%s", path);
	if ((fd = open(dirname(d), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return;
	(void)fsync(fd);
	close(fd);
}

/* see conf.h */
int
conf_set(const char *path, const char *key, const char *value,
    struct kms_conf *fresh, bool *live, char *err, size_t err_size)
{
	char		 section[32], tmp[CONF_STR_MAX + 8], why[CONF_ERR_MAX];
	const char	*dot, *prob;
	char		*old = NULL, *text = NULL;
	size_t		 off, size, len;
	mode_t		 mode = 0600;
	int		 list, rc, status = -1;

	err[0] = '\0';
	if ((dot = strchr(key, '.')) == NULL ||
	    conf_key_field(key, &off, &size, &list) != 0) {
		snprintf(err, err_size, "%s: unknown key (section.name, as "
		    "config show lists them)", key);
		return -1;
	}
	if (list) {
		snprintf(err, err_size, "%s: a list; config set does not "
		    "change lists (edit the file with a new image)", key);
		return -1;
	}
	if ((prob = value_problem(value)) != NULL) {
		snprintf(err, err_size, "%s: bad value: %s", key, prob);
		return -1;
	}
	if ((size_t)(dot - key) >= sizeof(section) ||
	    strlen(path) + 5 > sizeof(tmp)) {
		snprintf(err, err_size, "%s: path or key too long", key);
		return -1;
	}
	memcpy(section, key, (size_t)(dot - key));
	section[dot - key] = '\0';
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((rc = read_all(path, &old, &len, &mode)) != 0) {
		snprintf(err, err_size, "%s: %s", path, strerror(-rc));
		goto out;
	}
	if ((rc = edit(old, section, dot + 1, value, &text)) != 0) {
		snprintf(err, err_size, "%s: %s", key, strerror(-rc));
		goto out;
	}
	if ((rc = write_file(tmp, text, mode)) != 0) {
		snprintf(err, err_size, "%s: %s", tmp, strerror(-rc));
		goto out;
	}
	/* the same rules as at boot, on the whole new file */
	if (conf_load(tmp, fresh, why, sizeof(why)) != 0) {
		snprintf(err, err_size, "%s", why);
		goto out;
	}
	if (rename(tmp, path) != 0) {
		snprintf(err, err_size, "%s: %s", path, strerror(errno));
		goto out;
	}
	fsync_dir(path);
	*live = is_live(key);
	status = 0;
out:
	if (status != 0)
		unlink(tmp);
	free(old);
	free(text);
	return status;
}

/* see conf.h */
int
conf_apply_live(struct kms_conf *live, const struct kms_conf *fresh,
    const char *key)
{
	size_t	 off, size;
	int	 list;

	if (!is_live(key) || conf_key_field(key, &off, &size, &list) != 0)
		return -1;
	memcpy((char *)live + off, (const char *)fresh + off, size);
	return 0;
}
