/*
 * board_local.h - private to board/: glue between the common files and the
 * board folder compiled in.
 */
#ifndef BOARD_LOCAL_H
#define BOARD_LOCAL_H

#include <stdbool.h>

/* Send log records to fd (-1 = none) and, if to_stderr, to stderr. */
void	 log_open(int fd, bool to_stderr);

#endif /* BOARD_LOCAL_H */
