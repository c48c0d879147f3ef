/*
 * buf.c - bounded growable buffer (see board.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "board.h"

#define BUF_MIN_CAP	256

/* see board.h */
void
buf_init(struct buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->b_max = max;
}

static int
buf_grow(struct buf *b, size_t need)
{
	size_t	 cap;
	char	*p;

	if (need + 1 <= b->b_cap)
		return 0;
	if (need > b->b_max)
		return -E2BIG;
	cap = b->b_cap ? b->b_cap : BUF_MIN_CAP;
	while (cap < need + 1)
		cap *= 2;
	if (cap > b->b_max + 1)
		cap = b->b_max + 1;
	/* Not realloc: the old block is wiped before it is released. */
	if ((p = malloc(cap)) == NULL)
		return -ENOMEM;
	if (b->b_data != NULL) {
		memcpy(p, b->b_data, b->b_len + 1);
		OPENSSL_cleanse(b->b_data, b->b_cap);
		free(b->b_data);
	}
	b->b_data = p;
	b->b_cap = cap;
	return 0;
}

/* see board.h */
int
buf_add(struct buf *b, const void *data, size_t len)
{
	int	 rc;

	if (len > b->b_max || b->b_len > b->b_max - len)
		return -E2BIG;
	if ((rc = buf_grow(b, b->b_len + len)) != 0)
		return rc;
	if (len > 0)
		memcpy(b->b_data + b->b_len, data, len);
	b->b_len += len;
	b->b_data[b->b_len] = '\0';
	return 0;
}

/* see board.h */
int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;
	char	 small[256];
	char	*big = NULL;
	int	 n, rc;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n < sizeof(small))
		return buf_add(b, small, (size_t)n);
	if ((big = malloc((size_t)n + 1)) == NULL)
		return -ENOMEM;
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	rc = buf_add(b, big, (size_t)n);
	free(big);
	return rc;
}

/* see board.h */
void
buf_reset(struct buf *b)
{
	if (b->b_data != NULL) {
		OPENSSL_cleanse(b->b_data, b->b_cap);
		b->b_data[0] = '\0';
	}
	b->b_len = 0;
}

/* see board.h */
void
buf_free(struct buf *b)
{
	if (b->b_data != NULL) {
		OPENSSL_cleanse(b->b_data, b->b_cap);
		free(b->b_data);
	}
	b->b_data = NULL;
	b->b_len = b->b_cap = 0;
}
