#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Aggregate the raw bench results: median and spread per (kernel, bench,
producers), a markdown table with per-producer throughput and ratios, a
gnuplot PNG of per-producer throughput against producers for the selftests'
trig-* benchmarks, one of the churn benchmarks (bench/uprobe_churn.c) and
one of its build-ID variant (uprobe_churn -b), whose share of valid build
IDs (buildid-valid-*, in %) gets a table of its own.

Ratios between kernels come with a 95 % confidence interval.  The kernels
run interleaved (A B C A B C ...), so the rounds pair them: per round, the
ratio of kernel K's result to kernel R's; the ratio reported is the
geometric mean of those per-round ratios, and its interval is the
Student t interval of their logarithms (n - 1 degrees of freedom).  A
difference is claimed only where the interval excludes 1.

Why not a percentile bootstrap over rounds: it cannot reach beyond the
range of the per-round ratios, so with 3 rounds its "95 %" interval
excludes 1 whenever all three ratios fall on one side of it, which two
identical kernels do one time in four.  The t interval widens as it must
when rounds are few (t = 4.30 for 3 rounds, 2.57 for 6).

    report.py RAW_CSV OUT_DIR MACHINE_DESCRIPTION
    report.py --icount SHIFT RAW_CSV OUT_DIR MACHINE_DESCRIPTION
    report.py --detach RAW_CSV OUT_DIR MACHINE_DESCRIPTION

With --icount, the rates were measured in guest time under QEMU's
instruction counting (scripts/bench.sh -i), where one guest nanosecond is
2^-SHIFT instructions: a rate of R M ops/s is 1000 / (2^SHIFT * R) guest
instructions per operation, every vCPU's instructions counted.  It writes
icount.csv and icount.md: instructions per operation per kernel, how far
the rounds of one kernel lie apart, and the ratios (operations per
instruction, paired by round, with the same t interval); and, for the
quiet process, what the build-ID stack adds to a traced hit
(buildid-w0 - churn-w0) and what one cpu-clock sample costs (from
buildid-clock-w0 and its sample rate), with their differences to the
reference kernels, paired by round.
"""
import csv
import re
import math
import statistics
import subprocess
import sys
from collections import defaultdict

# base: 6.12; spec: the series without its per-VMA lock tier; patched: the
# whole series; ceiling: the base with the mmap lock dropped (unsafe).
ORDER = ["base", "spec", "patched", "ceiling"]

# Rows that are a share in percent, not a rate: uprobe_churn -b's (-s's,
# -c's) share of hits (samples) whose stack's top frame got a valid build ID.
SHARE = re.compile(r"^buildid(-sleepable|-clock)?-valid-")
# uprobe_churn -c's rate of cpu-clock samples: not an operation either.
SAMPLES = re.compile(r"^buildid-clock-samples-")


def title_of(bench):
    """Panel title: the bench name, and what the churn rows measure."""
    if bench.startswith("churn-writer-w"):
        return f"{bench}: mmap+munmap/s of the writer beside the producers"
    if bench.startswith("churn-w"):
        n = bench[len("churn-w"):]
        return f"{bench}: uprobe calls/s, {n} writer thread{'' if n == '1' else 's'}"
    if SHARE.match(bench):
        return f"{bench}: % of top frames with a valid build ID"
    if bench.startswith("buildid-writer-w"):
        return f"{bench}: mmap+munmap/s of the writer beside the producers"
    if bench.startswith("buildid-w"):
        n = bench[len("buildid-w"):]
        return f"{bench}: uprobe calls/s with a build-ID stack, {n} writer{'' if n == '1' else 's'}"
    return bench


# Student t quantiles, 97.5 %, by degrees of freedom (1..30); 1.96 beyond.
T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
        2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
        2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042]


def mean_ci(xs):
    """The mean of xs (at least 2) and the half-width of its 95 % t interval."""
    n = len(xs)
    t = T975[n - 2] if n - 1 <= len(T975) else 1.96
    return statistics.fmean(xs), t * statistics.stdev(xs) / math.sqrt(n)


def paired_ratio(byround, k, ref, b, p):
    """Ratio of kernel k to kernel ref paired by round: the geometric mean of
    the per-round ratios and its 95 % t interval; None with fewer than 2
    rounds that have both."""
    logs = [math.log(v[(k, b, p)] / v[(ref, b, p)]) for v in byround.values()
            if v.get((k, b, p), 0) > 0 and v.get((ref, b, p), 0) > 0]
    if len(logs) < 2:
        return None
    mean, half = mean_ci(logs)
    return math.exp(mean), math.exp(mean - half), math.exp(mean + half), len(logs)


def table_head(columns, vs, count="producers"):
    """The two header lines of a markdown table: bench, producers (or COUNT),
    kernel, rounds, COLUMNS, then one ratio column per reference kernel."""
    names = ["bench", count, "kernel", "rounds"] + columns + [f"vs {k}" for k in vs]
    return ["| " + " | ".join(names) + " |", "| --- " * len(names) + "|"]


def resolved(r):
    """Whether the interval of a paired_ratio() excludes 1."""
    return r[1] > 1 or r[2] < 1


def fmt_ratio(r, digits=2):
    """'1.39 [1.05-1.50]', with a * where the interval excludes 1."""
    if r is None:
        return "-"
    m, lo, hi, _ = r
    mark = "*" if resolved(r) else ""
    return f"{m:.{digits}f}{mark} [{lo:.{digits}f}-{hi:.{digits}f}]"


def read_raw(raw):
    runs = defaultdict(list)
    byround = defaultdict(dict)
    with open(raw) as f:
        for row in csv.DictReader(f):
            key = (row["kernel"], row["bench"], int(row["producers"]))
            runs[key].append(float(row["mps"]))
            byround[row["round"]][key] = float(row["mps"])
    if not runs:
        sys.exit("report.py: no results in " + raw)
    return runs, byround


def share_table(runs, byround, kernels, vs):
    """The markdown lines of the build-ID share rows, [] without any."""
    keys = list(dict.fromkeys((b, p) for _, b, p in runs if SHARE.match(b)))
    if not keys:
        return []
    lines = ["", "Build IDs: share of uprobe hits whose user stack's top frame got a valid build ID "
             "(uprobe_churn -b, buildid-valid-wN: N writer threads), in %; ratios as above.", "",
             *table_head(["median %", "min-max %"], vs)]
    for b, p in keys:
        for k in kernels:
            v = runs.get((k, b, p))
            if not v:
                continue
            ratios = [fmt_ratio(paired_ratio(byround, k, r, b, p)) if r != k else "-" for r in vs]
            lines.append(f"| {b} | {p} | {k} | {len(v)} | {statistics.median(v):.2f} | "
                         f"{min(v):.2f}-{max(v):.2f} | " + " | ".join(ratios) + " |")
    return lines


def rows(runs, keys, kernels):
    """(bench, producers, kernel, results) for each key and kernel that has results."""
    for b, p in keys:
        for k in kernels:
            v = runs.get((k, b, p))
            if v:
                yield b, p, k, v


def kernels_of(runs):
    """The kernels in the results, in ORDER, and the reference kernels that
    ratios are given against."""
    kernels = sorted({k for k, _, _ in runs}, key=lambda k: ORDER.index(k) if k in ORDER else 99)
    return kernels, [k for k in ("base", "spec", "ceiling") if k in kernels]


def derived_costs(shift, v, k, w):
    """The costs derived from one round's rates v of kernel k with w writers,
    in guest instructions: (name, value) for each that the round has."""
    def get(b):
        return v.get((k, f"{b}-w{w}", 1), 0)
    churn, stack = get("churn"), get("buildid")
    clock, samples = get("buildid-clock"), get("buildid-clock-samples")
    # a guest second is 10^9 / 2^shift instructions; the rates are in M/s
    per_s = 1000.0 / (1 << shift)
    if churn > 0 and stack > 0:
        # what taking the stack with build IDs adds to a traced hit
        yield f"stack-per-hit-w{w}", per_s / stack - per_s / churn
    if churn > 0 and clock > 0 and samples > 0:
        # the guest second minus the calls (at churn's cost each), per sample
        yield f"clock-sample-w{w}", (per_s - clock * per_s / churn) / samples


def derived_table(shift, byround, kernels, vs):
    """The markdown lines of the derived costs, [] without any: per round,
    then the median, and the difference to each reference kernel paired by
    round (mean [95 % t interval])."""
    per = defaultdict(dict)     # (name, kernel) -> round -> instructions
    for r, v in byround.items():
        for k in kernels:
            # with writers, an operation also counts the writers'
            # instructions in between: only the quiet process (w0) is
            # resolved into parts
            for name, x in derived_costs(shift, v, k, 0):
                per[(name, k)][r] = x
    if not per:
        return []
    lines = ["", "Derived, in guest instructions, per round and then the median: stack-per-hit-wN, "
             "what taking the user stack with build IDs adds to a traced hit (buildid-wN minus "
             "churn-wN); clock-sample-wN, the cost of one cpu-clock sample whose program takes "
             "the stack with build IDs (the guest time of buildid-clock-wN not spent in its "
             "calls, at churn-wN's cost each, per sample). Differences: kernel minus reference, "
             "paired by round, mean [95 % t interval]; * where the interval excludes 0.", "",
             *table_head(["instructions (median)", "min-max"], vs, "writers")]
    for name in dict.fromkeys(n for n, _ in per):
        for k in kernels:
            x = per.get((name, k))
            if not x:
                continue
            diffs = []
            for ref in vs:
                d = [x[r] - per[(name, ref)][r] for r in x if r in per.get((name, ref), {})]
                if ref == k or len(d) < 2:
                    diffs.append("-")
                    continue
                m, half = mean_ci(d)
                mark = "*" if m - half > 0 or m + half < 0 else ""
                diffs.append(f"{m:+.0f}{mark} [{m - half:+.0f} to {m + half:+.0f}]")
            vals = list(x.values())
            lines.append(f"| {name} | {name.rsplit('-w', 1)[1]} | {k} | {len(vals)} | "
                         f"{statistics.median(vals):.0f} | {min(vals):.0f}-{max(vals):.0f} | "
                         + " | ".join(diffs) + " |")
    return lines


def main_icount(shift, raw, out, machine):
    runs, byround = read_raw(raw)
    kernels, vs = kernels_of(runs)
    keys = list(dict.fromkeys((b, p) for _, b, p in runs
                              if not SHARE.match(b) and not SAMPLES.match(b)))

    def insn(mps):
        return 1000.0 / ((1 << shift) * mps) if mps > 0 else float("inf")

    lines = [f"Guest instructions per operation. {machine}.", "",
             "An operation is one loop iteration of the benchmark: a call of the probed function "
             "(churn-w*), the same with the user stack and its build IDs taken by the BPF program "
             "(buildid-w*), an mmap+munmap pair of the writer (churn-writer-w*, buildid-writer-w*), "
             "one write-path operation (mm-*); the instructions of every vCPU in the measured window count. "
             "spread: (max - min) / median over the rounds of one kernel. Ratios: operations per "
             "instruction, kernel / reference, paired by round, geometric mean [95 % t interval]; "
             "* where the interval excludes 1.", "",
             *table_head(["instructions/op (median)", "min-max", "spread"], vs)]
    with open(f"{out}/icount.csv", "w") as f:
        f.write("kernel,bench,producers,rounds,insn_per_op_median,insn_min,insn_max,spread_pct\n")
        for b, p, k, v in rows(runs, keys, kernels):
            ins = [insn(x) for x in v]
            m = statistics.median(ins)
            spread = (max(ins) - min(ins)) / m * 100
            f.write(f"{k},{b},{p},{len(v)},{m:.1f},{min(ins):.1f},{max(ins):.1f},{spread:.2f}\n")
            ratios = [fmt_ratio(paired_ratio(byround, k, r, b, p), 3) if r != k else "-"
                      for r in vs]
            lines.append(f"| {b} | {p} | {k} | {len(v)} | {m:.0f} | {min(ins):.0f}-{max(ins):.0f} | "
                         f"{spread:.2f} % | " + " | ".join(ratios) + " |")
    lines += derived_table(shift, byround, kernels, vs)
    lines += share_table(runs, byround, kernels, vs)
    with open(f"{out}/icount.md", "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


# bench/uprobe_detach.c's rows, in table order
DETACH_ROWS = ("uprobe-attach", "uprobe-detach", "uprobe-exit")


def main_detach(raw, out, machine):
    """Times in ms (bench/uprobe_detach.c), lower is better: a table with
    the time per probe and the speed-up over each reference kernel, and a
    log-log plot of the time against the number of probes."""
    runs, byround = read_raw(raw)
    kernels, vs = kernels_of(runs)
    keys = [(b, n) for b in DETACH_ROWS for n in sorted({p for _, rb, p in runs if rb == b})]
    lines = [f"Attaching and detaching perf-event uprobes (bench/uprobe_detach.c). Machine: {machine}.", "",
             "uprobe-attach / uprobe-detach N: one BPF program attached to N uprobes with "
             "bpf_program__attach_uprobe() (a perf event and a link each), then the links destroyed one "
             "after the other; uprobe-exit N: from SIGKILL until a process holding N is reaped. "
             "Times in ms. Speed-up: reference time / this kernel's time, paired by round, geometric "
             "mean [95 % t interval]; * where the interval excludes 1.", "",
             *table_head(["median ms", "min-max ms", "ms per probe"], vs, "uprobes")]
    with open(f"{out}/uprobe-detach.csv", "w") as f:
        f.write("kernel,bench,probes,rounds,median_ms,min_ms,max_ms\n")
        for b, n, k, v in rows(runs, keys, kernels):
            m = statistics.median(v)
            f.write(f"{k},{b},{n},{len(v)},{m:.3f},{min(v):.3f},{max(v):.3f}\n")
            ratios = [fmt_ratio(paired_ratio(byround, r, k, b, n), 1) if r != k else "-" for r in vs]
            lines.append(f"| {b} | {n} | {k} | {len(v)} | {m:.1f} | {min(v):.1f}-{max(v):.1f} | "
                         f"{m / n:.2f} | " + " | ".join(ratios) + " |")
    with open(f"{out}/uprobe-detach.md", "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))

    dat = f"{out}/uprobe-detach.dat"
    sets = []
    with open(dat, "w") as f:
        for b in ("uprobe-attach", "uprobe-detach"):
            for k in kernels:
                pts = [(n, runs[(k, b, n)]) for bb, n in keys if bb == b and (k, b, n) in runs]
                if not pts:
                    continue
                sets.append(f"{b} {k}")
                f.write(f"# {b} {k}\n")
                for n, v in pts:
                    f.write(f"{n} {statistics.median(v):.4f} {min(v):.4f} {max(v):.4f}\n")
                f.write("\n\n")
    exits = "; ".join(f"{k} {statistics.median(runs[(k, b, n)]) / 1000:.3g} s"
                      for b, n in keys if b == "uprobe-exit" for k in kernels if (k, b, n) in runs)
    gp = ["set terminal pngcairo size 820,560 font ',9'", f"set output '{out}/uprobe-detach.png'",
          f"set title \"Attaching and detaching N perf-event uprobes: median, min-max bars\\n{machine}\\n"
          f"exit of a process holding 1000: {exits}\" font ',9'",
          "set logscale xy", "set xlabel 'uprobes'", "set ylabel 'ms (all N)'", "set key top left",
          "set grid", "set xrange [0.7:1500]"]
    plots = [f"'{dat}' index {i} using 1:2:3:4 with yerrorlines lw 2 "
             f"lc {ORDER.index(t.split()[1]) + 1 if t.split()[1] in ORDER else 9} "
             f"dt {1 if t.startswith('uprobe-detach') else 2} title '{t}'" for i, t in enumerate(sets)]
    gp.append("plot " + ", ".join(plots))
    subprocess.run(["gnuplot"], input="\n".join(gp), text=True, check=True)


def main():
    if sys.argv[1] == "--icount":
        main_icount(int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5])
        return
    if sys.argv[1] == "--detach":
        main_detach(sys.argv[2], sys.argv[3], sys.argv[4])
        return
    raw, out, machine = sys.argv[1], sys.argv[2], sys.argv[3]
    runs, byround = read_raw(raw)
    kernels, vs = kernels_of(runs)
    benches = list(dict.fromkeys(b for _, b, _ in runs))
    prods = sorted({p for _, _, p in runs})
    med = {key: statistics.median(v) for key, v in runs.items()}

    with open(f"{out}/uprobe-scaling.csv", "w") as f:
        f.write("kernel,bench,producers,rounds,median_mps,min_mps,max_mps\n")
        for b in benches:
            for k in kernels:
                for p in prods:
                    v = runs.get((k, b, p))
                    if v:
                        f.write(f"{k},{b},{p},{len(v)},{med[(k, b, p)]:.3f},{min(v):.3f},{max(v):.3f}\n")

    with open(f"{out}/uprobe-ratios.csv", "w") as f:
        f.write("bench,producers,kernel,vs,rounds,ratio_geomean,ci95_low,ci95_high,resolved\n")
        for b in benches:
            for p in prods:
                for k in kernels:
                    for ref in vs:
                        r = paired_ratio(byround, k, ref, b, p) if ref != k else None
                        if r:
                            res = "yes" if resolved(r) else "no"
                            f.write(f"{b},{p},{k},{ref},{r[3]},{r[0]:.3f},{r[1]:.3f},{r[2]:.3f},{res}\n")
    lines = [f"Machine: {machine}.", "",
             "Ratios: geometric mean of the per-round ratios (rounds pair the kernels, which ran "
             "interleaved) [95 % t interval]; * marks a ratio whose interval excludes 1: only "
             "those differences are resolved by the data (bench/report.py says why this interval).", "",
             *table_head(["median M/s", "min-max M/s", "per producer M/s"], vs)]
    for b in benches:
        if SHARE.match(b):
            continue
        for p in prods:
            for k in kernels:
                v = runs.get((k, b, p))
                if not v:
                    continue
                m = med[(k, b, p)]
                ratios = [fmt_ratio(paired_ratio(byround, k, r, b, p)) if r != k else "-"
                          for r in vs]
                per = f"{m / p:.3f}" if p else "-"
                lines.append(f"| {b} | {p} | {k} | {len(v)} | {m:.3f} | {min(v):.3f}-{max(v):.3f} | "
                             f"{per} | " + " | ".join(ratios) + " |")
    lines += share_table(runs, byround, kernels, vs)
    with open(f"{out}/uprobe-scaling.md", "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))

    # Plots: one panel per bench, median with min-max bars.  The selftests'
    # trig-* benchmarks per producer; the churn benchmarks in total M/s
    # (the writers' rate is not per producer).  The single-threaded mm-*
    # write-path benchmarks are only in the table.
    plot(runs, med, kernels, [b for b in benches if b.startswith("trig-")], machine,
         f"{out}/uprobe-scaling", "uprobe hits per producer (M/s)", True)
    plot(runs, med, kernels, [b for b in benches if b.startswith("churn-")], machine,
         f"{out}/uprobe-churn", "uprobe calls and writer mmap+munmap, with and without a writer thread (M/s)",
         False)
    plot(runs, med, kernels, [b for b in benches if b.startswith("buildid-")], machine,
         f"{out}/uprobe-buildid", "uprobe calls with a build-ID stack trace each (M/s), writer mmap+munmap "
         "(M/s), top frames with a valid build ID (%)", False)


def plot(runs, med, kernels, benches, machine, stem, title, per_producer):
    if not benches:
        return
    prods = sorted({p for _, b, p in runs if b in benches})
    dat = f"{stem}.dat"
    sets = []  # (bench, kernel), one data set each, in file order
    with open(dat, "w") as f:
        for b in benches:
            for k in kernels:
                if not any((k, b, p) in runs for p in prods):
                    continue
                sets.append((b, k))
                f.write(f"# {b} {k}\n")
                for p in prods:
                    v = runs.get((k, b, p))
                    if v:
                        d = p if per_producer else 1
                        f.write(f"{p} {med[(k, b, p)] / d:.4f} {min(v) / d:.4f} {max(v) / d:.4f}\n")
                f.write("\n\n")
    cols = min(3, len(benches))
    rows = (len(benches) + cols - 1) // cols
    gp = [f"set terminal pngcairo size {max(720, 420 * cols)},{320 * rows + 60} font ',9'",
          f"set output '{stem}.png'",
          f"set multiplot layout {rows},{cols} title \"{title}: median, min-max bars\\n{machine}\" font ',9'",
          "set xlabel 'producers'", "set ylabel 'M/s per producer'" if per_producer else "set ylabel 'M/s'",
          "set yrange [0:*]", f"set xrange [{min(prods) - 0.5}:{max(prods) + 0.5}]", "set xtics 1",
          "set key bottom left", "set grid"]
    for b in benches:
        plots = [f"'{dat}' index {i} using 1:2:3:4 with yerrorlines lw 2 lc {ORDER.index(k) + 1 if k in ORDER else 9} "
                 f"title '{k}'" for i, (sb, k) in enumerate(sets) if sb == b]
        gp.append(f"set title '{title_of(b)}'")
        gp.append("set ylabel '%'" if SHARE.match(b) else
                  "set ylabel 'M/s per producer'" if per_producer else "set ylabel 'M/s'")
        gp.append("plot " + ", ".join(plots))
    gp.append("unset multiplot")
    subprocess.run(["gnuplot"], input="\n".join(gp), text=True, check=True)


if __name__ == "__main__":
    main()
