/*
 * cmd_audit.c - audit show [N]: the newest N records of the store's
 * audit trail, oldest first.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

#include "console.h"
#include "console_local.h"

#define AUDIT_CHUNK	64	/* records per store_audit_read */

static console_handler	 cmd_audit_show;

const struct console_cmd cmd_audit_sub[] = {
	{ .name = "show", .help = "the newest N audit records (default 20, "
	  "at most 200)", .usage = "audit show [N]", .min_args = 0,
	  .max_args = 1, .roles = R_AUD, .handler = cmd_audit_show },
	{ .name = NULL }
};

static const char *
kind(const struct store_audit *a)
{
	if (strncmp(a->sa_request_id, "console:", 8) == 0)
		return "console";
	return a->sa_kind == STORE_AUDIT_ISSUED ? "issued" : "refused";
}

static int
cmd_audit_show(struct console *c, int argc, char **argv)
{
	struct store_audit	*ring, *chunk;
	unsigned long		 want = CONSOLE_AUDIT_SHOW_DEF;
	size_t			 n, i, total = 0, first;
	int64_t			 after = 0;
	char			*end;
	int			 rc;

	if (argc == 2) {
		errno = 0;
		want = strtoul(argv[1], &end, 10);
		if (errno != 0 || *end != '\0' || argv[1][0] == '-' ||
		    want == 0 || want > CONSOLE_AUDIT_SHOW_MAX) {
			console_printf(c, "audit show: N must be 1..%d\n",
			    CONSOLE_AUDIT_SHOW_MAX);
			return 1;
		}
	}
	ring = calloc(want, sizeof(*ring));
	chunk = calloc(AUDIT_CHUNK, sizeof(*chunk));
	if (ring == NULL || chunk == NULL) {
		free(ring);
		free(chunk);
		console_printf(c, "audit show: out of memory\n");
		return 1;
	}
	do {
		rc = store_audit_read(console_store(c), after, chunk,
		    AUDIT_CHUNK, &n);
		if (rc != STORE_OK)
			break;
		for (i = 0; i < n; i++) {
			ring[total % want] = chunk[i];
			total++;
			after = chunk[i].sa_id;
		}
	} while (n == AUDIT_CHUNK);
	if (rc != STORE_OK) {
		console_printf(c, "audit show: %s\n", store_strerror(rc));
		free(ring);
		free(chunk);
		return 1;
	}
	first = total > want ? total - want : 0;
	for (i = first; i < total; i++) {
		const struct store_audit *a = &ring[i % want];

		console_printf(c, "%" PRId64 " %" PRId64 " %s subject=%s "
		    "identity=%s period=%" PRId64 " request=%s reason=%s\n",
		    a->sa_id, a->sa_time, kind(a), a->sa_subject,
		    a->sa_identity, a->sa_period_no, a->sa_request_id,
		    a->sa_reason);
	}
	console_printf(c, "%zu of %zu records\n", total - first, total);
	free(ring);
	free(chunk);
	return 0;
}
