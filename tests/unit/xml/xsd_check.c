/*
 * xsd_check.c - test helpers (see xsd_check.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <libxml/parser.h>
#include <libxml/xmlschemas.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "xsd_check.h"

#ifndef KMS_XSD
#error "KMS_XSD (tests/schema/kms-interface.xsd) must be defined"
#endif

#define NS_KMS	"urn:3gpp:ns:mcsecKMSInterface:1.0"

static xmlSchemaPtr	 schema;

xmlDocPtr
xsd_parse(const char *text, size_t len)
{
	return xmlReadMemory(text, (int)len, "response.xml", NULL,
	    XML_PARSE_NONET | XML_PARSE_NOBLANKS);
}

int
xsd_validate(xmlDocPtr doc)
{
	xmlSchemaParserCtxtPtr	 pctx;
	xmlSchemaValidCtxtPtr	 vctx;
	int			 rc;

	if (schema == NULL) {
		pctx = xmlSchemaNewParserCtxt(KMS_XSD);
		if (pctx == NULL)
			return -1;
		schema = xmlSchemaParse(pctx);
		xmlSchemaFreeParserCtxt(pctx);
		if (schema == NULL) {
			fprintf(stderr, "cannot load %s\n", KMS_XSD);
			return -1;
		}
	}
	vctx = xmlSchemaNewValidCtxt(schema);
	if (vctx == NULL)
		return -1;
	rc = xmlSchemaValidateDoc(vctx, doc);
	xmlSchemaFreeValidCtxt(vctx);
	return rc == 0 ? 0 : -1;
}

xmlDocPtr
xsd_parse_valid(const char *text, size_t len)
{
	xmlDocPtr	 doc;

	doc = xsd_parse(text, len);
	if (doc == NULL)
		fail_msg("not well-formed XML:\n%.*s", (int)len, text);
	if (xsd_validate(doc) != 0)
		fail_msg("not valid against %s:\n%.*s", KMS_XSD, (int)len,
		    text);
	return doc;
}

static xmlXPathObjectPtr
xp_eval(xmlDocPtr doc, const char *expr)
{
	xmlXPathContextPtr	 ctx;
	xmlXPathObjectPtr	 obj;

	ctx = xmlXPathNewContext(doc);
	assert_non_null(ctx);
	assert_int_equal(xmlXPathRegisterNs(ctx, BAD_CAST "k",
	    BAD_CAST NS_KMS), 0);
	obj = xmlXPathEvalExpression(BAD_CAST expr, ctx);
	xmlXPathFreeContext(ctx);
	assert_non_null(obj);
	return obj;
}

char *
xp_str(xmlDocPtr doc, const char *expr)
{
	xmlXPathObjectPtr	 obj;
	char			*s = NULL;

	obj = xp_eval(doc, expr);
	if (obj->nodesetval != NULL && obj->nodesetval->nodeNr > 0)
		s = (char *)xmlNodeGetContent(obj->nodesetval->nodeTab[0]);
	xmlXPathFreeObject(obj);
	return s;
}

int
xp_count(xmlDocPtr doc, const char *expr)
{
	xmlXPathObjectPtr	 obj;
	int			 n = 0;

	obj = xp_eval(doc, expr);
	if (obj->nodesetval != NULL)
		n = obj->nodesetval->nodeNr;
	xmlXPathFreeObject(obj);
	return n;
}

void
xp_children(xmlDocPtr doc, const char *expr, char *out, size_t out_size)
{
	xmlXPathObjectPtr	 obj;
	xmlNodePtr		 n;
	size_t			 len = 0;

	out[0] = '\0';
	obj = xp_eval(doc, expr);
	if (obj->nodesetval != NULL && obj->nodesetval->nodeNr > 0)
		for (n = obj->nodesetval->nodeTab[0]->children; n != NULL;
		    n = n->next) {
			if (n->type != XML_ELEMENT_NODE)
				continue;
			/* A child outside the KMS namespace is "?name". */
			snprintf(out + len, out_size - len, "%s%s%s",
			    len > 0 ? "," : "", n->ns != NULL &&
			    strcmp((const char *)n->ns->href, NS_KMS) == 0 ?
			    "" : "?", (const char *)n->name);
			len = strlen(out);
		}
	xmlXPathFreeObject(obj);
}
