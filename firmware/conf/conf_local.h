/*
 * conf_local.h - private to firmware/conf: what conf_set.c needs from
 * conf.c's key table.
 */
#ifndef CONF_LOCAL_H
#define CONF_LOCAL_H

#include <stddef.h>

/*
 * key is "section.name".  0 with the field's offset and size in struct
 * kms_conf and whether it is a list key (domains, key_files); -1 for an
 * unknown key.
 */
int		 conf_key_field(const char *key, size_t *off, size_t *size,
		    int *list);

#endif /* CONF_LOCAL_H */
