#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the c2c plugin's counts (bench/c2c/c2c.c) into cache lines shared
per uprobe hit, by kind of hit, kernel and kernel function; check the
canary; and predict throughput ceilings from the counts (bench/c2c_model.py).

    c2c.py RUNS_DIR OUT_DIR MACHINE_DESCRIPTION

RUNS_DIR holds one folder per boot (scripts/bench-c2c.sh): "what" (kernel
and vCPUs), c2c.txt (the plugin's windows), System.map, syms-ID.txt (the
BPF programs' JIT symbols of window ID, and _stext) and, beside the folder,
its console log with the guest's "C2C ID KIND PRODUCERS HITS CALLS" lines.

Per hit means divided by the hits the BPF program counted in the window.
sw: stores to lines another vCPU also stored to in the window; sr: loads
of such lines; xw, xr: the stores and loads that moved a line from another
vCPU's cache (see the plugin).  The hottest line is the one with the most
shared stores.

Checks, each failing the run (exit 1): the BPF program counted about every
call in the window (within 5 %; uprobe_c2c itself checks the totals
exactly), no access was dropped, the
kernel ran at System.map's addresses, and the canary: with one global
counter instead of a per-CPU one the program itself must add at least 0.9
shared stores per hit, and without it none (under 0.01).
"""
import bisect
import csv
import os
import re
import subprocess
import sys
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import c2c_model  # noqa: E402

KERNELS = ["base", "spec", "patched", "ceiling"]
KINDS = ["nop-all", "nop-pid", "nop-multi", "ss-all", "ss-pid", "ss-multi", "uret-all", "uret-pid",
         "uret-multi", "usdt-all", "usdt-pid", "buildid-pid", "churn-pid", "canary-nop-all",
         "canary-nop-pid"]
TITLE = {
    "nop": "emulated nop", "ss": "single-stepped mov", "uret": "uretprobe on a nop",
    "usdt": "USDT probe", "buildid": "nop, program takes a build-ID stack",
    "churn": "nop, beside an mmap/munmap thread", "canary": "canary: global counter",
}
ATTACH = {"all": "system-wide perf event (pid -1)", "pid": "perf event for the process (pid 0)",
          "multi": "uprobe_multi link for the process"}
COLS = ["r", "w", "sr", "sw", "xr", "xw"]


class Symbols:
    """Kernel text from System.map, JIT code from the window's kallsyms."""

    def __init__(self, system_map):
        self.addr, self.name = [], []
        self.stext = None
        with open(system_map) as f:
            for ln in f:
                a, t, n = ln.split()[:3]
                if n == "_stext":
                    self.stext = int(a, 16)
                if t in "TtWw":
                    self.addr.append(int(a, 16))
                    self.name.append(n)
        order = sorted(range(len(self.addr)), key=self.addr.__getitem__)
        self.addr = [self.addr[i] for i in order]
        self.name = [self.name[i] for i in order]
        self.end = self.addr[-1] + 0x10000 if self.addr else 0

    def with_jit(self, syms_file):
        """A copy that also knows the JIT symbols of one window; checks _stext."""
        s = object.__new__(Symbols)
        s.addr, s.name, s.stext, s.end = list(self.addr), list(self.name), self.stext, self.end
        extra = []
        if os.path.exists(syms_file):
            with open(syms_file) as f:
                for ln in f:
                    p = ln.split()
                    if len(p) < 3:
                        continue
                    if p[2] == "_stext":
                        if int(p[0], 16) != self.stext:
                            sys.exit(f"c2c.py: {syms_file}: the guest's _stext is {p[0]}, System.map's "
                                     f"{self.stext:x}: the kernel was relocated (KASLR?)")
                        continue
                    name = re.sub(r"^bpf_prog_[0-9a-f]{16}_", "bpf_prog:", p[2])
                    extra.append((int(p[0], 16), name))
        for a, n in extra:
            i = bisect.bisect(s.addr, a)
            s.addr.insert(i, a)
            s.name.insert(i, n)
        return s

    def __call__(self, pc):
        i = bisect.bisect(self.addr, pc) - 1
        if i < 0:
            return f"?{pc:x}"
        n = self.name[i]
        # past the kernel's last symbol and no JIT symbol: BPF/module code we cannot name
        if not n.startswith("bpf") and pc > self.end:
            return "[jit or module]"
        return n


def read_windows(path):
    wins, cur = {}, None
    with open(path) as f:
        for ln in f:
            p = ln.split()
            if not p or p[0].startswith("#"):
                continue
            if p[0] == "window":
                cur = {"pcs": [], "lines": [], "end": None}
                wins[int(p[1])] = cur
            elif p[0] == "pc":
                cur["pcs"].append((int(p[1], 16), *map(int, p[2:8])))
            elif p[0] == "line":
                cur["lines"].append((int(p[1], 16), int(p[2], 16), *map(int, p[4:10]), int(p[10], 16)))
            elif p[0] == "end":
                cur["end"] = dict(zip(p[2::2], map(int, p[3::2])))
    return wins


def read_runs(runs_dir):
    """One record per window: kernel, vcpus, kind, hits, per-function sums, lines."""
    recs = []
    for d in sorted(os.listdir(runs_dir)):
        run = os.path.join(runs_dir, d)
        if not os.path.isdir(run) or not os.path.exists(f"{run}/what"):
            continue
        kernel, vcpus = open(f"{run}/what").read().split()
        wins = read_windows(f"{run}/c2c.txt")
        syms = Symbols(f"{run}/System.map")
        with open(f"{run}.log", errors="replace") as f:
            guest = [ln.replace("\r", "").split() for ln in f if ln.startswith("C2C ")]
        for _, wid, kind, prods, hits, calls in (g for g in guest if len(g) == 6):
            wid, hits, calls = int(wid), int(hits), int(calls)
            if wid not in wins or wins[wid]["end"] is None:
                sys.exit(f"c2c.py: {run}: window {wid} ({kind}) is not in the plugin's output")
            w = wins[wid]
            if w["end"]["dropped"]:
                sys.exit(f"c2c.py: {run}: window {wid} ({kind}) dropped {w['end']['dropped']} accesses")
            # uprobe_c2c checked the totals exactly; in the window the two
            # counts are read one after the other, so they differ by the
            # calls made in between
            if abs(hits - calls) > max(10, calls // 20):
                sys.exit(f"c2c.py: {run}: {kind}: the program counted {hits} hits for {calls} calls")
            if hits <= 0:
                sys.exit(f"c2c.py: {run}: {kind}: no hits in window {wid}")
            sym = syms.with_jit(f"{run}/syms-{wid}.txt")
            funcs = defaultdict(lambda: [0] * 6)
            tot = [0] * 6
            for pc, *c in w["pcs"]:
                fn = funcs[sym(pc)]
                for i in range(6):
                    fn[i] += c[i]
                    tot[i] += c[i]
            lines = [(a, wr, *c, sym(top)) for a, wr, *c, top in w["lines"]]
            recs.append({"kernel": kernel, "vcpus": int(vcpus), "kind": kind, "prods": int(prods),
                         "hits": hits, "calls": calls, "tot": tot, "funcs": dict(funcs),
                         "lines": lines, "end": w["end"], "run": d})
    return recs


def per_hit(r, i):
    return r["tot"][i] / r["hits"]


def hot_line(r):
    """(shared stores per hit, transfers per hit, function) of the line with most shared stores."""
    if not r["lines"]:
        return 0.0, 0.0, "-"
    a, wr, rd, w, sr, sw, xr, xw, fn = max(r["lines"], key=lambda ln: (ln[5], ln[6] + ln[7]))
    return sw / r["hits"], (xr + xw) / r["hits"], fn


def top_funcs(r, n=4, col=3):
    fs = sorted(r["funcs"].items(), key=lambda kv: (-kv[1][col], kv[0]))
    return [(f, c[col] / r["hits"]) for f, c in fs[:n] if c[col] / r["hits"] >= 0.005]


def canary(recs):
    """The global counter must show as >= 0.9 shared stores per hit in the
    BPF program; the per-CPU counter as none.  Returns report lines."""
    out, bad = [], []
    by = {(r["kernel"], r["vcpus"], r["kind"]): r for r in recs}
    for (k, c, kind), r in sorted(by.items()):
        if not kind.startswith("canary-"):
            continue
        plain = by.get((k, c, kind[len("canary-"):]))
        if not plain:
            bad.append(f"{k}/{c}: {kind} has no {kind[7:]} beside it")
            continue

        def prog_sw(x):
            return sum(v[3] for f, v in x["funcs"].items() if f.startswith("bpf_prog:")) / x["hits"]

        step = per_hit(r, 3) - per_hit(plain, 3)
        ok = prog_sw(r) >= 0.9 and prog_sw(plain) < 0.01
        out.append(f"| {k} | {c} | {kind[7:]} | {per_hit(plain, 3):.3f} | {per_hit(r, 3):.3f} | "
                   f"{step:+.3f} | {prog_sw(plain):.3f} | {prog_sw(r):.3f} | "
                   f"{prog_sw(r) and sum(v[5] for f, v in r['funcs'].items() if f.startswith('bpf_prog:')) / r['hits']:.3f} | "
                   f"{'pass' if ok else 'FAIL'} |")
        if not ok:
            bad.append(f"{k}/{c} {kind}: the program's shared stores per hit are "
                       f"{prog_sw(plain):.3f} (per-CPU) and {prog_sw(r):.3f} (global)")
    return out, bad


def write_csv(recs, out):
    with open(f"{out}/c2c.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["kernel", "vcpus", "kind", "hits", "calls", "accesses", *COLS,
                    *[c + "_per_hit" for c in COLS], "hot_line_sw_per_hit", "hot_line_x_per_hit",
                    "hot_line_function"])
        for r in recs:
            hs, hx, hf = hot_line(r)
            w.writerow([r["kernel"], r["vcpus"], r["kind"], r["hits"], r["calls"], r["end"]["accesses"],
                        *r["tot"], *[f"{per_hit(r, i):.4f}" for i in range(6)], f"{hs:.4f}", f"{hx:.4f}", hf])
    with open(f"{out}/c2c-functions.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["kernel", "vcpus", "kind", "function", *[c + "_per_hit" for c in COLS]])
        for r in recs:
            for fn, c in sorted(r["funcs"].items(), key=lambda kv: -kv[1][3]):
                # what is shared on at least one hit in a thousand
                if max(c[2:]) >= r["hits"] / 1000:
                    w.writerow([r["kernel"], r["vcpus"], r["kind"], fn,
                                *[f"{x / r['hits']:.4f}" for x in c]])


def kernels_of(recs):
    """The kernels in the runs: base, spec, patched, ceiling first, then any other."""
    have = {r["kernel"] for r in recs}
    return [k for k in KERNELS if k in have] + sorted(have - set(KERNELS))


def colour(k):
    return KERNELS.index(k) + 1 if k in KERNELS else 5


def kind_title(kind):
    p, _, a = kind.partition("-")
    if p == "canary":
        return f"{TITLE['canary']}, {kind_title(a)}"
    return f"{TITLE.get(p, p)}, {ATTACH.get(a, a)}"


def tables(recs, machine):
    kernels = kernels_of(recs)
    kinds = [k for k in KINDS if any(r["kind"] == k for r in recs)]
    by = {(r["kernel"], r["vcpus"], r["kind"]): r for r in recs}
    lines = [f"# Cache lines a uprobe hit shares with other CPUs (`make bench-c2c`)", "",
             f"Machine: {machine}. One producer thread pinned to each vCPU calls the probed function "
             "in a loop; the BPF program counts hits per CPU. Counted: the guest kernel's loads and "
             "stores, by physical 64-byte line, inside a window of the benchmark (bench/c2c/c2c.c, "
             "bench/uprobe_c2c.c). Per hit: divided by the hits the BPF program counted in the window.",
             "", "sw: stores to a line another vCPU also stored to in the window (each one a line "
             "transfer once several CPUs hit); xw + xr: the stores and loads that moved a line from "
             "another vCPU's cache; hot: shared stores per hit on the most-stored-to line, which "
             "bounds throughput (bench/c2c_model.py).", ""]
    for c in sorted({r["vcpus"] for r in recs}):
        def table(heads, cell):
            """A row per kind, a column per kernel, cell(record) in each."""
            rows = ["| kind of hit | " + " | ".join(heads) + " |", "| --- | " + " | ".join("---" for _ in heads) + " |"]
            for kind in kinds:
                rows.append(f"| {kind} | " + " | ".join(
                    cell(by[(k, c, kind)]) if (k, c, kind) in by else "-" for k in kernels) + " |")
            return rows

        lines += [f"## {c} vCPUs, {c} producers", "",
                  "Shared stores per hit, and in parentheses those on the hottest line:", "",
                  *table(kernels, lambda r: f"{per_hit(r, 3):.2f} ({hot_line(r)[0]:.2f})"),
                  "", "Shared loads per hit (sr), and the transfers that happened in this run (xw + xr):", "",
                  *table([f"{k}: sr / xw+xr" for k in kernels],
                         lambda r: f"{per_hit(r, 2):.2f} / {per_hit(r, 4) + per_hit(r, 5):.2f}")]
        lines.append("")
        lines += [f"Where the shared stores are ({c} vCPUs): functions with at least 0.005 per hit, "
                  "shared stores per hit.", "", "| kind | kernel | hits | functions |", "| --- | --- | --- | --- |"]
        for kind in kinds:
            for k in kernels:
                r = by.get((k, c, kind))
                if r:
                    fs = ", ".join(f"`{f}` {v:.2f}" for f, v in top_funcs(r, 6)) or "none"
                    lines.append(f"| {kind} | {k} | {r['hits']} | {fs} |")
        lines.append("")
    lines += ["Kinds: " + "; ".join(f"`{k}`: {kind_title(k)}" for k in kinds) + ".", ""]
    return lines


def plot(recs, out, machine):
    kernels = kernels_of(recs)
    kinds = [k for k in KINDS if any(r["kind"] == k for r in recs) and not k.startswith("canary")]
    by = {(r["kernel"], r["vcpus"], r["kind"]): r for r in recs}
    cs = sorted({r["vcpus"] for r in recs})
    dat = f"{out}/c2c.dat"
    with open(dat, "w") as f:
        for c in cs:
            f.write(f"# {c} vCPUs: kind " + " ".join(kernels) + "\n")
            for kind in kinds:
                vals = [f"{per_hit(by[(k, c, kind)], 3):.4f}" if (k, c, kind) in by else "NaN" for k in kernels]
                f.write(f"{kind} " + " ".join(vals) + "\n")
            f.write("\n\n")
    gp = [f"set terminal pngcairo size 1100,{330 * len(cs) + 60} font ',9'", f"set output '{out}/c2c.png'",
          f"set multiplot layout {len(cs)},1 title \"Shared cache lines written per uprobe hit (lower scales)\\n"
          f"{machine}\" font ',9'",
          "set style data histograms", "set style histogram clustered gap 1", "set style fill solid 0.8 border -1",
          "set boxwidth 0.9", "set ylabel 'shared stores per hit'", "set yrange [0:*]", "set grid ytics",
          "set xtics rotate by -30 font ',8'", "set key top left"]
    for i, c in enumerate(cs):
        gp.append(f"set title '{c} vCPUs, one producer pinned to each'")
        gp.append("plot " + ", ".join(f"'{dat}' index {i} using {j + 2}:xtic(1) lc {colour(k)} "
                                      f"title '{k}'" for j, k in enumerate(kernels)))
    gp.append("unset multiplot")
    subprocess.run(["gnuplot"], input="\n".join(gp), text=True, check=True)


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: c2c.py RUNS_DIR OUT_DIR MACHINE_DESCRIPTION")
    runs_dir, out, machine = sys.argv[1:]
    recs = read_runs(runs_dir)
    if not recs:
        sys.exit(f"c2c.py: no windows in {runs_dir}")
    write_csv(recs, out)
    lines = tables(recs, machine)
    cl, bad = canary(recs)
    lines += ["## The canary", "",
              "The same hits with the BPF program counting on one global counter (one `lock add` that "
              "every CPU executes) instead of a per-CPU one. The program's own shared stores per hit must "
              "be at least 0.9 with the global counter and under 0.01 with the per-CPU one.", "",
              "| kernel | vCPUs | kind | sw per-CPU | sw global | step | program's sw, per-CPU | "
              "program's sw, global | program's xw, global | verdict |",
              "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |", *cl, ""]
    with open(f"{out}/c2c.md", "w") as f:
        f.write("\n".join(lines) + "\n")
    plot(recs, out, machine)
    lines += [""] + c2c_model.model(recs, hot_line, out, machine)
    print("\n".join(lines))
    if bad:
        sys.exit("c2c.py: the canary failed: " + "; ".join(bad))
    if not cl:
        sys.exit("c2c.py: no canary ran: a count that cannot be shown to see a shared line proves nothing")


if __name__ == "__main__":
    main()
