/*
 * ctgrind.h - constant-time checks with valgrind's memcheck (the
 * "ctgrind" technique of Adam Langley, 2010): a secret is marked as
 * undefined memory, so memcheck reports every conditional jump, memory
 * address or system-call argument that depends on it ("Conditional jump
 * or move depends on uninitialised value(s)", "Use of uninitialised
 * value").  Straight-line arithmetic on it (including CMOV) is silent.
 *
 * Usage, in a program run as `valgrind --error-exitcode=1 prog`:
 *	CT_SECRET(key, sizeof(key));
 *	st = derive(key, ..., out);
 *	CT_PUBLIC(&st, sizeof(st));	results the caller may branch on
 *	CT_PUBLIC(out, sizeof(out));
 * Declassify only values that are public by design (a status, an output
 * that is released).  Hash or library calls on secrets that are not ours
 * to check should be kept out of the marked region.  Outside valgrind the
 * macros are no-ops (they expand to client requests that do nothing).
 */
#ifndef CTGRIND_H
#define CTGRIND_H

#include <valgrind/memcheck.h>

#define CT_SECRET(p, len)	((void)VALGRIND_MAKE_MEM_UNDEFINED((p), (len)))
#define CT_PUBLIC(p, len)	((void)VALGRIND_MAKE_MEM_DEFINED((p), (len)))
#define CT_UNDER_VALGRIND()	(RUNNING_ON_VALGRIND != 0)

#endif /* CTGRIND_H */
