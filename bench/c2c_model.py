# SPDX-License-Identifier: GPL-2.0
"""A throughput ceiling from shared stores per hit (bench/c2c.py).

One cache line can be owned by one CPU at a time: a line that takes W
stores per hit, each moving it from another CPU's cache, moves W times per
hit, and if one move takes T seconds, no number of CPUs gets more than
1 / (W * T) hits per second through it.  Below that, each CPU adds what it
does alone (X1).  So, with W the shared stores per hit on the hottest line:

    X(N) = min(N * X1, 1 / (W * T))

That is the bound of the hottest line alone.  A hit that stores to
several shared lines waits for each of them in turn, so a second form
takes W as all the hit's shared stores (W_all): the two agree where one
line is all the sharing (the base kernel's mmap_lock) and bracket the
rest.  A W under 0.05 per hit (a line stored to on fewer than one hit in
twenty: the timer tick, the scheduler) sets no bound.

T is fitted on one published point and checked against the others.  The
published points are upstream's selftests bench on an 80-CPU Xeon Gold
6138 (2 sockets, 20 cores each, 2 threads a core); their code is not ours,
so each is paired with the kernel and kind whose counts stand for it, and
that pairing is stated beside it.  What the model leaves out: the cost of
the transfers to the CPUs that wait for them (spinning on a lock, as a
contended spinlock does, makes throughput fall as CPUs are added, which a
ceiling cannot), and everything but cache-line transfers (SMT, the second
socket, memory bandwidth), which bends the curve before any line is hot.
"""
import subprocess

# (label, CPUs, M/s, what it measured, (kernel, kind) standing for its code)
PUBLISHED = [
    ("trig-uprobe-nop before the speculative lookup", [(1, 3.38), (8, 10.0), (32, 5.43), (80, 8.99)],
     "upstream before v5 of the speculative lookup: mmap_read_lock() on every hit", ("base", "nop-all")),
    ("trig-uprobe-nop after the speculative lookup", [(1, 3.53), (8, 24.5), (32, 85.1), (80, 142.0)],
     "upstream 6.14's lookup: speculation, no per-VMA tier", ("spec", "nop-all")),
    ("uretprobe-nop before SRCU (hprobe)", [(80, 4.925)],
     "6.12's uretprobe: try_get_uprobe()/put_uprobe() per hit", ("base", "uret-all")),
    ("single-stepped probe (Liao Chang, 2024)", [(7, 3.55), (80, 1.04)],
     "XOL slot bitmap and count, siglock, refcount", ("base", "ss-all")),
]
FIT = (0, 80)  # T from the first series' 80-CPU point
# a CPU's rate alone, M/s, where no published 1-CPU point exists for the kind:
# the nop's for nop-like kinds, 6.14's uretprobe-nop on 1 CPU, and for the
# single-stepped probe its published 7-CPU peak / 7 (a lower bound)
X1 = {"nop": 3.53, "usdt": 3.53, "churn": 3.53, "buildid": 3.53, "uret": 1.898, "ss": 3.55 / 7}


MIN_W = 0.05


def ceiling(w, t):
    return float("inf") if w < MIN_W else 1e-6 / (w * t)


def w_all(r):
    return r["tot"][3] / r["hits"]


def predict(n, x1, w, t):
    return min(n * x1, ceiling(w, t))


def model(recs, hot_line, out, machine):
    """Fit, check, predict; writes c2c-model.md and c2c-model.png, returns the md lines."""
    two = {(r["kernel"], r["kind"]): r for r in recs if r["vcpus"] == 2}
    label, pts, _, key = PUBLISHED[FIT[0]]
    if key not in two:
        return ["(no model: the fit needs the base kernel's nop-all at 2 vCPUs)"]
    w_fit = hot_line(two[key])[0]
    x80 = dict(pts)[FIT[1]]
    t = 1e-6 / (w_fit * x80)
    lines = ["# A throughput ceiling from the counts", "",
             f"Counts: 2 vCPUs, {machine}. Model (bench/c2c_model.py): X(N) = min(N * X1, 1 / (W * T)), "
             "W the shared stores per hit on the hottest line, T the time one line transfer takes.", "",
             f"T fitted on '{label}' at {FIT[1]} CPUs ({x80} M/s) with W = {w_fit:.2f} "
             f"({key[0]} kernel, {key[1]}): T = {t * 1e9:.1f} ns.", "",
             "| published point | stands for | W hot / all | CPUs | published M/s | model, hottest line | "
             "model, all shared stores | model / published (hot, all) |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for lab, ps, what, k in PUBLISHED:
        if k not in two:
            continue
        wh, wa = hot_line(two[k])[0], w_all(two[k])
        x1 = ps[0][1] if ps[0][0] == 1 else X1[k[1].split("-")[0]]
        for n, x in ps:
            mh, ma = predict(n, x1, wh, t), predict(n, x1, wa, t)
            lines.append(f"| {lab} | {k[0]} {k[1]} ({what}) | {wh:.2f} / {wa:.2f} | {n} | {x} | {mh:.3g} | "
                         f"{ma:.3g} | {mh / x:.2f}, {ma / x:.2f} |")
    lines.append("")

    # the curve each kernel and kind is predicted to reach
    kinds = sorted({k for _, k in two if not k.startswith("canary")})
    kernels = [k for k in ("base", "spec", "patched", "ceiling") if any(kk == k for kk, _ in two)]
    lines += ["Predicted ceiling per kernel and kind, M/s at any number of CPUs, from the hottest line / "
              f"from all shared stores (none: no shared store on as many as {MIN_W} hits a line or in all, "
              "the model sets no bound):", "",
              "| kind | " + " | ".join(kernels) + " |", "| --- | " + " | ".join("---" for _ in kernels) + " |"]
    for kind in kinds:
        cells = []
        for k in kernels:
            r = two.get((k, kind))
            cells.append("-" if not r else
                         f"{ceiling(hot_line(r)[0], t):.3g} / {ceiling(w_all(r), t):.3g}".replace("inf", "none"))
        lines.append(f"| {kind} | " + " | ".join(cells) + " |")
    lines.append("")

    ns = list(range(1, 81))
    dat = f"{out}/c2c-model.dat"
    sets = []
    with open(dat, "w") as f:
        for kind in ("nop-all", "nop-pid", "uret-all", "uret-pid", "ss-pid", "ss-all"):
            for k in kernels:
                r = two.get((k, kind))
                if not r:
                    continue
                x1 = X1[kind.split("-")[0]]
                sets.append((kind, k))
                f.write(f"# {kind} {k}: hottest line, all shared stores\n")
                for n in ns:
                    f.write(f"{n} {predict(n, x1, hot_line(r)[0], t):.4f} {predict(n, x1, w_all(r), t):.4f}\n")
                f.write("\n\n")
        for lab, ps, _, _ in PUBLISHED:
            sets.append(("published", lab))
            f.write(f"# published {lab}\n")
            for n, x in ps:
                f.write(f"{n} {x}\n")
            f.write("\n\n")
    panels = ["nop-all", "nop-pid", "uret-all", "uret-pid", "ss-all", "ss-pid"]
    gp = ["set terminal pngcairo size 1260,760 font ',9'", f"set output '{out}/c2c-model.png'",
          "set multiplot layout 2,3 title \"Predicted hits/s from shared stores per hit on the hottest line, "
          f"T = {t * 1e9:.1f} ns fitted on upstream's 80-CPU base point\\nsolid: hottest line, dashed: all shared "
          "stores; points: published figures\" font ',9'",
          "set xlabel 'CPUs'", "set ylabel 'M hits/s'", "set grid", "set key top left font ',8'",
          "set xrange [0:82]", "set yrange [0:300]"]
    for p in panels:
        pl = []
        for i, (kind, k) in enumerate(sets):
            if kind != p:
                continue
            lc = ("base", "spec", "patched", "ceiling").index(k) + 1 if k in ("base", "spec", "patched", "ceiling") else 5
            pl.append(f"'{dat}' index {i} using 1:2 with lines lw 2 lc {lc} title '{k}'")
            pl.append(f"'{dat}' index {i} using 1:3 with lines lw 1 dt 2 lc {lc} notitle")
        probe = p.split("-")[0]
        pub = [f"'{dat}' index {i} using 1:2 with points pt 7 ps 1.2 lc {6 + j} title '{lab}'"
               for j, (i, (kind, lab)) in enumerate((i, s) for i, s in enumerate(sets) if s[0] == "published")
               if (probe == "nop" and "trig-uprobe-nop" in lab) or (probe == "uret" and "uretprobe" in lab)
               or (probe == "ss" and "single" in lab)]
        if not pl:
            continue
        gp.append(f"set title '{p}'")
        gp.append("plot " + ", ".join(pl + pub))
    gp.append("unset multiplot")
    subprocess.run(["gnuplot"], input="\n".join(gp), text=True, check=True)
    with open(f"{out}/c2c-model.md", "w") as f:
        f.write("\n".join(lines) + "\n")
    return lines
