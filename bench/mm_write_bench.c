// SPDX-License-Identifier: GPL-2.0
/*
 * mm_write_bench: the mmap write-lock paths, to show that the series costs
 * nothing where the mm is written.  One thread, a fixed duration, prints
 * "RESULT <name> 1 <M ops/s>" like bench/guest-bench.sh expects.
 *
 *   mm_write_bench mm-mmap-munmap|mm-mprotect|mm-fault SECONDS
 *
 * mm-mmap-munmap  mmap + munmap of 64 KiB anonymous memory (one op = both)
 * mm-mprotect     mprotect of 64 KiB in the middle of a 1 MiB mapping, to
 *                 read-only and back (splits and merges VMAs; one op = both)
 * mm-fault        first-touch page faults on anonymous memory (one op = one
 *                 fault; the region is unmapped and mapped again per 4 MiB)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define SZ_64K	(64 << 10)
#define SZ_1M	(1 << 20)
#define SZ_4M	(4 << 20)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	return p;
}

/* Each returns the number of operations done in one batch. */
static long batch_mmap_munmap(void)
{
	for (int i = 0; i < 256; i++)
		munmap(map(SZ_64K), SZ_64K);
	return 256;
}

static char *mprot_region;

static long batch_mprotect(void)
{
	char *mid = mprot_region + SZ_1M / 2;

	for (int i = 0; i < 256; i++) {
		if (mprotect(mid, SZ_64K, PROT_READ) ||
		    mprotect(mid, SZ_64K, PROT_READ | PROT_WRITE)) {
			perror("mprotect");
			exit(1);
		}
	}
	return 256;
}

static long batch_fault(void)
{
	long page = sysconf(_SC_PAGESIZE), n = 0;
	char *p = map(SZ_4M);

	/* Keep THP out of it: one fault per base page. */
	madvise(p, SZ_4M, MADV_NOHUGEPAGE);
	for (long off = 0; off < SZ_4M; off += page, n++)
		p[off] = 1;
	munmap(p, SZ_4M);
	return n;
}

int main(int argc, char **argv)
{
	long (*batch)(void);
	double dur, t0, t;
	long ops = 0;

	if (argc != 3)
		goto usage;
	dur = atof(argv[2]);
	if (!strcmp(argv[1], "mm-mmap-munmap")) {
		batch = batch_mmap_munmap;
	} else if (!strcmp(argv[1], "mm-mprotect")) {
		mprot_region = map(SZ_1M);
		memset(mprot_region, 1, SZ_1M);
		batch = batch_mprotect;
	} else if (!strcmp(argv[1], "mm-fault")) {
		batch = batch_fault;
	} else {
		goto usage;
	}

	/* One second of warm-up, as the selftests bench does with -w1. */
	for (t0 = now(); now() - t0 < 1;)
		batch();
	t0 = now();
	do {
		ops += batch();
		t = now() - t0;
	} while (t < dur);
	printf("RESULT %s 1 %.6f\n", argv[1], ops / t / 1e6);
	return 0;

usage:
	fprintf(stderr, "usage: %s mm-mmap-munmap|mm-mprotect|mm-fault SECONDS\n", argv[0]);
	return 2;
}
