// SPDX-License-Identifier: GPL-2.0
/*
 * uprobe_count: run a command with a BPF uprobe on one function and print
 * how many times it was hit; what a user of libbpf writes first.
 *
 *   uprobe_count [-n EXPECTED] BINARY FUNCTION -- COMMAND [ARG...]
 *
 * The uprobe is attached to the command's process only (by pid, before it
 * execs), through libbpf's bpf_program__attach_uprobe_opts() with the
 * function's name.  With -n, exits 1 unless the count is exactly EXPECTED.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "uprobe_count.skel.h"

static int usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-n EXPECTED] BINARY FUNCTION -- COMMAND [ARG...]\n", prog);
	return 2;
}

int main(int argc, char **argv)
{
	LIBBPF_OPTS(bpf_uprobe_opts, opts);
	long long expected = -1;
	struct uprobe_count_bpf *skel;
	int go[2], status, opt, err;
	const char *binary, *func;
	pid_t pid;
	char c = 0;

	while ((opt = getopt(argc, argv, "n:")) != -1) {
		if (opt != 'n')
			return usage(argv[0]);
		expected = atoll(optarg);
	}
	if (argc - optind < 3)
		return usage(argv[0]);
	binary = argv[optind];
	func = argv[optind + 1];
	argv += optind + 2;

	if (pipe(go))
		return perror("pipe"), 1;
	pid = fork();
	if (pid < 0)
		return perror("fork"), 1;
	if (pid == 0) {
		/* Wait until the probe is attached, then become the command. */
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(127);
		execvp(argv[0], argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(go[0]);

	skel = uprobe_count_bpf__open_and_load();
	if (!skel) {
		fprintf(stderr, "uprobe_count: cannot load the BPF program: %s\n", strerror(errno));
		goto fail;
	}
	opts.func_name = func;
	skel->links.count_hit = bpf_program__attach_uprobe_opts(skel->progs.count_hit,
								pid, binary, 0, &opts);
	if (!skel->links.count_hit) {
		fprintf(stderr, "uprobe_count: cannot attach to %s:%s: %s\n",
			binary, func, strerror(errno));
		goto fail;
	}

	if (write(go[1], &c, 1) != 1)
		return perror("write"), 1;
	close(go[1]);
	if (waitpid(pid, &status, 0) != pid)
		return perror("waitpid"), 1;

	printf("uprobe_count: %s:%s hit %llu times in pid %d (%s %d)\n", binary, func,
	       (unsigned long long)skel->bss->hits, pid,
	       WIFEXITED(status) ? "exit status" : "signal",
	       WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	err = !WIFEXITED(status) || WEXITSTATUS(status);
	if (expected >= 0 && skel->bss->hits != (unsigned long long)expected) {
		fprintf(stderr, "uprobe_count: FAIL: expected %lld hits, got %llu\n",
			expected, (unsigned long long)skel->bss->hits);
		err = 1;
	}
	uprobe_count_bpf__destroy(skel);
	return err;

fail:
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	uprobe_count_bpf__destroy(skel);
	return 1;
}
