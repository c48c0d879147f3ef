/*
 * replay.c - runs fuzz_imessage.c's LLVMFuzzerTestOneInput without
 * libFuzzer, for the normal test suite: each file given, then
 * REPLAY_MUTATIONS deterministic mutations of each (octets changed,
 * inserted, deleted; a fixed xorshift sequence, so a failure repeats).
 *
 * Usage: fuzz_imessage_replay FILE...
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"

#define REPLAY_MUTATIONS	4000

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static uint64_t	 xs = 0x9e3779b97f4a7c15ULL;

static uint32_t
next_rand(void)
{
	xs ^= xs << 13;
	xs ^= xs >> 7;
	xs ^= xs << 17;
	return (uint32_t)(xs >> 16);
}

/* Feeds an exact-size heap copy, as libFuzzer does. */
static void
feed(const uint8_t *p, size_t n)
{
	uint8_t	*d = malloc(n > 0 ? n : 1);

	if (d == NULL)
		abort();
	if (n > 0)
		memcpy(d, p, n);
	LLVMFuzzerTestOneInput(d, n);
	free(d);
}

int
main(int argc, char *argv[])
{
	static uint8_t	 seed[MIKEY_MSG_MAX], buf[MIKEY_MSG_MAX + 1];
	FILE		*f;
	size_t		 n, len, pos, k;
	int		 i;

	for (i = 1; i < argc; i++) {
		if ((f = fopen(argv[i], "rb")) == NULL) {
			perror(argv[i]);
			return 1;
		}
		len = fread(seed, 1, sizeof(seed), f);
		fclose(f);
		feed(seed, len);
		for (n = 0; n < len; n++)
			feed(seed, n);		/* every truncation */
		for (k = 0; k < REPLAY_MUTATIONS; k++) {
			memcpy(buf, seed, len);
			n = len;
			pos = len > 0 ? next_rand() % len : 0;
			switch (next_rand() % 4) {
			case 0:
				memmove(buf + pos + 1, buf + pos, n - pos);
				buf[pos] = (uint8_t)next_rand();
				n++;
				break;
			case 1:
				if (n > 0) {
					memmove(buf + pos, buf + pos + 1,
					    n - pos - 1);
					n--;
				}
				break;
			default:
				if (n > 0)
					buf[pos] ^= (uint8_t)(next_rand() | 1);
				break;
			}
			feed(buf, n);
		}
	}
	printf("replayed %d file(s), %d mutations each\n", argc - 1,
	    REPLAY_MUTATIONS);
	return 0;
}
