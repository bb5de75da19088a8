#!/usr/bin/env python3
"""tests/bench/make-fixtures.py: writes the fixtures of report-test.sh, the
results of three plausible `make bench` runs, into tests/bench/fixtures/NAME/:

  results/   what bench/inside.sh leaves (raw.tsv, notes.txt, out/)
  env        the BENCH_* facts bench/run.sh exports, KEY=VALUE per line
  tried.md   the fixed text the report appends (absent: none appended)

  full     every section: all tracers, 3 rounds, patch and scale sections,
           profiles; figures of the order of docs/benchmarks.md (809ecab)
  partial  edge cases: tracers that failed to start or left no output, count
           mismatches, zero and negative stage differences, no baseline for
           2 vCPUs, no patch modules, no scale section (CPU target from the
           tracer loops), CRLF files, UTF-8 text, a high load average
  sparse   the least a run can leave: no tracer but exittop, its stages and
           none, no notes, no out/, no environment; odd scale windows
  sparse-loaded  the same with a load average of inf on a quiet host and a
           patch section measured with 1 vCPU only

Deterministic (fixed seeds): rerunning it rewrites the same files. The
expected reports were made from these by the old bench/report.sh (see
make-expected.sh), the independent oracle of the test.
"""
import json
import os
import random
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
N = 50000
HZ = 100
CPUID = 114
PROG_NAMES = {
    "exittop": ["kvm_exit_btf", "kvm_entry_btf"],
    "exittop_classic": ["kvm_exit", "kvm_entry"],
    "bt_count": ["kvm_exit"],
    "bt_hist": ["kvm_exit", "kvm_entry"],
    "stage1": ["kvm_exit_btf", "kvm_entry_btf"],
    "stage2": ["kvm_exit_btf", "kvm_entry_btf"],
    "stage3": ["kvm_exit_btf", "kvm_entry_btf"],
    "stage4": ["kvm_exit_btf", "kvm_entry_btf"],
}
# exits/s with 1 vCPU, BPF ns per program run (kvm_exit, kvm_entry), CPU %
PROFILE = {
    "none": (31700, None, 0),
    "exittop": (27100, (3000, 1250), 1.9),
    "exittop_classic": (17700, (2500, 1400), 1.9),
    "bt_count": (27600, (2800,), 0.5),
    "bt_hist": (23000, (3600, 3550), 0.45),
    "perf_kvm": (11700, None, 124.5),
    "kvm_stat": (14500, None, 6.2),
    "stage1": (30600, (420, 240), 1.0),
    "stage2": (29800, (1300, 960), 1.3),
    "stage3": (29200, (1900, 1090), 1.0),
    "stage4": (26100, (3500, 1850), 2.7),
    "foo": (20000, None, 3.0),
}


class Fixture:
    def __init__(self, name, seed):
        self.dir = os.path.join(HERE, "fixtures", name)
        self.res = os.path.join(self.dir, "results")
        # the expected files (make-expected.sh) stay
        shutil.rmtree(self.res, ignore_errors=True)
        for f in ("env", "tried.md"):
            if os.path.exists(os.path.join(self.dir, f)):
                os.remove(os.path.join(self.dir, f))
        os.makedirs(self.res)
        self.rnd = random.Random(seed)
        self.raw = []
        self.notes = []
        self.pid = 3000
        self.prog_id = 5

    def out(self, name, text, mode="w"):
        os.makedirs(os.path.join(self.res, "out"), exist_ok=True)
        with open(os.path.join(self.res, "out", name), mode + "b") as f:
            f.write(text.encode() if isinstance(text, str) else text)

    def rec(self, *fields):
        self.raw.append("\t".join(str(f) for f in fields))

    def loop(self, sect, label, rnd, vcpus, tracer=True, bpf=False, slow=1.0, exits_extra=40,
             cpu_pct=None):
        """One exitgen loop; returns its pid and CPUID count."""
        self.pid += self.rnd.randint(3, 40)
        base = PROFILE.get(label, (30000, None, 0))[0] if sect != "patch" else 32000
        rate = base * (1 + 0.03 * (vcpus - 1)) / slow * self.rnd.uniform(0.7, 1.07)
        cpuid = N * vcpus
        elapsed = int(cpuid / rate * 1e9)
        wall = elapsed + self.rnd.randint(20_000_000, 90_000_000)
        exits = cpuid + exits_extra + self.rnd.randint(0, 30)
        ticks = sched = 0
        if tracer:
            pct = PROFILE[label][2] if cpu_pct is None else cpu_pct
            pct = pct / vcpus * self.rnd.uniform(0.5, 1.5)
            sched = int(wall * pct / 100)
            ticks = round(sched / 1e9 * HZ)
        bpf_ns = bpf_cnt = nprog = 0
        costs = PROFILE.get(label, (0, None))[1] if tracer else None
        if costs:
            nprog = len(costs)
            for i, c in enumerate(costs):
                pid_ = self.prog_base[label] + i
                name = PROG_NAMES[label][i]
                if bpf:
                    ns = int(c * vcpus * self.rnd.uniform(0.8, 1.25) * exits)
                    cnt = exits
                else:
                    ns = cnt = 0
                bpf_ns += ns
                bpf_cnt += cnt
                self.rec("prog", sect, label, rnd, vcpus, pid_, name, ns, cnt)
        self.rec("run", sect, label, rnd, vcpus, self.pid, cpuid, exits, elapsed, wall, ticks,
                 sched, HZ, bpf_ns, bpf_cnt, nprog)
        return self.pid, cpuid

    def start(self, label, rnd, ok=True):
        ms = self.rnd.randint(1500, 7000)
        self.rec("tracer", label, rnd, ms, "ready" if ok else "failed")
        self.prog_base = getattr(self, "prog_base", {})
        self.prog_base[label] = self.prog_id
        self.prog_id += 2

    def write(self, env, tried=None, crlf=False, notes=True):
        nl = "\r\n" if crlf else "\n"
        with open(os.path.join(self.res, "raw.tsv"), "wb") as f:
            f.write("".join(r + nl for r in self.raw).encode())
        if notes:
            with open(os.path.join(self.res, "notes.txt"), "wb") as f:
                f.write("".join(n + nl for n in self.notes).encode())
        with open(os.path.join(self.dir, "env"), "wb") as f:
            f.write("".join(f"{k}={v}\n" for k, v in env.items()).encode())
        if tried is not None:
            with open(os.path.join(self.dir, "tried.md"), "wb") as f:
                f.write(tried.encode())


# ------------------------------------------------------------ tracer outputs
def exittop_json(rows, refreshes=3):
    """exittop -b --json lines, the last with ROWS [(pid, reason, count)]."""
    lines = []
    for k in range(1, refreshes + 1):
        rs = [{"pid": p, "vm": f"exitgen-{p}", "vcpu": 0, "reason": r, "name": "cpuid"
               if r == CPUID else "other", "count": c // refreshes,
               "total_count": c * k // refreshes, "avg_ns": 4100.5} for p, r, c in rows]
        lines.append(json.dumps({"ts": 1765000000.25 + k, "interval_s": 1.0,
                                 "totals": {"rows": len(rs), "rate": 27000.5}, "rows": rs}))
    return "".join(l + "\n" for l in lines)


def bpftrace_count(counts):
    text = "Attaching 1 probe...\n\n\n"
    for r, c in counts:
        text += f"@[{r}]: {c}\n"
    return text


def perf_tables(counts, sep=" "):
    text = ""
    for c in counts:
        text += ("\nAnalyze events for all VMs, all VCPUs:\n\n"
                 "             VM-EXIT    Samples  Samples%     Time%    Min Time    Max Time"
                 "         Avg time \n\n"
                 f"               cpuid{sep}{c:>10}    97.89%    95.12%      4.37us    230.12us"
                 "     41.92us ( +-   1.23% )\n"
                 "                 npf         12     0.55%     2.11%      9.10us     88.00us"
                 "     30.01us ( +-   9.80% )\n\nTotal Samples:2143, Total events handled "
                 "time:93512.33us.\n")
    return text


def kvm_stat_csv(counts, cols=("kvm_exit", "kvm_exit(cpuid)", "kvm_exit(npf)", "kvm_entry")):
    text = "timestamp," + ",".join(cols) + "\n"
    for i, c in enumerate(counts):
        vals = {"kvm_exit": c + 9, "kvm_exit(cpuid)": c, "kvm_exit(npf)": 5, "kvm_entry": c + 9}
        text += f"2026-12-06 13:{10 + i:02d}:00," + ",".join(str(vals.get(k, 0)) for k in cols) \
            + "\n"
    return text


def split3(total, rnd):
    a = rnd.randint(0, total // 2)
    b = rnd.randint(0, total - a)
    return [a, b, total - a - b]


TRACER_CMDS = {
    "exittop": "/tmp/bench-clone/build/exittop -b --json -d 1",
    "exittop_classic": "/tmp/bench-clone/build/exittop -b --json -d 1 --tracepoints classic",
    "bt_count": "bpftrace -e 'tracepoint:kvm:kvm_exit { @[args->exit_reason] = count(); }'",
    "bt_hist": "bpftrace -e 'tracepoint:kvm:kvm_exit { @start[tid] = nsecs; } "
               "tracepoint:kvm:kvm_entry /@start[tid]/ { @ns = hist(nsecs - @start[tid]); "
               "delete(@start[tid]); }'",
    "perf_kvm": "perf kvm stat live -d 1",
    "kvm_stat": "python3 -u /var/cache/exittop/bench/kvm_stat -t -l -c -s 1",
    "stage1": "/tmp/bench-clone/build/bench-stage1/exittop -b --json -d 1",
    "stage2": "/tmp/bench-clone/build/bench-stage2/exittop -b --json -d 1",
    "stage3": "/tmp/bench-clone/build/bench-stage3/exittop -b --json -d 1",
    "stage4": "/tmp/bench-clone/build/bench-stage4/exittop -b --json -d 1",
}


def facts(fx, tracers, cpu="QEMU Virtual CPU version 2.5+ x 2", rounds=3):
    fx.notes += [
        "kernel: 6.1.0-57-amd64", f"cpu: {cpu}", "mem_mb: 2907",
        "bpftrace: bpftrace v0.17.0", "perf: perf version 6.1.192",
        "bpftool: bpftool v7.1.0", "python3: Python 3.11.2", f"N: {N}",
        f"rounds: {rounds}", "patch_rounds: 5", "settle: 2"]
    fx.notes += [f"cmd {t}: {TRACER_CMDS[t]}" for t in tracers if t in TRACER_CMDS]
    fx.notes.append(f"cmd exitgen: /tmp/bench-clone/build/exitgen --vcpus 1|2 --cpuid {N}")


def tracer_round(fx, t, r, bpf=True, output=True, count_off=0):
    """One tracer's turn in round R: start, timed and BPF loops, its output."""
    if t != "none":
        fx.start(t, r)
    has_bpf = bpf and PROFILE[t][1] is not None
    loops = []
    for sect in ("tracers", "bpf") if has_bpf else ("tracers",):
        for v in (1, 2):
            loops.append(fx.loop(sect, t, r, v, tracer=t != "none", bpf=sect == "bpf"))
    pids = [p for p, _ in loops]
    total = sum(c for _, c in loops)
    if not output or t == "none":
        return
    obs = total + count_off
    name = f"{t}.r{r}.out"
    if t in ("exittop", "exittop_classic") or t.startswith("stage"):
        rows = [(p, CPUID, c) for p, c in loops]
        rows[-1] = (rows[-1][0], CPUID, rows[-1][2] + count_off)
        # another reason of the same VM, and a VM that is not exitgen's
        rows += [(pids[0], 0x7b, 812), (fx.pid + 1000, CPUID, 77)]
        fx.out(name, exittop_json(rows))
        fx.out(name + ".err", "")
    elif t == "bt_count":
        fx.out(name, bpftrace_count([(0x7b, 80), (CPUID, obs), (0x400, 12)]))
        fx.out(name + ".err", "")
    elif t == "bt_hist":
        fx.out(name, "Attaching 2 probes...\n\n\n@ns: \n[2K, 4K)  12 |@@@  |\n"
                     "[4K, 8K)  9000 |@@@@@@@@@@|\n")
    elif t == "perf_kvm":
        fx.out(name, "\x1b[H\x1b[2J" * 4)
        fx.out(name + ".err", perf_tables(split3(obs // 10, fx.rnd)))
    elif t == "kvm_stat":
        fx.out(name, kvm_stat_csv(split3(obs, fx.rnd)))
        fx.out(name + ".err", "")


# ------------------------------------------------------------ full
def full():
    fx = Fixture("full", 809)
    tracers = ["none", "exittop", "exittop_classic", "bt_count", "bt_hist", "perf_kvm",
               "kvm_stat", "stage1", "stage2", "stage3", "stage4"]
    facts(fx, tracers)
    fx.notes += ["kvmexit-bpfcc: exit status 1 after 3135 ms",
                 "kvmexit-bpfcc said: Exception: Failed to do precondition check, due to: "
                 "Currently we only support Intel architecture, please do expansion if needs "
                 "more.."]
    for r in (1, 2, 3):
        order = tracers[r - 1:] + tracers[:r - 1]
        for t in order:
            tracer_round(fx, t, r)
            if t == "exittop" and r == 1:
                for pid in (fx.prog_base["exittop"], fx.prog_base["exittop"] + 1):
                    fx.out(f"exittop.profile.{pid}",
                           "Error: bpftool prog profile command is not supported. Please "
                           "build bpftool with clang >= 10.0.0\n")
            if t == "exittop":
                fx.notes.append(f"progs exittop r{r}: {fx.prog_base['exittop']} "
                                f"{fx.prog_base['exittop'] + 1} (fdinfo: /proc/1/fdinfo/9)")
    for r in range(1, 6):
        for fl in (("stock", "patched") if r % 2 else ("patched", "stock")):
            for v in (1, 2):
                fx.loop("patch", fl, r, v, tracer=False,
                        slow=1.0 if fl == "stock" else 1.01)
    fx.notes.append("patch: stock=/var/cache/exittop/6.1/kvm/stock-52d71073d09d5f88 "
                    "patched=/var/cache/exittop/6.1/kvm/patched-0eeb87f96befc0e3")
    # scale LABEL NVMS REFRESHES CPU_TICKS HZ SCHED_NS WALL_NS VMHWM_KB VMRSS_KB ROWS RATE VMS DELAY
    fx.rec("scale", "vms1", 1, 10, 5, HZ, 48_800_000, 4_830_000_000, 11776, 11600, 2,
           15646.234567, 1, 0.5)
    fx.rec("scale", "vms8", 8, 14, 6, HZ, 63_000_000, 7_080_000_000, 11980, 11800, 16,
           11892.1, 8, 0.5)
    fx.rec("scale", "vms8-throttled", 8, 9, 3, HZ, 32_400_000, 4_380_000_000, 11980, 11800,
           16, 2012.49, 8, 0.5)
    fx.rec("scale", "vms32", 32, 14, 10, HZ, 100_800_000, 6_720_000_000, 12083, 11900, 64,
           21735.5, 32, 0.5)
    perf = "# Samples: 48  of event 'cpu-clock'\n"
    for pct, dso, sym in ((12.50, "[kernel.kallsyms]", "[k] finish_task_switch.isra.0"),
                          (8.33, "libc.so.6        ", "[.] hack_digit"),
                          (6.25, "exittop          ", "[.] agg_add")):
        perf += f"    {pct:5.2f}%  {dso}  {sym}\n"
    fx.out("exittop.perf.txt", perf + "\n\n")
    fx.write({
        "BENCH_OTHER_VMS": "before the boot: 0; after it: 0",
        "BENCH_DATE": "2026-12-06 13:49 UTC",
        "BENCH_HOST_CPU": "AMD EPYC (2 cores)",
        "BENCH_HOST_KERNEL": "6.18.44-fc-v1272",
        "BENCH_QEMU": "QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)",
        "BENCH_TESTBED": "Debian 6.1.0-57-amd64 (linux-source-6.1 6.1.192-3), QEMU TCG "
                         "-cpu qemu64,+svm,+npt, 2 vCPUs, 3072 MiB",
        "BENCH_BOOT_CMD": "tests/vm/run --kernel 6.1 --kvm stock --smp 2 --mem 3072 "
                          "--timeout 3900 --results /tmp/bench-clone/build/bench-results "
                          "-- bench/inside.sh",
        "BENCH_LOAD": "before: 0.88 0.99 0.92; after: 1.15 1.09 1.03",
        "BENCH_VM_S": "2652",
        "BENCH_TOTAL_S": "2672",
        "BENCH_KVM_STOCK": "/var/cache/exittop/6.1/kvm/stock-52d71073d09d5f88",
        "BENCH_KVM_PATCHED": "/var/cache/exittop/6.1/kvm/patched-0eeb87f96befc0e3",
        "BENCH_PATCH_WHY": "",
        "BENCH_COMMIT": "809ecab",
    }, tried="## What was tried\n\nFixed text of the fixture (bench/tried.md in a real "
             "run).\n\n1. **one** change\n   continued.\n\n")


# ------------------------------------------------------------ partial
def partial():
    fx = Fixture("partial", 61)
    tracers = ["none", "exittop", "exittop_classic", "bt_count", "bt_hist", "perf_kvm",
               "kvm_stat", "foo"]
    facts(fx, tracers, cpu="AMD Ryzen\u2122 9 7950X \u00ae x 2")
    fx.notes += ["kvmexit-bpfcc: not installed", "settle: 3"]
    for r in (1, 2, 4):    # round 3 lost (rounds need not be contiguous)
        for t in tracers:
            if t == "none":
                # no baseline with 2 vCPUs: no slowdown there
                fx.loop("tracers", "none", r, 1, tracer=False)
                continue
            if t == "perf_kvm" and r == 2:
                fx.start(t, r, ok=False)
                continue
            if t == "foo":
                fx.start(t, r)
                fx.loop("tracers", "foo", r, 1)
                continue
            off = {("exittop_classic", 1): -3, ("exittop_classic", 4): 3}.get((t, r), 0)
            tracer_round(fx, t, r, count_off=off,
                         output=not (t == "kvm_stat" and r == 4))
    # BPF loops whose exitgen gave no KVM exit count (-1: no kvm_stats_total)
    # or none at all
    for v, exits in ((1, -1), (2, 0)):
        fx.rec("run", "bpf", "bt_hist", 5, v, fx.pid + v, N * v, exits, 2_000_000_000,
               2_100_000_000, 0, 0, HZ, 7_000_000_000, 100_000 * v, 2)
        for i, name in enumerate(("kvm_exit", "kvm_entry")):
            fx.rec("prog", "bpf", "bt_hist", 5, v, 90 + i, name, 3_500_000_000, 50_000 * v)
    out = os.path.join(fx.res, "out")
    # exittop: a round whose last line is cut (the last complete one counts),
    # and one without any JSON (no count for that round)
    fx.out("exittop.r2.out", '{"ts": 1765000009.5, "rows": [{"pid": 1', "a")
    fx.out("exittop.r4.out", "exittop: cannot attach\n")
    fx.out("exittop.r4.out.err", "libbpf: prog 'kvm_exit_btf': failed to attach\n")
    # bpftrace: no @[114] line in round 2 (it counted none)
    fx.out("bt_count.r2.out", bpftrace_count([(0x7b, 80)]))
    # perf: CRLF, the count on the line after "cpuid", tabs
    fx.out("perf_kvm.r1.out.err",
           ("\r\n\t  cpuid\r\n   41\t 2.0%\r\n" + perf_tables([100, 7], sep="\t")).encode())
    # kvm_stat: no cpuid column in round 1; underscores, a short row, junk,
    # form feed and record separators as line ends, a unit separator (not one) in round 2
    fx.out("kvm_stat.r1.out", kvm_stat_csv([5, 6], cols=("kvm_exit", "kvm_exit(npf)")))
    fx.out("kvm_stat.r2.out", "Warning: ...\ntimestamp,kvm_exit,KVM_EXIT(CPUID)\n"
                              "13:00:00,10,1_000\n13:00:01,9\n13:00:02,5,x\n13:00:03,5, +7 \n"
                              "timestamp,kvm_exit,KVM_EXIT(CPUID)\n\n13:00:04,5,-2\x0c"
                              "13:00:05,5,40\x1e13:00:06,5,300\x1f\n")
    assert os.path.isdir(out)
    fx.out("exittop.profile.12", "")
    fx.out("exittop.profile.7", ("Error:\t\u00e9\u00e9  " * 40).encode())
    fx.out("exittop.perf.txt", " \n\t\n")
    fx.write({
        "BENCH_OTHER_VMS": "before the boot: 2; after it: 1",
        "BENCH_DATE": "2026-12-07 09:05 UTC",
        "BENCH_HOST_CPU": "AMD EPYC \u00ae (2 cores)",
        "BENCH_LOAD": "before: 2.75 2.10 1.20; after: 2.04 1.93 1.50",
        "BENCH_PATCH_WHY": "tests/vm/build-kvm 6.1 stock failed: gcc: error",
        "BENCH_COMMIT": "abc1234",
        "BENCH_VM_S": "1200",
    }, crlf=True)


def stage_records(fx):
    """Stages with fixed BPF ns per exit: equal medians (+ 0), a drop
    (negative), a missing stage (2 vCPUs: stage2) and one without BPF loops
    (1 vCPU: stage4)."""
    ns = {"stage1": (600, 1800), "stage2": (2000, None), "stage3": (2000, 1800),
          "stage4": (None, 5000), "exittop": (1500, 4000)}
    for t, per_v in ns.items():
        for r in (1, 2):
            fx.start(t, r)
            for v in (1, 2):
                if v == 2 and t == "stage2":
                    continue
                fx.loop("tracers", t, r, v)
                if per_v[v - 1] is None:
                    continue
                exits = N * v + 40
                fx.rec("run", "bpf", t, r, v, fx.pid + 1, N * v, exits, 3_000_000_000,
                       3_100_000_000, 1, 10_000_000, HZ, per_v[v - 1] * exits, 2 * exits, 2)


# ------------------------------------------------------------ sparse
def sparse(name, seed, env, patch=False):
    fx = Fixture(name, seed)
    for r in (1, 2):
        fx.loop("tracers", "none", r, 1, tracer=False)
        fx.loop("tracers", "none", r, 2, tracer=False)
        fx.start("exittop", r)
        # BPF time only from the timed loops: statistics were on anyway
        fx.loop("tracers", "exittop", r, 1, bpf=True, cpu_pct=0.5)
        fx.loop("tracers", "exittop", r, 2, bpf=True, cpu_pct=0.5)
    stage_records(fx)
    # a window with no refresh, one with one; a throttled window without
    # exits nor CPU time
    fx.rec("scale", "vms2", 2, 0, 0, HZ, 0, 0, "", "", 2.6, 0, 0, "2.0")
    fx.rec("scale", "vms8", 8, 1, 1, HZ, 25_000_000, 1_000_000_000, 12000, 11000, 16.0,
           1.5e4, 8, 0.25)
    fx.rec("scale", "vms8-throttled", 8, 3, 0, HZ, 0, 3_000_000_000, 12000, 11000, 16, 0,
           8, 0.25)
    if patch:
        # patched modules measured with 1 vCPU only, a stock round lost
        for r in (1, 2, 3):
            fx.loop("patch", "patched", r, 1, tracer=False)
            if r != 2:
                fx.loop("patch", "stock", r, 1, tracer=False)
            fx.loop("patch", "stock", r, 2, tracer=False)
    fx.write(env, notes=False)


def main():
    full()
    partial()
    sparse("sparse", 7, {})
    sparse("sparse-loaded", 8, {"BENCH_LOAD": "before: inf 1 1", "BENCH_OTHER_VMS":
                                "before the boot: 0; after it: 0 ", "BENCH_KVM_STOCK": "x"},
           patch=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
