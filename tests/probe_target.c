// SPDX-License-Identifier: GPL-2.0
/*
 * probe_target: call wb_probe_me() an exact number of times, from one or
 * more threads, so that a uprobe on it has a known hit count.
 *
 *   probe_target CALLS [THREADS]	total calls = CALLS * THREADS
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static long calls;

/* The probed function: not inlined, not cloned, kept as a symbol. */
__attribute__((noinline, used, visibility("default")))
long wb_probe_me(long x)
{
	asm volatile("" : "+r"(x));
	return x + 1;
}

static void *worker(void *arg)
{
	long i, sum = 0;

	(void)arg;

	for (i = 0; i < calls; i++)
		sum += wb_probe_me(i);
	return (void *)sum;
}

int main(int argc, char **argv)
{
	int i, nthreads = argc > 2 ? atoi(argv[2]) : 1;
	pthread_t *tids;

	calls = argc > 1 ? atol(argv[1]) : 1000;
	if (calls < 0 || nthreads < 1) {
		fprintf(stderr, "usage: %s CALLS [THREADS]\n", argv[0]);
		return 2;
	}
	tids = calloc(nthreads, sizeof(*tids));
	if (!tids)
		return 1;
	for (i = 0; i < nthreads; i++)
		if (pthread_create(&tids[i], NULL, worker, NULL)) {
			perror("pthread_create");
			return 1;
		}
	for (i = 0; i < nthreads; i++)
		pthread_join(tids[i], NULL);
	free(tids);
	return 0;
}
