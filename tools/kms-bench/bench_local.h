/*
 * bench_local.h - private to tools/kms-bench: one entry per subcommand.
 */
#ifndef BENCH_LOCAL_H
#define BENCH_LOCAL_H

/* kms-bench hsm [-t SECONDS] [-m MODULE]: HMAC, wrap, GCM, ECDSA per
 * second on token and session keys, in a throwaway SoftHSM token. */
int	 bench_hsm_main(int argc, char *argv[]);

#endif /* BENCH_LOCAL_H */
