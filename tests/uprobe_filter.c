// SPDX-License-Identifier: GPL-2.0
/*
 * uprobe_filter: a uprobe perf event bound to a process fires in that
 * process, on every call there, and nowhere else, while events of other
 * processes on the same probe come and go.  That is what the trace_uprobe
 * perf filter (uprobe_perf_filter()) decides on every hit of such an event.
 *
 * One tracefs uprobe event on wb_filter_target() of this program, so that
 * every perf event opened on it shares one trace_uprobe and one filter (a
 * perf event of libbpf's uprobe PMU gets a trace_uprobe of its own).  The
 * processes that call the function in a loop:
 *   A  this process, 2 threads; its event open all along
 *   D  a child; its event open all along
 *   B  a child; a thread of A opens and closes its event in a loop
 *   C  a child that never has an event
 * and E, a child that only waits, whose event is opened and closed beside
 * B's.  Then forks that fail after the child's perf events were inherited
 * (clone3() with a pidfd address that faults, which copy_process() finds
 * only after perf_event_init_task()): the inherited event of an inheriting
 * per-task event is closed for a child that never ran and is freed at once.  The BPF program sits in the event's call, so it runs for every hit
 * the filter lets through, whichever event's process it is in; it counts
 * hits by process.
 *
 *   uprobe_filter [-d SECONDS]
 *
 * Passes (exit 0) when A's and D's hits equal their calls exactly, C and
 * E have none, B has some and no more than its calls (a hit in B while its
 * event is being closed may count), and no other process has any.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <linux/sched.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "uprobe_filter.skel.h"

#define TRACEFS	"/sys/kernel/tracing"

enum { A, B, C, D, E, NR };
static const char *const names = "ABCDE";

__attribute__((noinline, used, visibility("default")))
void wb_filter_target(void)
{
	asm volatile("nop");
}

/* shared with the children: the go and stop flags, and the calls made */
static struct shared {
	atomic_int go, stop;
	atomic_ulong calls[NR];
} *sh;

static int fails;

#define ASSERT(cond, ...) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "uprobe_filter: FAIL: " __VA_ARGS__);	\
		fputc('\n', stderr);					\
		fails++;						\
	}								\
} while (0)

static void call_loop(int who)
{
	while (!atomic_load(&sh->go))
		;
	while (!atomic_load_explicit(&sh->stop, memory_order_relaxed)) {
		wb_filter_target();
		atomic_fetch_add_explicit(&sh->calls[who], 1, memory_order_relaxed);
	}
}

static void *a_thread(void *arg)
{
	call_loop(A);
	return arg;
}

static int event_open_inherit(int id, pid_t pid, int inherit)
{
	struct perf_event_attr attr = {
		.size = sizeof(attr),
		.type = PERF_TYPE_TRACEPOINT,
		.config = id,
		.sample_period = 1,
		.sample_type = PERF_SAMPLE_RAW,
		.inherit = inherit,
	};

	return syscall(SYS_perf_event_open, &attr, pid, -1, -1, PERF_FLAG_FD_CLOEXEC);
}

static int event_open(int id, pid_t pid)
{
	return event_open_inherit(id, pid, 0);
}

/*
 * Forks that fail once the child's perf events are inherited: the pidfd
 * is written to an address that faults.  Returns how many failed so.
 */
static int failed_forks(int n)
{
	struct clone_args args = {
		.flags = CLONE_PIDFD,
		.pidfd = 1,
		.exit_signal = SIGCHLD,
	};
	int i, failed = 0;

	for (i = 0; i < n; i++) {
		long r = syscall(SYS_clone3, &args, sizeof(args));

		if (r == 0)
			_exit(0);
		if (r > 0)
			waitpid(r, NULL, 0);
		else
			failed += errno == EFAULT;
	}
	return failed;
}

static pid_t pids[NR];
static int event_id;
static unsigned long churns;

/* Open and close the events of B and E, a millisecond apart. */
static void *churn_thread(void *arg)
{
	struct timespec ms = { 0, 1000 * 1000 };

	while (!atomic_load(&sh->stop)) {
		int b = event_open(event_id, pids[B]), e = event_open(event_id, pids[E]);

		if (b < 0 || e < 0) {
			/* the children exit once stop is set */
			if (atomic_load(&sh->stop))
				break;
			perror("uprobe_filter: perf_event_open for B or E");
			exit(1);
		}
		nanosleep(&ms, NULL);
		close(b);
		nanosleep(&ms, NULL);
		close(e);
		churns++;
	}
	return arg;
}

/* The file offset of a function of this program, for tracefs. */
static unsigned long file_offset(void *fn)
{
	unsigned long start, end, off, addr = (unsigned long)fn;
	char line[512], perm[8];
	FILE *f = fopen("/proc/self/maps", "r");

	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx %7s %lx", &start, &end, perm, &off) == 4 &&
		    addr >= start && addr < end && perm[2] == 'x') {
			fclose(f);
			return addr - start + off;
		}
	}
	fprintf(stderr, "uprobe_filter: %p is in no executable mapping\n", fn);
	exit(1);
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_APPEND);
	int ok = fd >= 0 && write(fd, s, strlen(s)) == (ssize_t)strlen(s);

	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

int main(int argc, char **argv)
{
	char exe[4096], def[4600], path[256], name[32];
	struct uprobe_filter_bpf *skel;
	struct bpf_link *link;
	pthread_t thr[3];
	int dur = 2, opt, fd_a, fd_d, fd_i, i;
	ssize_t len;
	FILE *f;

	while ((opt = getopt(argc, argv, "d:")) != -1) {
		if (opt != 'd') {
			fprintf(stderr, "usage: %s [-d SECONDS]\n", argv[0]);
			return 2;
		}
		dur = atoi(optarg);
	}
	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len < 0)
		return perror("readlink /proc/self/exe"), 1;
	exe[len] = '\0';
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return perror("mmap"), 1;

	pids[A] = getpid();
	for (i = B; i < NR; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			return perror("fork"), 1;
		if (!pids[i]) {
			if (i == E)
				while (!atomic_load(&sh->stop))
					usleep(1000);
			else
				call_loop(i);
			_exit(0);
		}
	}

	/* the tracefs event, named after this process */
	snprintf(name, sizeof(name), "f%d", (int)getpid());
	snprintf(def, sizeof(def), "p:wb_filter/%s %s:0x%lx\n", name, exe,
		 file_offset(wb_filter_target));
	if (write_file(TRACEFS "/uprobe_events", def)) {
		fprintf(stderr, "uprobe_filter: cannot add '%s' to %s/uprobe_events: %s\n",
			def, TRACEFS, strerror(errno));
		goto kill;
	}
	snprintf(path, sizeof(path), TRACEFS "/events/wb_filter/%s/id", name);
	f = fopen(path, "r");
	if (!f || fscanf(f, "%d", &event_id) != 1) {
		fprintf(stderr, "uprobe_filter: cannot read %s\n", path);
		goto remove;
	}
	fclose(f);

	skel = uprobe_filter_bpf__open_and_load();
	if (!skel) {
		fprintf(stderr, "uprobe_filter: cannot load the BPF program\n");
		goto remove;
	}
	for (i = 0; i < NR; i++)
		skel->bss->pids[i] = pids[i];
	fd_a = event_open(event_id, pids[A]);
	fd_d = event_open(event_id, pids[D]);
	if (fd_a < 0 || fd_d < 0) {
		perror("perf_event_open");
		goto remove;
	}
	link = bpf_program__attach_perf_event(skel->progs.count_by_pid, fd_a);
	if (!link) {
		fprintf(stderr, "uprobe_filter: cannot attach the program: %s\n", strerror(errno));
		goto remove;
	}

	if (pthread_create(&thr[0], NULL, a_thread, NULL) ||
	    pthread_create(&thr[1], NULL, a_thread, NULL) ||
	    pthread_create(&thr[2], NULL, churn_thread, NULL)) {
		fprintf(stderr, "uprobe_filter: pthread_create failed\n");
		goto remove;
	}
	atomic_store(&sh->go, 1);
	sleep(dur);
	atomic_store(&sh->stop, 1);
	for (i = 0; i < 3; i++)
		pthread_join(thr[i], NULL);
	for (i = B; i < NR; i++)
		waitpid(pids[i], NULL, 0);

	for (i = 0; i < NR; i++)
		printf("uprobe_filter: %c (pid %d): %lu calls, %llu hits\n", names[i], (int)pids[i],
		       atomic_load(&sh->calls[i]), (unsigned long long)skel->bss->hits[i]);
	printf("uprobe_filter: elsewhere %llu hits; B's and E's events opened and closed %lu times\n",
	       (unsigned long long)skel->bss->other, churns);
	ASSERT(sh->calls[A] > 0 && skel->bss->hits[A] == sh->calls[A],
	       "A, whose event was open all along: %llu hits for %lu calls",
	       (unsigned long long)skel->bss->hits[A], atomic_load(&sh->calls[A]));
	ASSERT(sh->calls[D] > 0 && skel->bss->hits[D] == sh->calls[D],
	       "D, whose event was open all along: %llu hits for %lu calls",
	       (unsigned long long)skel->bss->hits[D], atomic_load(&sh->calls[D]));
	ASSERT(skel->bss->hits[B] > 0 && skel->bss->hits[B] <= sh->calls[B],
	       "B, whose event came and went: %llu hits for %lu calls",
	       (unsigned long long)skel->bss->hits[B], atomic_load(&sh->calls[B]));
	ASSERT(sh->calls[C] > 0 && !skel->bss->hits[C], "C, with no event: %llu hits",
	       (unsigned long long)skel->bss->hits[C]);
	ASSERT(!skel->bss->hits[E] && !skel->bss->other, "hits in E or elsewhere: %llu, %llu",
	       (unsigned long long)skel->bss->hits[E], (unsigned long long)skel->bss->other);
	ASSERT(churns >= 10, "B's and E's events churned only %lu times", churns);

	/* inherited events of children that never run */
	fd_i = event_open_inherit(event_id, 0, 1);
	ASSERT(fd_i >= 0, "cannot open an inheriting event: %s", strerror(errno));
	if (fd_i >= 0) {
		i = failed_forks(20);
		ASSERT(i == 20, "%d of 20 forks failed with EFAULT after inheriting the event", i);
		printf("uprobe_filter: %d forks failed after inheriting an uprobe event\n", i);
		close(fd_i);
	}

	bpf_link__destroy(link);
	close(fd_a);
	close(fd_d);
	uprobe_filter_bpf__destroy(skel);
	/* a closed event's last reference may go after a grace period: retry */
	snprintf(def, sizeof(def), "-:wb_filter/%s\n", name);
	for (i = 0; i < 100 && write_file(TRACEFS "/uprobe_events", def); i++)
		usleep(50 * 1000);
	ASSERT(i < 100, "cannot remove the tracefs event: %s", strerror(errno));
	printf("uprobe_filter: %s\n", fails ? "FAIL" : "ok");
	return !!fails;

remove:
	snprintf(def, sizeof(def), "-:wb_filter/%s\n", name);
	write_file(TRACEFS "/uprobe_events", def);
kill:
	atomic_store(&sh->stop, 1);
	for (i = B; i < NR; i++)
		waitpid(pids[i], NULL, 0);
	return 1;
}
