/*
 * tfile.h - file and xmlsec1 helpers for tests that work in a directory of
 * their own (implemented in hsm_fixture.c, library hsm_fixture).
 */
#ifndef TFILE_H
#define TFILE_H

#include <stddef.h>

/*
 * Files and xmlsec1 in a test's directory (assert on any I/O failure):
 *   tfile_write  write len bytes of d to dir/name
 *   tfile_read   read at most size bytes of dir/name into d; the count
 *   txmlsec      run xmlsec1 with args (a printf format) in dir, its
 *                output appended to dir/xmlsec.log; its exit code.  The
 *                test is skipped when xmlsec1 is not installed.
 */
#define TXMLSEC		"/usr/bin/xmlsec1"

void	 tfile_write(const char *dir, const char *name, const void *d,
	    size_t len);
size_t	 tfile_read(const char *dir, const char *name, void *d, size_t size);
int	 txmlsec(const char *dir, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#endif /* TFILE_H */
