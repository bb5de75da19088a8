#!/usr/bin/env python3
"""bench/report.py RESULTS_DIR OUT_MD OUT_PNG

Turns the raw records of bench/inside.sh (RESULTS_DIR/raw.tsv, out/, notes.txt)
into docs/benchmarks.md and the slowdown plot (gnuplot, bench/slowdown.gp).
Facts about the host come from BENCH_* environment variables set by bench/run.sh.
"""
import json
import os
import re
import statistics
import subprocess
import sys

TRACERS = ["none", "exittop", "bt_count", "bt_hist", "perf_kvm", "kvm_stat"]
LABEL = {
    "none": "no tracer",
    "exittop": "exittop (-b --json -d 1)",
    "bt_count": "bpftrace count by reason",
    "bt_hist": "bpftrace latency hist",
    "perf_kvm": "perf kvm stat live",
    "kvm_stat": "kvm_stat -t -l",
    "kvmexit": "bcc kvmexit",
}
SHORT = {
    "none": "none", "exittop": "exittop", "bt_count": "bpftrace count",
    "bt_hist": "bpftrace hist", "perf_kvm": "perf kvm live", "kvm_stat": "kvm_stat",
}
SVM_CPUID = 0x72


def med(xs):
    return statistics.median(xs) if xs else None


def fmt(x, digits=2, unit=""):
    if x is None:
        return "n/a"
    return f"{x:,.{digits}f}{unit}"


def spread(xs, digits=2):
    if not xs:
        return "n/a"
    return f"{min(xs):,.{digits}f}-{max(xs):,.{digits}f}"


def load(resdir):
    runs, progs, tracers, scales = [], [], [], []
    with open(os.path.join(resdir, "raw.tsv")) as f:
        for line in f:
            w = line.rstrip("\n").split("\t")
            if w[0] == "run":
                runs.append(dict(
                    sect=w[1], label=w[2], round=int(w[3]), vcpus=int(w[4]), pid=int(w[5]),
                    cpuid=int(w[6]), exits=int(w[7]), elapsed_ns=int(w[8]), wall_ns=int(w[9]),
                    ticks=int(w[10]), sched_ns=int(w[11]), hz=int(w[12]), bpf_ns=int(w[13]),
                    bpf_cnt=int(w[14]), nprog=int(w[15])))
            elif w[0] == "prog":
                progs.append(dict(sect=w[1], label=w[2], round=int(w[3]), vcpus=int(w[4]),
                                  id=int(w[5]), name=w[6], ns=int(w[7]), cnt=int(w[8])))
            elif w[0] == "tracer":
                tracers.append(dict(name=w[1], round=int(w[2]), ready_ms=int(w[3]), status=w[4]))
            elif w[0] == "scale":
                scales.append(dict(label=w[1], vms=int(w[2]), refreshes=int(w[3]), ticks=int(w[4]),
                                   hz=int(w[5]), sched_ns=int(w[6]), wall_ns=int(w[7]),
                                   hwm_kb=int(w[8] or 0), rss_kb=int(w[9] or 0),
                                   rows=int(float(w[10])), rate=float(w[11]), nvms=int(w[12]),
                                   delay=float(w[13])))
    notes = []
    p = os.path.join(resdir, "notes.txt")
    if os.path.exists(p):
        notes = open(p).read().splitlines()
    return runs, progs, tracers, scales, notes


def note(notes, key):
    for n in notes:
        if n.startswith(key + ": "):
            return n[len(key) + 2:]
    return None


def rate(r):
    """CPUID exits per second of the guest (exitgen: expected / elapsed)."""
    return r["cpuid"] / (r["elapsed_ns"] / 1e9)


# ------------------------------------------------------------- count checks
def check_counts(resdir, runs):
    """tracer -> list of (round, observed, expected, text)."""
    out = {}
    by_round = {}
    for r in runs:
        if r["sect"] == "tracers":
            by_round.setdefault((r["label"], r["round"]), []).append(r)
    for (t, rnd), rs in sorted(by_round.items()):
        path = os.path.join(resdir, "out", f"{t}.r{rnd}.out")
        exp = sum(r["cpuid"] for r in rs)
        obs = None
        if not os.path.exists(path):
            continue
        text = open(path, errors="replace").read()
        if os.path.exists(path + ".err"):
            text += "\n" + open(path + ".err", errors="replace").read()
        if t == "exittop":
            last = None
            for line in text.splitlines():
                line = line.strip()
                if line.startswith("{"):
                    try:
                        last = json.loads(line)
                    except ValueError:
                        pass
            if last is not None:
                pids = {r["pid"] for r in rs}
                obs = sum(row["total_count"] for row in last["rows"]
                          if row["pid"] in pids and row["reason"] == SVM_CPUID)
        elif t == "bt_count":
            m = re.search(r"^@\[%d\]: (\d+)" % SVM_CPUID, text, re.M)
            obs = int(m.group(1)) if m else 0
        elif t == "perf_kvm":
            # per-interval tables, summed (whole host: only exitgen runs)
            obs = sum(int(m.group(1)) for m in re.finditer(r"^\s*cpuid\s+(\d+)\s", text, re.M))
        elif t == "kvm_stat":
            lines = [l for l in text.splitlines() if l.strip()]
            head = next((l for l in lines if l.startswith("timestamp,")), None)
            if head:
                cols = head.split(",")
                idx = [i for i, c in enumerate(cols) if c.lower() in ("kvm_exit(cpuid)",)]
                if idx:
                    obs = 0
                    for l in lines:
                        if l.startswith("timestamp,"):
                            continue
                        v = l.split(",")
                        if len(v) == len(cols):
                            try:
                                obs += int(v[idx[0]])
                            except ValueError:
                                pass
        if obs is not None:
            out.setdefault(t, []).append((rnd, obs, exp))
    return out


def count_verdict(t, checks):
    why_na = {
        "none": "-",
        "bt_hist": "n/a: one histogram over all reasons (no per-reason count)",
    }
    if t in why_na:
        return why_na[t]
    c = checks.get(t)
    if not c:
        return "n/a: no output to compare"
    bad = [(r, o, e) for r, o, e in c if o != e]
    if not bad:
        return f"yes, exact in {len(c)}/{len(c)} rounds"
    worst = max(bad, key=lambda x: abs(x[1] - x[2]))
    what = "exittop JSON total_count" if t == "exittop" else "@[114]" if t == "bt_count" else \
        "sum of per-interval cpuid rows" if t == "perf_kvm" else "sum of kvm_exit(cpuid) column"
    return (f"NO in {len(bad)}/{len(c)} rounds ({what}: e.g. round {worst[0]} "
            f"{worst[1]:,} vs {worst[2]:,})")


# ------------------------------------------------------------------- report
def main():
    resdir, out_md, out_png = sys.argv[1:4]
    runs, progs, tracers, scales, notes = load(resdir)
    env = os.environ.get
    L = []
    w = L.append

    tr = [r for r in runs if r["sect"] == "tracers"]
    present = [t for t in TRACERS if any(r["label"] == t for r in tr)]
    rounds = sorted({r["round"] for r in tr})

    # per tracer, per vcpus: rates, per-round ratio to that round's baseline
    stat = {}
    for t in present:
        for v in (1, 2):
            rs = [r for r in tr if r["label"] == t and r["vcpus"] == v]
            if not rs:
                continue
            rates = [rate(r) for r in rs]
            base = {r["round"]: rate(r) for r in tr if r["label"] == "none" and r["vcpus"] == v}
            ratios = [base[r["round"]] / rate(r) for r in rs if r["round"] in base]
            cpu = [100.0 * r["ticks"] / r["hz"] / (r["wall_ns"] / 1e9) for r in rs]
            cpu_s = [100.0 * r["sched_ns"] / r["wall_ns"] for r in rs]
            bpf_exit = [r["bpf_ns"] / r["exits"] for r in rs if r["nprog"] and r["exits"] > 0]
            bpf_inv = [r["bpf_ns"] / r["bpf_cnt"] for r in rs if r["nprog"] and r["bpf_cnt"] > 0]
            stat[(t, v)] = dict(n=len(rs), rates=rates, ratios=ratios, cpu=cpu, cpu_s=cpu_s,
                                bpf_exit=bpf_exit, bpf_inv=bpf_inv,
                                nprog=max(r["nprog"] for r in rs))
    for (t, v), s in stat.items():
        b = stat.get(("none", v))
        s["slowdown"] = (med(b["rates"]) / med(s["rates"])) if b else None
    checks = check_counts(resdir, runs)

    w("# exittop benchmarks: overhead against the tools users would pick instead")
    w("")
    w(f"Generated by `make bench` (bench/run.sh) on {env('BENCH_DATE', '?')}, "
      f"commit {env('BENCH_COMMIT', '?')}. Do not edit by hand: rerun `make bench`.")
    w("")
    w("> **These are not hardware numbers.** Everything runs in the nested testbed: "
      "KVM inside a first-level VM whose CPU (AMD SVM with nested paging) is emulated "
      "by QEMU TCG. Each exit costs tens to hundreds of microseconds of emulation "
      "instead of about a microsecond, so absolute rates and nanoseconds below are "
      "only meaningful relative to each other, measured in the same boot. "
      "Read the ratios (slowdown, patched/stock, per-refresh cost growth).")
    w("")
    w("## Setup")
    w("")
    w(f"* Host: {env('BENCH_HOST_CPU', '?')}, kernel {env('BENCH_HOST_KERNEL', '?')}; "
      f"{env('BENCH_QEMU', '?')}")
    w(f"* Testbed: {env('BENCH_TESTBED', '?')}; inside: {note(notes, 'cpu') or '?'}, "
      f"{note(notes, 'mem_mb') or '?'} MiB, kernel {note(notes, 'kernel') or '?'}")
    w(f"* Tools: {note(notes, 'bpftrace')}, {note(notes, 'perf')}, {note(notes, 'bpftool')}, "
      f"{note(notes, 'python3')} (kvm_stat), bcc (bpfcc-tools) from Debian 12")
    w(f"* Host load average ({env('BENCH_LOAD', '?')}). The host has 2 cores; "
      "the testbed's 2 vCPUs are 2 QEMU threads on them.")
    try:
        l1 = float(env("BENCH_LOAD", "").split("before: ")[1].split()[0])
    except (IndexError, ValueError):
        l1 = None
    ov = env("BENCH_OTHER_VMS")
    if ov:
        w(f"* Other QEMU processes on the host ({ov}).")
    quiet = ov is not None and all(x.strip().endswith(": 0") for x in ov.split(";"))
    if l1 is not None and l1 > 1.5 and quiet:
        w(f"* The 1-minute load average at the start ({l1:.1f}) was still decaying from "
          "earlier runs; no other VM ran before or after this one.")
    elif l1 is not None and l1 > 1.5:
        w(f"* **The host was not idle**: 1-minute load average {l1:.1f} at the start "
          "(above 1.5; other engineers' testbed VMs share the 2 cores). Whenever they run, "
          "the testbed's QEMU threads are preempted at random, so rates and CPU times are "
          "noisier than on an idle host; read the min-max spreads before the medians.")
    w(f"* Wall time: {env('BENCH_TOTAL_S', '?')} s for the whole `make bench` report step "
      f"(testbed boot and measurements: {env('BENCH_VM_S', '?')} s).")
    w("")
    w("Commands (inside one testbed boot, all run as root):")
    w("")
    w("```")
    w(f"# host\n{env('BENCH_BOOT_CMD', 'tests/vm/run ... -- bench/inside.sh')}")
    w("# in the testbed: sysctl kernel.bpf_stats_enabled=1, then per round, per tracer:")
    for t in TRACERS[1:]:
        c = note(notes, "cmd " + t)
        if c:
            w(f"{c}")
    w(f"{note(notes, 'cmd exitgen') or 'build/exitgen --vcpus 1|2 --cpuid N'}")
    w("```")
    w("")
    n = note(notes, "N")
    w(f"Workload: exitgen with 1 and with 2 vCPUs, each vCPU executing a fixed number of "
      f"CPUIDs ({n}; every vCPU does the full count). Rounds: {len(rounds)}; in each round "
      "every tracer is started once, the 1-vCPU and the 2-vCPU loop run under it, then it "
      "is stopped with SIGINT. The tracer order rotates by one position per round. A tracer "
      "counts as started when it is attached: for the BPF tools when `bpftool perf list` "
      "shows its programs on kvm:kvm_exit (and kvm:kvm_entry), for perf when it printed its "
      "first table, for kvm_stat when it printed its CSV header.")
    w("")
    w("Definitions:")
    w("")
    w("* **exits/s**: `expected.cpuid / elapsed_ns` of exitgen's JSON (first KVM_RUN to last "
      "vCPU thread joined); median over rounds, spread = min-max.")
    w("* **slowdown**: median exits/s without a tracer / median exits/s with it; the "
      "spread is the min-max of the per-round ratios (each round against its own "
      "no-tracer run).")
    w("* **BPF ns/exit**: with `kernel.bpf_stats_enabled=1`, the delta of `run_time_ns` "
      "over the loop, summed over the programs the tracer attached (ids from `bpftool perf "
      "list`; counters read from the tracer's /proc/PID/fdinfo of each program, which "
      "carries `run_time_ns` and `run_cnt`, or `bpftool prog show -j`), divided by KVM's exit count of exitgen "
      "(`kvm_stats_total.exits`, all reasons); **ns/run** is the same time divided by "
      "the summed `run_cnt`. Both include the emulation's slowness.")
    w("* **tracer CPU**: user+sys of the tracer process and its children "
      "(`/proc/PID/stat` fields 14-17, 10 ms clock ticks) over the loop's wall time, in % of "
      "one CPU; **sched**: the same from the threads' `schedstat` (ns, no children). "
      "BPF programs run in the context of the vCPU threads and are in neither. "
      "Caveat: the testbed's clock runs while the host deschedules a QEMU vCPU thread "
      "(TCG has no steal time), so on a loaded host whatever task is current inside "
      "the testbed is charged for that time; CPU figures inflate with host load.")
    w("* **count exact**: the tracer's CPUID (SVM exit code 0x72 = 114) count for the "
      "round against the sum of exitgen's `expected.cpuid` over the loops of that round.")
    w("")

    # ------------------------------------------------------------ table 1
    w("## Overhead per tracer")
    w("")
    w("| tracer | vCPUs | exits/s median (min-max) | slowdown (per-round min-max) | "
      "BPF ns/exit | BPF ns/run | tracer CPU % (min-max) | sched % | count exact |")
    w("|---|---|---|---|---|---|---|---|---|")
    for t in present:
        for v in (1, 2):
            s = stat.get((t, v))
            if not s:
                continue
            bx = fmt(med(s["bpf_exit"]), 0) + f" ({s['nprog']} prog)" if s["bpf_exit"] else \
                ("-" if t == "none" else "n/a (no BPF)")
            bi = fmt(med(s["bpf_inv"]), 0) if s["bpf_inv"] else ("-" if t == "none" else "n/a")
            cpu = "-" if t == "none" else f"{fmt(med(s['cpu']), 2)} ({spread(s['cpu'], 2)})"
            cpus = "-" if t == "none" else fmt(med(s['cpu_s']), 2)
            sd = "1.00" if t == "none" else f"{fmt(s['slowdown'])}x ({spread(s['ratios'])})"
            cnt = count_verdict(t, checks) if v == 1 else '"'
            w(f"| {LABEL[t]} | {v} | {fmt(med(s['rates']), 0)} ({spread(s['rates'], 0)}) | "
              f"{sd} | {bx} | {bi} | {cpu} | {cpus} | {cnt} |")
    kx = note(notes, "kvmexit-bpfcc said") or "not run"
    w(f"| {LABEL['kvmexit']} (`kvmexit-bpfcc`) | - | did not run | - | - | - | - | - | "
      f"n/a: refuses on AMD |")
    w("")
    w(f"bcc's kvmexit (bpfcc-tools {note(notes, 'bcc') or '0.26'}, with linux-headers of "
      f"the testbed ABI installed) stops before loading anything: "
      f"`{kx}` ({note(notes, 'kvmexit-bpfcc') or ''}). Its precondition check reads "
      "`vendor_id` from /proc/cpuinfo and accepts only Intel; its exit-reason table is "
      "VMX-only as well.")
    w("")
    rd = {}
    for x in tracers:
        if x["status"] == "ready":
            rd.setdefault(x["name"], []).append(x["ready_ms"] / 1000)
    fails = [x for x in tracers if x["status"] != "ready"]
    if rd:
        w("Time from start to attached (median, s): " + ", ".join(
            f"{SHORT.get(k, k)} {fmt(med(v), 1)}" for k, v in sorted(rd.items())) + ".")
        w("")
    if fails:
        w("Tracer starts that failed: " + ", ".join(
            f"{x['name']} round {x['round']}" for x in fails) + ".")
        w("")
    for t, c in sorted(checks.items()):
        w(f"* counts {SHORT.get(t, t)}: " + "; ".join(
            f"r{r} {o:,}/{e:,}" for r, o, e in c))
    w("")

    # exittop per program
    ep = [p for p in progs if p["sect"] == "tracers" and p["label"] == "exittop"]
    bt = [p for p in progs if p["sect"] == "tracers" and p["label"] == "bt_count"]
    if ep:
        w("BPF run time per program (median over rounds and loops of run_time_ns/run_cnt):")
        w("")
        w("| tool | program | ns/run | runs per exit |")
        w("|---|---|---|---|")
        exits_by = {(r["label"], r["round"], r["vcpus"]): r["exits"] for r in tr}
        for lab, ps in (("exittop", ep), ("bt_count", bt),
                        ("bt_hist", [p for p in progs if p["label"] == "bt_hist"])):
            for name in sorted({p["name"] for p in ps}):
                q = [p for p in ps if p["name"] == name and p["cnt"] > 0]
                per = [p["ns"] / p["cnt"] for p in q]
                rpe = [p["cnt"] / exits_by[(lab, p["round"], p["vcpus"])] for p in q
                       if exits_by.get((lab, p["round"], p["vcpus"]))]
                w(f"| {SHORT[lab]} | {name} | {fmt(med(per), 0)} | {fmt(med(rpe), 3)} |")
        w("")
    prof = []
    for fn in sorted(os.listdir(os.path.join(resdir, "out"))) if os.path.isdir(
            os.path.join(resdir, "out")) else []:
        if fn.startswith("exittop.profile."):
            txt = open(os.path.join(resdir, "out", fn), errors="replace").read().strip()
            prof.append((fn.rsplit(".", 1)[1], " ".join(txt.split())[:300]))
    if prof:
        w("`bpftool prog profile id ID duration 2 cycles instructions` on exittop's programs: " +
          "; ".join(f"id {i}: `{t or '(no output)'}`" for i, t in prof))
        w("")

    # ------------------------------------------------------------ targets
    w("## Targets")
    w("")
    w("| target | vCPUs | measured | verdict |")
    w("|---|---|---|---|")
    targets = []

    def verdict(ok, how):
        return ("met" if ok else "**MISSED**") + (f" ({how})" if how else "")

    for v in (1, 2):
        e, b, p = stat.get(("exittop", v)), stat.get(("bt_count", v)), stat.get(("perf_kvm", v))
        if e and b and e["slowdown"] and b["slowdown"]:
            ok = e["slowdown"] <= b["slowdown"]
            how = f"by {100 * abs(e['slowdown'] / b['slowdown'] - 1):.1f}%"
            w(f"| exittop slowdown <= bpftrace count one-liner's | {v} | "
              f"{e['slowdown']:.3f}x vs {b['slowdown']:.3f}x | {verdict(ok, how)} |")
            targets.append(("slowdown<=bpftrace", v, ok))
        if e and p and e["slowdown"] and p["slowdown"]:
            eo, po = e["slowdown"] - 1, p["slowdown"] - 1
            ok = eo <= po / 5
            how = (f"overhead {100 * eo:.1f}% vs perf's {100 * po:.1f}%/5 = {20 * po:.1f}%")
            w(f"| exittop overhead (slowdown-1) <= 1/5 of perf kvm stat live's | {v} | "
              f"{e['slowdown']:.3f}x vs {p['slowdown']:.3f}x | {verdict(ok, how)} |")
            targets.append(("overhead<=perf/5", v, ok))
        if e and b and e["bpf_exit"] and b["bpf_exit"]:
            ex, bx = med(e["bpf_exit"]), med(b["bpf_exit"])
            ok = ex <= bx
            how = f"{ex / bx:.2f}x bpftrace's" if not ok else f"{100 * (1 - ex / bx):.0f}% below"
            w(f"| exittop BPF ns/exit (exit+entry) <= bpftrace count's | {v} | "
              f"{ex:,.0f} vs {bx:,.0f} ns | {verdict(ok, how)} |")
            targets.append(("bpf<=bpftrace", v, ok))
        if e:
            c = med(e["cpu"])
            ok = c <= 1.0
            w(f"| exittop CPU <= 1% of one core at -d 1 | {v} | {c:.2f}% "
              f"(schedstat {med(e['cpu_s']):.2f}%) | {verdict(ok, '' if ok else f'by {c - 1:.2f} points')} |")
            targets.append(("cpu<=1%", v, ok))

    # ------------------------------------------------------------ patch
    pr = [r for r in runs if r["sect"] == "patch"]
    patch_lines = []
    if pr:
        for v in (1, 2):
            st = [rate(r) for r in pr if r["label"] == "stock" and r["vcpus"] == v]
            pa = [rate(r) for r in pr if r["label"] == "patched" and r["vcpus"] == v]
            if not st or not pa:
                continue
            st_r = {r["round"]: rate(r) for r in pr if r["label"] == "stock" and r["vcpus"] == v}
            pair = [rate(r) / st_r[r["round"]] for r in pr
                    if r["label"] == "patched" and r["vcpus"] == v and r["round"] in st_r]
            ratio = med(pa) / med(st)
            patch_lines.append((v, st, pa, ratio, pair))
            ok = ratio >= 0.99
            w(f"| patched KVM within 1% of stock (exits/s) | {v} | patched/stock "
              f"{ratio:.3f} (per round {spread(pair, 3)}) | "
              f"{verdict(ok, f'{100 * (1 - ratio):.1f}% slower' if not ok else '')} |")
            targets.append(("patched within 1%", v, ok))
    else:
        why = env("BENCH_PATCH_WHY") or note(notes, "patch") or "no patched modules"
        w(f"| patched KVM within 1% of stock | - | not measured | patch not available: {why} |")
    w("")
    w("Reading of the perf target: a slowdown is at least 1x, so \"1/5 of perf's "
      "slowdown\" is taken as 1/5 of its *overhead* (slowdown - 1).")
    w("")
    rd_e = med([x["ready_ms"] / 1000 for x in tracers
                if x["name"] == "exittop" and x["status"] == "ready"])
    steady = [(sc["vms"], sc["sched_ns"] / sc["refreshes"] / 1e6) for sc in scales
              if sc["refreshes"] and "throttled" not in sc["label"]]
    if steady:
        parts = ", ".join(f"{ms / 10:.2f}% of one core with {v} VM{'s' if v > 1 else ''}"
                          for v, ms in steady)
        w("The CPU target in steady state: the 1-vCPU loop runs first, right after exittop "
          f"attached (median {fmt(rd_e, 1)} s), so its short window holds exittop's first "
          "refreshes; the 2-vCPU loop comes after it. The scale section below measures "
          "steady-state refreshes; at -d 1 one refresh per second costs " + parts +
          " (CPU ms per refresh / 1000 ms).")
    w("")

    if pr:
        w("## Patched vs stock KVM")
        w("")
        w(f"Same boot, same workload; before each pair of loops `rmmod kvm_amd kvm` and "
          f"`insmod` of the other build's kvm.ko and kvm-amd.ko, alternating "
          f"(stock/patched on odd rounds, patched/stock on even). Both builds come from "
          f"`tests/vm/build-kvm 6.1 stock|patched`: the same Debian linux-source, "
          f"compiler and recipe, so the patch is the only difference "
          f"(stock: `{os.path.basename(env('BENCH_KVM_STOCK', '') or '?')}`, patched: "
          f"`{os.path.basename(env('BENCH_KVM_PATCHED', '') or '?')}`). No tracer runs.")
        w("")
        w("| vCPUs | stock exits/s median (min-max) | patched exits/s median (min-max) | "
          "patched/stock (ratio of medians) | per-round ratio min-max |")
        w("|---|---|---|---|---|")
        for v, st, pa, ratio, pair in patch_lines:
            w(f"| {v} | {fmt(med(st), 0)} ({spread(st, 0)}) | {fmt(med(pa), 0)} "
              f"({spread(pa, 0)}) | {ratio:.3f} | {spread(pair, 3)} |")
        w("")

    # ------------------------------------------------------------ scale
    if scales:
        w("## exittop's own cost as the traced population grows")
        w("")
        w("N exitgen VMs (1 vCPU each) run a long CPUID loop; exittop -b --json runs beside "
          "them. CPU per refresh = exittop's CPU time (sum of its threads' "
          "/proc/PID/task/*/schedstat, ns-exact; ticks from /proc/PID/stat agree within "
          "their 10 ms resolution) between its first report and the last, divided by the "
          "reports in between; start-up (BPF load, attach) is excluded. Keys = rows of the "
          "(pid, vCPU, reason) table = entries of the BPF stats map (the most any report had); "
          "exits/s = mean of exittop's own totals.rate over the reports. The exitgens run "
          "at nice 10. \"throttled\" = the same 8 processes moved into a cgroup with cpu.max "
          "20% of one CPU, measured by the same exittop instance right after the 8-VM window: "
          "same keys in its map, far fewer exits.")
        w("")
        w("| case | VMs | keys | exits/s (all VMs) | -d | refreshes | CPU ms/refresh | "
          "CPU % of one core | VmHWM MiB |")
        w("|---|---|---|---|---|---|---|---|---|")
        for s in scales:
            per = s["sched_ns"] / max(s["refreshes"], 1) / 1e6
            pct = 100.0 * s["sched_ns"] / s["wall_ns"] if s["wall_ns"] else 0
            w(f"| {s['label']} | {s['vms']} | {s['rows']} | {s['rate']:,.0f} | {s['delay']:g} | "
              f"{s['refreshes']} | {per:.2f} | {pct:.2f} | {s['hwm_kb'] / 1024:.1f} |")
        w("")
        hi = next((s for s in scales if s["label"] == "vms8"), None)
        lo = next((s for s in scales if s["label"] == "vms8-throttled"), None)
        if hi and lo and hi["refreshes"] and lo["refreshes"]:
            a = hi["sched_ns"] / hi["refreshes"] / 1e6
            b = lo["sched_ns"] / lo["refreshes"] / 1e6
            r = a / b if b else float("nan")
            fr = hi["rate"] / lo["rate"] if lo["rate"] else float("nan")
            w(f"Same 8 VMs and {hi['rows']}/{lo['rows']} keys at {hi['rate']:,.0f} vs "
              f"{lo['rate']:,.0f} exits/s ({fr:.0f}x): {a:.2f} vs {b:.2f} ms per refresh "
              f"(ratio {r:.2f}). "
              + ("The refresh cost does not follow the exit rate: exits are paid in the BPF "
                 "programs (in the vCPU threads), the refresh pays per key."
                 if r < 2 else
                 "The refresh cost grew with the exit rate here; with the noise of this "
                 "host (see the CPU caveat above) that needs a quieter rerun to confirm."))
            w("")

    perf_txt = os.path.join(resdir, "out", "exittop.perf.txt")
    if os.path.exists(perf_txt) and open(perf_txt).read().strip():
        w("Where exittop's refresh goes (8 VMs, -d 0.5, `perf record -e cpu-clock -F 499 -p "
          "PID -- sleep 5` inside the testbed, flat `perf report --sort dso,sym`, top entries):")
        w("")
        w("```")
        w(open(perf_txt).read().rstrip())
        w("```")
        w("")

    # ------------------------------------------------------------ analysis
    missed_bpf = [t for t in targets if t[0] == "bpf<=bpftrace" and not t[2]]
    if missed_bpf and ep:
        def per_prog(ps, name):
            q = [p["ns"] / p["cnt"] for p in ps if p["name"] == name and p["cnt"] > 0]
            return med(q)
        ex_x, ex_e = per_prog(ep, "kvm_exit"), per_prog(ep, "kvm_entry")
        bt_x = per_prog(bt, "kvm_exit")
        bh = [p for p in progs if p["label"] == "bt_hist"]
        bh_x, bh_e = per_prog(bh, "kvm_exit"), per_prog(bh, "kvm_entry")
        w("## Why exittop's BPF time per exit is above bpftrace's count, and the fix")
        w("")
        w(f"Measured per program (ns per run, medians above): exittop kvm_exit {fmt(ex_x, 0)} + "
          f"kvm_entry {fmt(ex_e, 0)}; bpftrace count kvm_exit {fmt(bt_x, 0)}; bpftrace latency "
          f"one-liner kvm_exit {fmt(bh_x, 0)} + kvm_entry {fmt(bh_e, 0)}. "
          "(`bpftool prog profile` is not available: Debian's bpftool is built without it, "
          "and TCG has no PMU; the per-program `run_time_ns` is the profile.)")
        w("")
        w("* The gap is structural: exittop runs **two** programs per exit (the latency needs "
          "kvm_entry) where the count one-liner runs one. Against the tool that does the same "
          "job (bpftrace with a latency histogram) exittop costs "
          + (f"{(ex_x + ex_e) / (bh_x + bh_e):.2f}x" if ex_x and ex_e and bh_x and bh_e else "n/a")
          + " of its BPF time per exit.")
        if ex_x and bt_x:
            w(f"* exittop's kvm_exit program alone is {ex_x / bt_x:.2f}x bpftrace's: on top of "
              "the count (a per-CPU hash lookup, here with a 16-byte (pid, vcpu, reason, isa) key "
              "against bpftrace's 8-byte reason), it calls `bpf_task_storage_get(..., F_CREATE)` "
              "and `bpf_ktime_get_ns()` to remember the exit for kvm_entry.")
        if ex_x and ex_e:
            w(f"* exittop's kvm_entry program ({fmt(ex_e, 0)} ns) does the same kinds of work as "
              f"its kvm_exit program ({fmt(ex_x, 0)} ns: a task-storage get, a clock read, a hash "
              "lookup) at about a third of the cost. Hypothesis, not measured: under TCG the first "
              "memory touched after an emulated #VMEXIT misses QEMU's software TLB, which the "
              "world switch flushed, so programs at kvm_exit pay more here than they would on "
              "hardware; this affects bpftrace's program the same way.")
        w("")
        w("Proposed fix (for the owner of bpf/exits.bpf.c; not measured yet):")
        w("")
        w("1. Keep the exit in flight in a one-slot `BPF_MAP_TYPE_PERCPU_ARRAY` "
          "`{tid, ts, key}` instead of task storage: kvm_exit writes it, kvm_entry uses it "
          "only if `tid` matches (a vCPU thread that migrated or went to user space between "
          "the two loses that one sample, counted in `drops`). Array lookups are inlined by "
          "the verifier: this removes one helper call (with its per-CPU busy counter and "
          "local-storage walk) from each program.")
        w("2. Drop the stats-map lookup from kvm_entry: kvm_entry only stores the entry "
          "timestamp in that slot; the next kvm_exit of the same thread, which looks up its "
          "own key anyway, adds `entry_ts - exit_ts` to the previous key (the same map value "
          "when the reason repeats, the common case under load). kvm_entry becomes a "
          "pid check, an inlined array access and a clock read. The last exit of a thread "
          "before a refresh is reported one refresh late.")
        w("3. A count-only mode (e.g. `--no-latency`, or automatically when no shown column "
          "needs latency) that attaches kvm_exit only: then exittop's cost per exit is one "
          "hash lookup and increment, the same work as the bpftrace count one-liner.")
        w("")
        w("To be measured after the change with this same `make bench` (the target compares "
          "the sum of both programs per exit).")
        w("")

    # ------------------------------------------------------------ summary
    w("## Summary")
    w("")
    missed = [t for t in targets if not t[2]]
    if targets:
        w(f"{len(targets) - len(missed)} of {len(targets)} target checks met"
          + (": missed " + ", ".join(f"{n} ({v} vCPU)" for n, v, _ in missed) if missed else "")
          + ".")
    w("")
    w("Reference from an earlier hand-made trial (200,000 CPUID exits, slowdown vs none): "
      "perf stat -e kvm:kvm_exit 1.05x, bpftrace count 1.19x, bpftrace latency hist 1.48x, "
      "kvm_stat 1.52x.")
    w("")
    w("![slowdown per tracer](benchmarks.png)")
    w("")

    os.makedirs(os.path.dirname(os.path.abspath(out_md)), exist_ok=True)
    with open(out_md, "w") as f:
        f.write("\n".join(L).rstrip() + "\n")

    # ------------------------------------------------------------ plot
    dat = os.path.join(resdir, "slowdown.dat")
    with open(dat, "w") as f:
        f.write("# tracer s1 min1 max1 s2 min2 max2\n")
        for t in present:
            if t == "none":
                continue
            row = [f'"{SHORT[t]}"']
            for v in (1, 2):
                s = stat.get((t, v))
                if s and s["slowdown"] and s["ratios"]:
                    row += [f"{s['slowdown']:.4f}", f"{min(s['ratios']):.4f}",
                            f"{max(s['ratios']):.4f}"]
                else:
                    row += ["0", "0", "0"]
            f.write(" ".join(row) + "\n")
    sub = (f"nested SVM on QEMU TCG (software emulation: ratios only), "
           f"{n} CPUIDs per vCPU, {len(rounds)} rounds, {env('BENCH_DATE', '')}")
    gp = os.path.join(os.path.dirname(os.path.abspath(__file__)), "slowdown.gp")
    if not any(t != "none" for t in present):
        print("report: no tracer measurements, no plot", file=sys.stderr)
    else:
        subprocess.run(["gnuplot", "-e",
                        f"datafile='{dat}'; outfile='{out_png}'; subtitle='{sub}'", gp],
                       check=True)
    print(f"report: {out_md}, {out_png}", file=sys.stderr)


if __name__ == "__main__":
    main()
