#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Aggregate the raw bench results: median and spread per (kernel, bench,
producers), a markdown table with per-producer throughput and ratios, and a
gnuplot PNG of per-producer throughput against producers.

    report.py RAW_CSV OUT_DIR MACHINE_DESCRIPTION
"""
import csv
import statistics
import subprocess
import sys
from collections import defaultdict

ORDER = ["base", "patched", "ceiling"]


def main():
    raw, out, machine = sys.argv[1], sys.argv[2], sys.argv[3]
    runs = defaultdict(list)
    with open(raw) as f:
        for row in csv.DictReader(f):
            runs[(row["kernel"], row["bench"], int(row["producers"]))].append(float(row["mps"]))
    if not runs:
        sys.exit("report.py: no results in " + raw)

    kernels = sorted({k for k, _, _ in runs}, key=lambda k: ORDER.index(k) if k in ORDER else 99)
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

    lines = [f"Machine: {machine}.", "",
             "| bench | producers | kernel | rounds | median M/s | min-max M/s | per producer M/s | vs base | vs ceiling |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for b in benches:
        for p in prods:
            for k in kernels:
                v = runs.get((k, b, p))
                if not v:
                    continue
                m = med[(k, b, p)]
                base = med.get(("base", b, p))
                ceil = med.get(("ceiling", b, p))
                vs_base = f"{m / base:.2f}" if base else "-"
                vs_ceil = f"{m / ceil:.2f}" if ceil else "-"
                lines.append(f"| {b} | {p} | {k} | {len(v)} | {m:.3f} | {min(v):.3f}-{max(v):.3f} | "
                             f"{m / p:.3f} | {vs_base} | {vs_ceil} |")
    with open(f"{out}/uprobe-scaling.md", "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))

    # Plot: one panel per uprobe bench (the mm-* write-path benchmarks are
    # single-threaded and only in the table), per-producer median with
    # min-max bars.
    benches = [b for b in benches if b.startswith("trig-")]
    if not benches:
        return
    dat = f"{out}/uprobe-scaling.dat"
    with open(dat, "w") as f:
        for b in benches:
            for k in kernels:
                f.write(f"# {b} {k}\n")
                for p in prods:
                    v = runs.get((k, b, p))
                    if v:
                        f.write(f"{p} {med[(k, b, p)] / p:.4f} {min(v) / p:.4f} {max(v) / p:.4f}\n")
                f.write("\n\n")
    cols = min(3, len(benches))
    rows = (len(benches) + cols - 1) // cols
    gp = [f"set terminal pngcairo size {max(720, 420 * cols)},{320 * rows + 60} font ',9'",
          f"set output '{out}/uprobe-scaling.png'",
          f"set multiplot layout {rows},{cols} title \"uprobe hits per producer (M/s): median, min-max bars\\n{machine}\" font ',9'",
          "set xlabel 'producers'", "set ylabel 'M/s per producer'", "set yrange [0:*]",
          f"set xrange [0.5:{max(prods) + 0.5}]", "set xtics 1", "set key bottom left", "set grid"]
    idx = 0
    for b in benches:
        plots = []
        for k in kernels:
            plots.append(f"'{dat}' index {idx} using 1:2:3:4 with yerrorlines lw 2 title '{k}'")
            idx += 1
        gp.append(f"set title '{b}'")
        gp.append("plot " + ", ".join(plots))
    gp.append("unset multiplot")
    subprocess.run(["gnuplot"], input="\n".join(gp), text=True, check=True)


if __name__ == "__main__":
    main()
