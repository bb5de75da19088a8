"""Report sections about the tracers: the overhead table, bcc's kvmexit, start
times, the count checks, BPF time per program and bpftool's profile."""
import os
import re

from .numbers import fmt, grouped, median, plain, spread, whole
from .results import ENCODING, SPACE, SPACE_RE, TRACER, TRACERS, short_name
from .stats import VCPUS

_WHAT = {
    "json": "exittop JSON total_count",
    "bt": "@[114]",
    "perf": "sum of per-interval cpuid rows",
    "kvmstat": "sum of kvm_exit(cpuid) column",
}


def count_verdict(rep, t):
    how = TRACER[t].check
    if how.startswith("="):
        return how[1:]
    checks = [(rnd, obs, rep.stats.expected.get((t, rnd), 0))
              for rnd, obs in rep.checks.get(t, [])]
    if not checks:
        return "n/a: no output to compare"
    bad = [c for c in checks if c[1] != c[2]]
    n = len(checks)
    if not bad:
        return f"yes, exact in {n}/{n} rounds"
    worst = bad[0]
    for c in bad[1:]:
        if abs(c[1] - c[2]) > abs(worst[1] - worst[2]):
            worst = c
    return (f"NO in {len(bad)}/{n} rounds ({_WHAT[how]}: e.g. round {plain(worst[0])} "
            f"{grouped(worst[1], 0)} vs {grouped(worst[2], 0)})")


def overhead(rep):
    stats = rep.stats
    rep.w("## Overhead per tracer")
    rep.w("")
    rep.w("| tracer | vCPUs | exits/s median (min-max) | slowdown (per-round min-max) | "
          "BPF ns/exit | BPF ns/run | tracer CPU % (min-max) | sched % | count exact |")
    rep.w("|---|---|---|---|---|---|---|---|---|")
    for t in stats.tracers:
        none = t == "none"
        for v in VCPUS:
            s = stats.get(t, v)
            if not s:
                continue
            if s.bpf_exit:
                bx = f"{fmt(median(s.bpf_exit), 0)} ({whole(s.nprog)} prog)"
            else:
                bx = "-" if none else "n/a (no BPF)"
            if s.bpf_run:
                bi = fmt(median(s.bpf_run), 0)
            else:
                bi = "-" if none else "n/a"
            cpu = "-" if none else f"{fmt(median(s.cpu), 2)} ({spread(s.cpu, 2)})"
            sched = "-" if none else fmt(median(s.sched), 2)
            slow = "1.00" if none else f"{fmt(s.slowdown, 2)}x ({spread(s.ratios, 2)})"
            count = count_verdict(rep, t) if v == 1 else '"'
            rep.w(f"| {TRACER[t].long} | {v} | {fmt(median(s.rates), 0)} "
                  f"({spread(s.rates, 0)}) | {slow} | {bx} | {bi} | {cpu} | {sched} | "
                  f"{count} |")
    # bcc's kvmexit never runs on this AMD testbed (see kvmexit())
    rep.w("| bcc kvmexit (`kvmexit-bpfcc`) | - | did not run | - | - | - | - | - | "
          "n/a: refuses on AMD |")
    rep.w("")


def kvmexit(rep):
    res = rep.res
    rep.w(f"bcc's kvmexit (bpfcc-tools {res.note_or('bcc', '0.26')}, with linux-headers of "
          "the testbed ABI installed) stops before loading anything: "
          f"`{res.note_or('kvmexit-bpfcc said', 'not run')}` "
          f"({res.note_or('kvmexit-bpfcc', '')}). Its precondition check reads "
          "`vendor_id` from /proc/cpuinfo and accepts only Intel; its exit-reason table is "
          "VMX-only as well.")
    rep.w("")


def startup(rep):
    ready, failed = {}, []
    for x in rep.res.starts:
        if x.status == "ready":
            ready.setdefault(x.name, []).append(x.ready_ms / 1000)
        else:
            failed.append(f"{x.name} round {plain(x.round)}")
    if ready:
        times = ", ".join(f"{short_name(t)} {fmt(median(ready[t]), 1)}" for t in sorted(ready))
        rep.w(f"Time from start to attached (median, s): {times}.")
        rep.w("")
    if failed:
        rep.w(f"Tracer starts that failed: {', '.join(failed)}.")
        rep.w("")


def counts(rep):
    for t, checks in rep.checks.items():
        rounds = "; ".join(
            f"r{plain(rnd)} {grouped(obs, 0)}/{grouped(rep.stats.expected.get((t, rnd), 0), 0)}"
            for rnd, obs in checks)
        rep.w(f"* counts {short_name(t)}: {rounds}")
    rep.w("")


def bpf_programs(rep):
    progs = [p for p in rep.res.progs if p.sect in ("tracers", "bpf")]
    if not any(p.label == "exittop" for p in progs):
        return
    rep.w("BPF run time per program (median over rounds and loops of run_time_ns/run_cnt):")
    rep.w("")
    rep.w("| tool | program | ns/run | runs per exit |")
    rep.w("|---|---|---|---|")
    for t in TRACERS:
        mine = [p for p in progs if p.label == t.label]
        for name in sorted({p.name for p in mine}):
            per_run, per_exit = [], []
            for p in mine:
                if p.name != name or p.cnt <= 0:
                    continue
                per_run.append(p.ns / p.cnt)
                exits = rep.stats.bpf_exits.get((t.label, p.round, p.vcpus))
                if exits:
                    per_exit.append(p.cnt / exits)
            rep.w(f"| {t.short} | {name} | {fmt(median(per_run), 0)} | "
                  f"{fmt(median(per_exit), 3)} |")
    rep.w("")


def profile(rep):
    """What `bpftool prog profile` said on exittop's programs (when run)."""
    out = os.fsencode(rep.res.out_path(""))
    try:
        names = sorted(n for n in os.listdir(out)
                       if n.startswith(b"exittop.profile.") and os.path.exists(out + n))
    except OSError:
        names = []
    said = []
    for n in names:
        try:
            with open(out + n, "rb") as f:
                txt = f.read().decode(ENCODING)
        except OSError:
            txt = ""
        txt = re.sub(SPACE_RE + "+", " ", txt).strip(SPACE)[:300]
        prog_id = n.decode(ENCODING).rsplit(".", 1)[-1]
        said.append(f"id {prog_id}: `{txt or '(no output)'}`")
    if said:
        rep.w("`bpftool prog profile id ID duration 2 cycles instructions` on exittop's "
              f"programs: {'; '.join(said)}")
        rep.w("")
