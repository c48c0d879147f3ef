/*
 * test_headers.c - compile-time check that ticket.h (mk_ / MK_, the MIKEY
 * codec) and crypto.h (mikey_ / MIKEY_, the MIKEY-SAKKE I_MESSAGE) can be
 * included in one translation unit, as the KMS and the tools will.
 */
#include "crypto.h"
#include "ticket.h"

_Static_assert(MK_VERSION == MIKEY_VERSION, "one MIKEY version");
_Static_assert(MK_PT_SAKKE == MIKEY_TYPE_SAKKE, "one payload numbering");
