/*
 * p11fault - a test-only PKCS#11 module that wraps a real one (SoftHSMv2)
 * and injects failures, to prove that hsm/, kms-provision and kmsd fail
 * cleanly and recover.  Never part of the product.
 *
 * Environment:
 *   P11FAULT_MODULE  the real module (default: SoftHSMv2's)
 *   P11FAULT_CTL     a control file, re-read whenever it changes:
 *                      "ok"                 pass everything through
 *                      "fail N [CKR]"       fail the Nth wrapped call
 *                                           (counted from when the file
 *                                           changed), once
 *                      "down [CKR]"         fail every wrapped call
 *                      "logout"             log the application out of
 *                                           the token once (on the next
 *                                           C_GetSessionInfo), as a
 *                                           token that lost its login
 *                    CKR is "removed" (CKR_DEVICE_REMOVED, default),
 *                    "session" (CKR_SESSION_HANDLE_INVALID), "error"
 *                    (CKR_DEVICE_ERROR) or "general" (CKR_GENERAL_ERROR).
 *   P11FAULT_COUNT   a file that receives the number of wrapped calls
 *                    made since the control file last changed.
 *
 * Wrapped: every call that touches the token after C_Initialize; the
 * library-level calls (C_Initialize, C_Finalize, C_GetInfo,
 * C_GetFunctionList) pass through, so a module can still be loaded.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <p11-kit/pkcs11.h>

#define P11FAULT_DEFAULT_MODULE	"/usr/lib/softhsm/libsofthsm2.so"

static pthread_mutex_t	 mtx = PTHREAD_MUTEX_INITIALIZER;
static CK_FUNCTION_LIST	*real;
static CK_FUNCTION_LIST	 wrapped;
static struct timespec	 ctl_mtime;
static unsigned long	 calls;
static unsigned long	 fail_at;	/* 0 = none */
static int		 down;
static int		 logout_pending;
static CK_RV		 fail_rv = CKR_DEVICE_REMOVED;

static CK_RV
rv_of(const char *s)
{
	if (s == NULL || strncmp(s, "removed", 7) == 0)
		return CKR_DEVICE_REMOVED;
	if (strncmp(s, "session", 7) == 0)
		return CKR_SESSION_HANDLE_INVALID;
	if (strncmp(s, "error", 5) == 0)
		return CKR_DEVICE_ERROR;
	return CKR_GENERAL_ERROR;
}

/* Re-read the control file if it changed (caller holds mtx). */
static void
ctl_reload(void)
{
	const char	*path = getenv("P11FAULT_CTL");
	struct stat	 st;
	char		 line[128] = "", word[32] = "", code[32] = "";
	unsigned long	 n = 0;
	FILE		*f;

	if (path == NULL || stat(path, &st) != 0)
		return;
	if (st.st_mtim.tv_sec == ctl_mtime.tv_sec &&
	    st.st_mtim.tv_nsec == ctl_mtime.tv_nsec)
		return;
	ctl_mtime = st.st_mtim;
	calls = 0;
	fail_at = 0;
	down = 0;
	logout_pending = 0;
	if ((f = fopen(path, "r")) == NULL)
		return;
	if (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "fail %lu %31s", &n, code) >= 1) {
			fail_at = n;
			fail_rv = rv_of(code[0] ? code : NULL);
		} else if (sscanf(line, "%31s %31s", word, code) >= 1 &&
		    strcmp(word, "down") == 0) {
			down = 1;
			fail_rv = rv_of(code[0] ? code : NULL);
		} else if (strcmp(word, "logout") == 0)
			logout_pending = 1;
	}
	fclose(f);
}

static CK_RV
fault(void)
{
	const char	*cpath = getenv("P11FAULT_COUNT");
	CK_RV		 rv = CKR_OK;
	FILE		*f;

	pthread_mutex_lock(&mtx);
	ctl_reload();
	calls++;
	if (down || (fail_at != 0 && calls == fail_at))
		rv = fail_rv;
	if (cpath != NULL && (f = fopen(cpath, "w")) != NULL) {
		fprintf(f, "%lu\n", calls);
		fclose(f);
	}
	pthread_mutex_unlock(&mtx);
	return rv;
}

#define WRAP(name, params, args)					\
static CK_RV								\
w_##name params								\
{									\
	CK_RV	 rv;							\
									\
	if ((rv = fault()) != CKR_OK)					\
		return rv;						\
	return real->name args;						\
}

WRAP(C_GetSlotList, (CK_BBOOL p, CK_SLOT_ID *l, CK_ULONG *c), (p, l, c))
WRAP(C_GetTokenInfo, (CK_SLOT_ID s, CK_TOKEN_INFO *i), (s, i))
WRAP(C_OpenSession, (CK_SLOT_ID s, CK_FLAGS f, void *a, CK_NOTIFY n,
    CK_SESSION_HANDLE *h), (s, f, a, n, h))
WRAP(C_CloseSession, (CK_SESSION_HANDLE h), (h))
static CK_RV
w_C_GetSessionInfo(CK_SESSION_HANDLE h, CK_SESSION_INFO *i)
{
	CK_RV	 rv;
	int	 lo;

	if ((rv = fault()) != CKR_OK)
		return rv;
	pthread_mutex_lock(&mtx);
	lo = logout_pending;
	logout_pending = 0;
	pthread_mutex_unlock(&mtx);
	if (lo)
		(void)real->C_Logout(h);
	return real->C_GetSessionInfo(h, i);
}
WRAP(C_Login, (CK_SESSION_HANDLE h, CK_USER_TYPE u, CK_UTF8CHAR *p,
    CK_ULONG l), (h, u, p, l))
WRAP(C_CreateObject, (CK_SESSION_HANDLE h, CK_ATTRIBUTE *t, CK_ULONG c,
    CK_OBJECT_HANDLE *o), (h, t, c, o))
WRAP(C_DestroyObject, (CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o), (h, o))
WRAP(C_GetAttributeValue, (CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o,
    CK_ATTRIBUTE *t, CK_ULONG c), (h, o, t, c))
WRAP(C_SetAttributeValue, (CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o,
    CK_ATTRIBUTE *t, CK_ULONG c), (h, o, t, c))
WRAP(C_FindObjectsInit, (CK_SESSION_HANDLE h, CK_ATTRIBUTE *t, CK_ULONG c),
    (h, t, c))
WRAP(C_FindObjects, (CK_SESSION_HANDLE h, CK_OBJECT_HANDLE *o, CK_ULONG m,
    CK_ULONG *c), (h, o, m, c))
WRAP(C_FindObjectsFinal, (CK_SESSION_HANDLE h), (h))
WRAP(C_EncryptInit, (CK_SESSION_HANDLE h, CK_MECHANISM *m,
    CK_OBJECT_HANDLE k), (h, m, k))
WRAP(C_Encrypt, (CK_SESSION_HANDLE h, CK_BYTE *d, CK_ULONG l, CK_BYTE *o,
    CK_ULONG *ol), (h, d, l, o, ol))
WRAP(C_DecryptInit, (CK_SESSION_HANDLE h, CK_MECHANISM *m,
    CK_OBJECT_HANDLE k), (h, m, k))
WRAP(C_Decrypt, (CK_SESSION_HANDLE h, CK_BYTE *d, CK_ULONG l, CK_BYTE *o,
    CK_ULONG *ol), (h, d, l, o, ol))
WRAP(C_SignInit, (CK_SESSION_HANDLE h, CK_MECHANISM *m, CK_OBJECT_HANDLE k),
    (h, m, k))
WRAP(C_Sign, (CK_SESSION_HANDLE h, CK_BYTE *d, CK_ULONG l, CK_BYTE *s,
    CK_ULONG *sl), (h, d, l, s, sl))
WRAP(C_GenerateKey, (CK_SESSION_HANDLE h, CK_MECHANISM *m, CK_ATTRIBUTE *t,
    CK_ULONG c, CK_OBJECT_HANDLE *k), (h, m, t, c, k))
WRAP(C_GenerateKeyPair, (CK_SESSION_HANDLE h, CK_MECHANISM *m,
    CK_ATTRIBUTE *pt, CK_ULONG pc, CK_ATTRIBUTE *st, CK_ULONG sc,
    CK_OBJECT_HANDLE *pk, CK_OBJECT_HANDLE *sk), (h, m, pt, pc, st, sc, pk, sk))
WRAP(C_WrapKey, (CK_SESSION_HANDLE h, CK_MECHANISM *m, CK_OBJECT_HANDLE w,
    CK_OBJECT_HANDLE k, CK_BYTE *o, CK_ULONG *ol), (h, m, w, k, o, ol))
WRAP(C_UnwrapKey, (CK_SESSION_HANDLE h, CK_MECHANISM *m, CK_OBJECT_HANDLE u,
    CK_BYTE *w, CK_ULONG wl, CK_ATTRIBUTE *t, CK_ULONG c,
    CK_OBJECT_HANDLE *k), (h, m, u, w, wl, t, c, k))
WRAP(C_GenerateRandom, (CK_SESSION_HANDLE h, CK_BYTE *o, CK_ULONG l),
    (h, o, l))

static CK_RV w_C_GetFunctionList(CK_FUNCTION_LIST **out);

static int
load_real(void)
{
	const char		*path = getenv("P11FAULT_MODULE");
	CK_C_GetFunctionList	 get;
	void			*dl;

	if (real != NULL)
		return 0;
	if (path == NULL)
		path = P11FAULT_DEFAULT_MODULE;
	if ((dl = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL)
		return -1;
	if ((get = (CK_C_GetFunctionList)dlsym(dl, "C_GetFunctionList")) ==
	    NULL || get(&real) != CKR_OK)
		return -1;
	wrapped = *real;
	wrapped.C_GetFunctionList = w_C_GetFunctionList;
#define SET(name)	wrapped.name = w_##name
	SET(C_GetSlotList);
	SET(C_GetTokenInfo);
	SET(C_OpenSession);
	SET(C_CloseSession);
	SET(C_GetSessionInfo);
	SET(C_Login);
	SET(C_CreateObject);
	SET(C_DestroyObject);
	SET(C_GetAttributeValue);
	SET(C_SetAttributeValue);
	SET(C_FindObjectsInit);
	SET(C_FindObjects);
	SET(C_FindObjectsFinal);
	SET(C_EncryptInit);
	SET(C_Encrypt);
	SET(C_DecryptInit);
	SET(C_Decrypt);
	SET(C_SignInit);
	SET(C_Sign);
	SET(C_GenerateKey);
	SET(C_GenerateKeyPair);
	SET(C_WrapKey);
	SET(C_UnwrapKey);
	SET(C_GenerateRandom);
#undef SET
	return 0;
}

static CK_RV
w_C_GetFunctionList(CK_FUNCTION_LIST **out)
{
	CK_RV	 rv = CKR_OK;

	pthread_mutex_lock(&mtx);
	if (load_real() != 0)
		rv = CKR_GENERAL_ERROR;
	else
		*out = &wrapped;
	pthread_mutex_unlock(&mtx);
	return rv;
}

CK_RV C_GetFunctionList(CK_FUNCTION_LIST **out);

CK_RV
C_GetFunctionList(CK_FUNCTION_LIST **out)
{
	return w_C_GetFunctionList(out);
}
