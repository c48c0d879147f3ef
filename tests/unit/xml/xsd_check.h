/*
 * xsd_check.h - test helpers: parse a document we emitted, validate it
 * against tests/schema/kms-interface.xsd (KMS_XSD), read values by XPath
 * with the prefix "k" bound to the KMS interface namespace.
 *
 * Used by the xml and mcx unit tests.  Not thread safe.
 */
#ifndef XSD_CHECK_H
#define XSD_CHECK_H

#include <stddef.h>

#include <libxml/tree.h>

/* Parse (no network, no entities); NULL when not well-formed. */
xmlDocPtr	 xsd_parse(const char *text, size_t len);

/* 0 when doc is valid against KMS_XSD; else -1 (errors on stderr). */
int		 xsd_validate(xmlDocPtr doc);

/* Parse and validate; returns the document or fails the test. */
xmlDocPtr	 xsd_parse_valid(const char *text, size_t len);

/*
 * The string value of expr, or NULL when it selects nothing; count of
 * nodes selected.  Caller frees the string with xmlFree.
 */
char		*xp_str(xmlDocPtr doc, const char *expr);
int		 xp_count(xmlDocPtr doc, const char *expr);

/* Local names of the element children of the node expr selects, as
 * "A,B,C" into out. */
void		 xp_children(xmlDocPtr doc, const char *expr, char *out,
		    size_t out_size);

#endif /* XSD_CHECK_H */
