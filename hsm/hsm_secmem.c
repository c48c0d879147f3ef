/*
 * hsm_secmem.c - a small locked arena for secrets held outside the token.
 *
 * One process-wide arena of HSM_SECMEM_SIZE bytes, mmap'd between two
 * PROT_NONE guard pages, mlock'd and marked MADV_DONTDUMP.  Allocation is
 * first fit over fixed granules of HSM_SECMEM_GRANULE bytes (a byte map,
 * plus the run length at the first granule of each allocation).  Freed
 * memory is wiped before it can be handed out again.  All under one mutex.
 */
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "board.h"
#include "hsm_local.h"

#define HSM_SECMEM_SIZE		(64 * 1024)	/* arena bytes */
#define HSM_SECMEM_GRANULE	32		/* allocation unit, bytes */
#define HSM_SECMEM_NGRAN	(HSM_SECMEM_SIZE / HSM_SECMEM_GRANULE)

static pthread_once_t	 sm_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t	 sm_mtx = PTHREAD_MUTEX_INITIALIZER;
static enum hsm_status	 sm_status = HSM_ERR_MEMORY;
static uint8_t		*sm_base;		/* first usable byte */
static uint8_t		 sm_used[HSM_SECMEM_NGRAN];	/* in use */
static uint16_t		 sm_run[HSM_SECMEM_NGRAN];	/* run len */
static size_t		 sm_inuse;		/* bytes allocated */

static void
secmem_setup(void)
{
	uint8_t	*map;
	size_t	 page, total;

	page = (size_t)sysconf(_SC_PAGESIZE);
	total = HSM_SECMEM_SIZE + 2 * page;
	map = mmap(NULL, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED) {
		log_warn("%s: mmap", __func__);
		return;
	}
	if (mprotect(map + page, HSM_SECMEM_SIZE, PROT_READ | PROT_WRITE)
	    == -1) {
		log_warn("%s: mprotect", __func__);
		goto fail;
	}
	if (madvise(map + page, HSM_SECMEM_SIZE, MADV_DONTDUMP) == -1) {
		log_warn("%s: madvise", __func__);
		goto fail;
	}
	if (mlock(map + page, HSM_SECMEM_SIZE) == -1) {
		log_warn("%s: mlock", __func__);
		goto fail;
	}
	sm_base = map + page;
	sm_status = HSM_OK;
	return;
 fail:
	munmap(map, total);
}

/* see hsm_local.h */
enum hsm_status
hsm_secmem_init(void)
{
	pthread_once(&sm_once, secmem_setup);
	return sm_status;
}

/* see hsm.h */
void *
hsm_secmem_alloc(size_t len)
{
	size_t	 need, i, run;
	void	*p = NULL;

	if (len == 0 || len > HSM_SECMEM_SIZE)
		return NULL;
	if (hsm_secmem_init() != HSM_OK)
		return NULL;
	need = (len + HSM_SECMEM_GRANULE - 1) / HSM_SECMEM_GRANULE;

	pthread_mutex_lock(&sm_mtx);
	run = 0;
	for (i = 0; i < HSM_SECMEM_NGRAN; i++) {
		if (sm_used[i]) {
			run = 0;
			continue;
		}
		if (++run == need)
			break;
	}
	if (run == need) {
		i = i + 1 - need;
		memset(&sm_used[i], 1, need);
		sm_run[i] = (uint16_t)need;
		sm_inuse += need * HSM_SECMEM_GRANULE;
		p = sm_base + i * HSM_SECMEM_GRANULE;
	}
	pthread_mutex_unlock(&sm_mtx);
	return p;
}

/* see hsm.h */
void
hsm_secmem_free(void *p, size_t len)
{
	uintptr_t	 off;
	size_t		 i, need;

	if (p == NULL)
		return;
	if (sm_base == NULL || (uint8_t *)p < sm_base ||
	    (uint8_t *)p >= sm_base + HSM_SECMEM_SIZE)
		fatalx("%s: pointer outside the arena", __func__);
	off = (uintptr_t)((uint8_t *)p - sm_base);
	if (off % HSM_SECMEM_GRANULE != 0)
		fatalx("%s: misaligned pointer", __func__);
	i = off / HSM_SECMEM_GRANULE;

	pthread_mutex_lock(&sm_mtx);
	need = sm_run[i];
	if (!sm_used[i] || need == 0 || len > need * HSM_SECMEM_GRANULE) {
		pthread_mutex_unlock(&sm_mtx);
		fatalx("%s: not an allocation of that size", __func__);
	}
	/* wipe: the whole run, whatever len the caller used */
	OPENSSL_cleanse(p, need * HSM_SECMEM_GRANULE);
	memset(&sm_used[i], 0, need);
	sm_run[i] = 0;
	sm_inuse -= need * HSM_SECMEM_GRANULE;
	pthread_mutex_unlock(&sm_mtx);
}

/* see hsm.h */
size_t
hsm_secmem_used(void)
{
	size_t	 n;

	pthread_mutex_lock(&sm_mtx);
	n = sm_inuse;
	pthread_mutex_unlock(&sm_mtx);
	return n;
}

/* see hsm_local.h */
void
hsm_secmem_wipe_all(void)
{
	pthread_mutex_lock(&sm_mtx);
	if (sm_base != NULL)
		OPENSSL_cleanse(sm_base, HSM_SECMEM_SIZE);
	pthread_mutex_unlock(&sm_mtx);
}
