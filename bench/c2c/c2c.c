// SPDX-License-Identifier: GPL-2.0
/*
 * c2c: a QEMU TCG plugin that counts the cache lines guest kernel code
 * shares between vCPUs, for the uprobe benchmark (bench/uprobe_c2c.c).
 *
 * What a hit costs on many CPUs is decided less by its instruction count
 * than by the cache lines it writes that other CPUs also write: each such
 * write moves the line between caches, and on one line those moves
 * serialize.  Under emulation that can be counted exactly, on any host.
 *
 * The window.  Nothing is counted until a guest program executes the
 * marker "nopl 0x43320001(%rax)" (0f 1f 80 01 00 32 43, a 7-byte nop to
 * the CPU), and counting stops at "nopl 0x43320002(%rax)".  Before the
 * open marker the program gives the window its ID (1..65535), which it
 * prints beside its own results: "nopl 0x43320100+B(%rax)" sets bit B.
 * Windows do not overlap: an open marker while a window is open abandons
 * that window (its program died before closing it, say) and says so.
 *
 * What is counted.  Every load and store made by an instruction whose
 * address lies in the upper (kernel) half of the address space, by
 * physical 64-byte line (I/O accesses are left out).  For each line the
 * window keeps the set of vCPUs that wrote it, and a MESI-like model of
 * which vCPUs hold a copy: a store leaves only its vCPU holding the line,
 * a load adds its vCPU.  Per instruction (PC) and line it counts:
 *   r, w     loads and stores
 *   sr, sw   loads and stores of a line that another vCPU also stored to
 *            in the window, at least 1/100 as often as the line's busiest
 *            writer (so that a line written once by a remote CPU does not
 *            make every store of its owner shared; its transfers show it)
 *   xr       loads that had to fetch the line: the loading vCPU held no
 *            copy and another vCPU had written it in the window
 *   xw       stores that took the line from another vCPU's cache: another
 *            vCPU held a copy (had read or written it since this vCPU's
 *            last store); as in mtrace, these are the transfers
 * An atomic read-modify-write reaches the plugin as one access, a store.
 * Classification into sr/sw happens when the window closes, against the
 * per-vCPU store counts of the whole window; xr/xw as the accesses happen.
 *
 * When the window closes, its counts are written to the output file:
 *   window N vcpus V
 *   pc ADDR r w sr sw xr xw           one line per kernel PC with accesses
 *   line PADDR WRITERS REGULAR r w sr sw xr xw TOP_PC  the most-shared lines
 *   by VCPU PC r w xr xw              who accessed the first 16 of them
 *   vcpu V accesses A                 the accesses each vCPU made
 *   end N accesses A unresolved U dropped D
 * unresolved: accesses whose physical address the TLB no longer had;
 * dropped: accesses a full table could not take (the run is then void).
 *
 *   qemu-system-x86_64 ... -plugin build/c2c/libc2c.so,out=FILE
 *
 * Context: callbacks run in the vCPU threads of multi-threaded TCG, at the
 * same time.  The line table is split into stripes, each with a spinlock;
 * the (PC, line) counts are per vCPU and touched only by their vCPU's
 * thread.  Closing a window clears a flag and then waits until no vCPU is
 * inside a callback (each callback publishes that it is with a seq_cst
 * store before it reads the flag again), so the dump reads quiescent
 * tables; a new window bumps a generation number instead of clearing them.
 */
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <qemu-plugin.h>

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

#define MAX_VCPUS	32
#define LINE_SHIFT	6
#define STRIPES		256
#define STRIPE_BITS	13		/* 2^13 lines a stripe, 2M lines in all */
#define ACC_BITS	20		/* (PC, line) pairs a vCPU */
#define TOP_LINES	64
#define TOP_DETAIL	16		/* lines whose accesses are listed by PC */
#define REGULAR		100		/* see dump_window() */
#define MARK_OPEN	0x43320001u
#define MARK_CLOSE	0x43320002u
#define MARK_ID_BIT	0x43320100u	/* + bit 0..15 */

struct line {
	uint64_t key;			/* line number + 1 */
	uint32_t gen;
	uint32_t writers;		/* vCPUs that stored to it */
	uint32_t holders;		/* vCPUs holding a copy */
};

struct stripe {
	pthread_spinlock_t lock;
	struct line *lines;
};

struct acc {
	uint64_t pc, key;		/* key: line number + 1 */
	uint32_t gen;
	uint32_t r, w, xr, xw;
};

struct vcpu {
	_Atomic int busy;
	struct acc *acc;
	uint64_t unresolved, dropped, accesses;
} __attribute__((aligned(64)));

static struct stripe stripes[STRIPES];
static struct vcpu vcpus[MAX_VCPUS];
static _Atomic int active;
static uint32_t gen;
static int nvcpus, window, next_id;
static pthread_mutex_t mark_lock = PTHREAD_MUTEX_INITIALIZER;
static FILE *out;

static inline uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	return x ^ (x >> 33);
}

/* The line's entry in this window, created if new; stripe lock held. */
static struct line *line_get(struct stripe *s, uint64_t key, uint64_t h)
{
	uint32_t mask = (1u << STRIPE_BITS) - 1, i = (h >> 8) & mask, n;

	for (n = 0; n <= mask; n++, i = (i + 1) & mask) {
		struct line *l = &s->lines[i];

		if (l->gen != gen) {
			l->key = key;
			l->gen = gen;
			l->writers = l->holders = 0;
			return l;
		}
		if (l->key == key)
			return l;
	}
	return NULL;
}

static struct acc *acc_get(struct vcpu *v, uint64_t pc, uint64_t key)
{
	uint32_t mask = (1u << ACC_BITS) - 1, n;
	uint32_t i = mix(pc * 31 + key) & mask;

	for (n = 0; n <= mask; n++, i = (i + 1) & mask) {
		struct acc *a = &v->acc[i];

		if (a->gen != gen) {
			memset(a, 0, sizeof(*a));
			a->pc = pc;
			a->key = key;
			a->gen = gen;
			return a;
		}
		if (a->pc == pc && a->key == key)
			return a;
	}
	return NULL;
}

static void mem_cb(unsigned int cpu, qemu_plugin_meminfo_t info,
		   uint64_t vaddr, void *udata)
{
	struct vcpu *v = &vcpus[cpu];
	struct qemu_plugin_hwaddr *hw;
	bool store = qemu_plugin_mem_is_store(info);
	uint32_t me = 1u << cpu;
	uint64_t key, h;
	struct stripe *s;
	struct line *l;
	struct acc *a;
	bool xfer;

	if (!atomic_load_explicit(&active, memory_order_relaxed))
		return;
	/* Dekker with close_window(): publish, then look at the flag again. */
	atomic_store(&v->busy, 1);
	if (!atomic_load(&active))
		goto out;
	v->accesses++;
	hw = qemu_plugin_get_hwaddr(info, vaddr);
	if (!hw) {
		v->unresolved++;
		goto out;
	}
	if (qemu_plugin_hwaddr_is_io(hw))
		goto out;
	key = (qemu_plugin_hwaddr_phys_addr(hw) >> LINE_SHIFT) + 1;
	h = mix(key);
	s = &stripes[h % STRIPES];

	pthread_spin_lock(&s->lock);
	l = line_get(s, key, h);
	if (!l) {
		pthread_spin_unlock(&s->lock);
		v->dropped++;
		goto out;
	}
	if (store) {
		xfer = l->holders & ~me;
		l->holders = me;
		l->writers |= me;
	} else {
		xfer = !(l->holders & me) && (l->writers & ~me);
		l->holders |= me;
	}
	pthread_spin_unlock(&s->lock);

	a = acc_get(v, (uintptr_t)udata, key);
	if (!a) {
		v->dropped++;
		goto out;
	}
	if (store) {
		a->w++;
		a->xw += xfer;
	} else {
		a->r++;
		a->xr += xfer;
	}
out:
	atomic_store_explicit(&v->busy, 0, memory_order_release);
}

struct pcsum {
	uint64_t r, w, sr, sw, xr, xw;
};

struct linesum {
	uint64_t key;
	uint32_t writers;		/* vCPUs that stored to it */
	uint32_t regular;		/* the writers that count: see dump_window() */
	struct pcsum c;
	uint64_t top_pc, top_n;
	uint32_t stores[MAX_VCPUS];
};

static void add(struct pcsum *t, const struct acc *a, bool shared)
{
	t->r += a->r;
	t->w += a->w;
	t->xr += a->xr;
	t->xw += a->xw;
	if (shared) {
		t->sr += a->r;
		t->sw += a->w;
	}
}

static int by_shared(const void *x, const void *y)
{
	const struct linesum *a = *(struct linesum *const *)x;
	const struct linesum *b = *(struct linesum *const *)y;
	uint64_t ka = a->c.sw + a->c.xw + a->c.xr, kb = b->c.sw + b->c.xw + b->c.xr;

	return ka < kb ? 1 : ka > kb ? -1 : (a->key > b->key) - (a->key < b->key);
}

/* An open-addressing table of N (a power of two) entries of SIZE bytes
 * whose first member is a nonzero uint64_t key; the entry for KEY. */
static void *slot(void *tab, size_t size, uint64_t n, uint64_t key)
{
	uint64_t i = mix(key) & (n - 1);

	for (;; i = (i + 1) & (n - 1)) {
		uint64_t *e = (uint64_t *)((char *)tab + i * size);

		if (*e == key || !*e) {
			*e = key;
			return e;
		}
	}
}

/* Who touched a line: "by VCPU PC r w xr xw", one line each. */
static void line_detail(uint64_t key)
{
	int c;
	uint32_t i;

	for (c = 0; c < nvcpus; c++)
		for (i = 0; i < (1u << ACC_BITS); i++) {
			struct acc *a = &vcpus[c].acc[i];

			if (a->gen == gen && a->key == key)
				fprintf(out, "by %d 0x%" PRIx64 " %u %u %u %u\n", c, a->pc,
					a->r, a->w, a->xr, a->xw);
		}
}

struct pcent {
	uint64_t pc;
	struct pcsum c;
};

/* Classify and write the window out; the tables are quiescent. */
static void dump_window(void)
{
	uint64_t accesses = 0, unresolved = 0, dropped = 0, entries = 0, n = 1, i;
	struct linesum *lines, **top;
	struct pcent *pcs;
	int c, ntop = 0;

	for (c = 0; c < nvcpus; c++)
		for (i = 0; i < (1u << ACC_BITS); i++)
			entries += vcpus[c].acc[i].gen == gen;
	while (n < 2 * entries + 2)
		n <<= 1;
	pcs = calloc(n, sizeof(*pcs));
	lines = calloc(n, sizeof(*lines));
	if (!pcs || !lines) {
		fprintf(out, "# window %d: no memory for the dump\n", window);
		free(pcs);
		free(lines);
		return;
	}
	/* pass 1: who stored to each line, how often */
	for (c = 0; c < nvcpus; c++) {
		struct vcpu *v = &vcpus[c];

		accesses += v->accesses;
		unresolved += v->unresolved;
		dropped += v->dropped;
		for (i = 0; i < (1u << ACC_BITS); i++) {
			struct acc *a = &v->acc[i];
			struct linesum *ls;

			if (a->gen != gen)
				continue;
			ls = slot(lines, sizeof(*lines), n, a->key);
			ls->stores[c] += a->w;
			if (a->w)
				ls->writers |= 1u << c;
		}
	}
	/*
	 * A writer counts when it stored to the line at least 1/REGULAR as
	 * often as the line's busiest writer: a per-CPU line that another
	 * CPU stores to once in the window (a remote update of a per-CPU
	 * counter, false sharing with a rarely written neighbour) moves once,
	 * not once per hit; its transfers (xw, xr) still show it.
	 */
	for (i = 0; i < n; i++) {
		struct linesum *ls = &lines[i];
		uint32_t most = 0;

		if (!ls->key)
			continue;
		for (c = 0; c < nvcpus; c++)
			most = ls->stores[c] > most ? ls->stores[c] : most;
		for (c = 0; c < nvcpus; c++)
			if (ls->stores[c] && (uint64_t)ls->stores[c] * REGULAR >= most)
				ls->regular |= 1u << c;
	}
	/* pass 2: an access is shared when another vCPU is a writer that counts */
	for (c = 0; c < nvcpus; c++) {
		for (i = 0; i < (1u << ACC_BITS); i++) {
			struct acc *a = &vcpus[c].acc[i];
			struct pcent *p;
			struct linesum *ls;
			bool shared;

			if (a->gen != gen)
				continue;
			ls = slot(lines, sizeof(*lines), n, a->key);
			shared = ls->regular & ~(1u << c);
			p = slot(pcs, sizeof(*pcs), n, a->pc);
			add(&p->c, a, shared);
			add(&ls->c, a, shared);
			if (a->w + a->r > ls->top_n) {
				ls->top_n = a->w + a->r;
				ls->top_pc = a->pc;
			}
		}
	}

	fprintf(out, "window %d vcpus %d\n", window, nvcpus);
	for (i = 0; i < n; i++) {
		struct pcsum *p = &pcs[i].c;

		if (pcs[i].pc)
			fprintf(out, "pc 0x%" PRIx64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64
				" %" PRIu64 " %" PRIu64 "\n", pcs[i].pc, p->r, p->w, p->sr, p->sw,
				p->xr, p->xw);
	}
	top = calloc(n, sizeof(*top));
	for (i = 0; top && i < n; i++)
		if (lines[i].key)
			top[ntop++] = &lines[i];
	if (top)
		qsort(top, ntop, sizeof(*top), by_shared);
	for (c = 0; c < ntop && c < TOP_LINES; c++) {
		struct linesum *ls = top[c];

		if (!(ls->c.sw + ls->c.xw + ls->c.xr + ls->c.sr))
			break;
		fprintf(out, "line 0x%" PRIx64 " 0x%x 0x%x %" PRIu64 " %" PRIu64 " %" PRIu64
			" %" PRIu64 " %" PRIu64 " %" PRIu64 " 0x%" PRIx64 "\n",
			(ls->key - 1) << LINE_SHIFT, ls->writers, ls->regular, ls->c.r, ls->c.w,
			ls->c.sr, ls->c.sw, ls->c.xr, ls->c.xw, ls->top_pc);
		if (c < TOP_DETAIL)
			line_detail(ls->key);
	}
	for (c = 0; c < nvcpus; c++)
		fprintf(out, "vcpu %d accesses %" PRIu64 "\n", c, vcpus[c].accesses);
	fprintf(out, "end %d accesses %" PRIu64 " unresolved %" PRIu64 " dropped %" PRIu64 "\n",
		window, accesses, unresolved, dropped);
	fflush(out);
	free(top);
	free(pcs);
	free(lines);
}

/* Stop counting and wait until no vCPU is inside mem_cb(). */
static void stop_counting(void)
{
	int c;

	atomic_store(&active, 0);
	for (c = 0; c < nvcpus; c++)
		while (atomic_load(&vcpus[c].busy))
			sched_yield();
}

static void open_window(void)
{
	int c;

	if (atomic_load(&active)) {
		stop_counting();
		fprintf(out, "# window %d abandoned: opened again before it was closed\n", window);
	}
	gen++;		/* every entry of the last window is now empty */
	for (c = 0; c < nvcpus; c++)
		vcpus[c].accesses = vcpus[c].unresolved = vcpus[c].dropped = 0;
	window = next_id;
	next_id = 0;
	atomic_store(&active, 1);
}

static void close_window(void)
{
	if (!atomic_load(&active)) {
		fprintf(out, "# close marker with no window open\n");
		return;
	}
	stop_counting();
	dump_window();
}

static void mark_cb(unsigned int cpu, void *udata)
{
	pthread_mutex_lock(&mark_lock);
	uint32_t m = (uintptr_t)udata;

	if (m == MARK_OPEN)
		open_window();
	else if (m == MARK_CLOSE)
		close_window();
	else
		next_id |= 1 << (m - MARK_ID_BIT);
	pthread_mutex_unlock(&mark_lock);
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t i, n = qemu_plugin_tb_n_insns(tb);

	for (i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		uint64_t pc = qemu_plugin_insn_vaddr(insn);
		const uint8_t *b = qemu_plugin_insn_data(insn);
		uint32_t imm;

		if (pc >> 63) {
			qemu_plugin_register_vcpu_mem_cb(insn, mem_cb, QEMU_PLUGIN_CB_NO_REGS,
							 QEMU_PLUGIN_MEM_RW,
							 (void *)(uintptr_t)pc);
			continue;
		}
		if (qemu_plugin_insn_size(insn) != 7 || b[0] != 0x0f || b[1] != 0x1f || b[2] != 0x80)
			continue;
		memcpy(&imm, b + 3, 4);
		if (imm == MARK_OPEN || imm == MARK_CLOSE ||
		    (imm >= MARK_ID_BIT && imm < MARK_ID_BIT + 16))
			qemu_plugin_register_vcpu_insn_exec_cb(insn, mark_cb, QEMU_PLUGIN_CB_NO_REGS,
							       (void *)(uintptr_t)imm);
	}
}

static void at_exit(qemu_plugin_id_t id, void *p)
{
	if (atomic_load(&active))
		fprintf(out, "# window %d still open at exit: not counted\n", window);
	fclose(out);
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
					   int argc, char **argv)
{
	const char *path = NULL;
	int i;

	for (i = 0; i < argc; i++)
		if (!strncmp(argv[i], "out=", 4))
			path = argv[i] + 4;
	if (!path || info->system_emulation == false) {
		fprintf(stderr, "c2c: system emulation and out=FILE are required\n");
		return -1;
	}
	nvcpus = info->system.max_vcpus;
	if (nvcpus > MAX_VCPUS) {
		fprintf(stderr, "c2c: at most %d vCPUs\n", MAX_VCPUS);
		return -1;
	}
	out = fopen(path, "w");
	if (!out) {
		perror(path);
		return -1;
	}
	for (i = 0; i < STRIPES; i++) {
		pthread_spin_init(&stripes[i].lock, PTHREAD_PROCESS_PRIVATE);
		stripes[i].lines = calloc(1u << STRIPE_BITS, sizeof(struct line));
		if (!stripes[i].lines)
			return -1;
	}
	for (i = 0; i < nvcpus; i++) {
		vcpus[i].acc = calloc(1u << ACC_BITS, sizeof(struct acc));
		if (!vcpus[i].acc)
			return -1;
	}
	gen = 1;
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}
