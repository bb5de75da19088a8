"""Per tracer and vCPU count: the figures of the overhead table, from the
run records of the timed loops ("tracers") and of the loops with BPF
run-time statistics on ("bpf").
"""
from dataclasses import dataclass, field

from .numbers import median
from .results import TRACERS

VCPUS = (1, 2)


@dataclass
class TracerStats:
    runs: int = 0                                 # timed loops
    rates: list = field(default_factory=list)     # exits/s per timed loop
    ratios: list = field(default_factory=list)    # no-tracer rate / rate, same round
    cpu: list = field(default_factory=list)       # tracer CPU %, clock ticks
    sched: list = field(default_factory=list)     # tracer CPU %, schedstat
    bpf_exit: list = field(default_factory=list)  # BPF ns per KVM exit
    bpf_run: list = field(default_factory=list)   # BPF ns per program run
    nprog: int = 0                                # most programs in one loop
    slowdown: float = None                        # median rate none / median rate


class Stats:
    """The aggregates the sections share, computed once."""

    def __init__(self, res):
        timed = [r for r in res.runs if r.sect == "tracers"]
        present = {r.label for r in timed}
        # the tracers measured, in table order
        self.tracers = [t.label for t in TRACERS if t.label in present]
        self.rounds = len({r.round for r in timed})
        # sum of exitgen's expected CPUIDs per (label, round), for the count
        # check: the timed and the BPF loops
        self.expected = {}
        # KVM's exit count of each BPF loop (label, round, vcpus)
        self.bpf_exits = {}
        for r in res.runs:
            if r.sect in ("tracers", "bpf"):
                k = (r.label, r.round)
                self.expected[k] = self.expected.get(k, 0) + r.cpuid
            if r.sect == "bpf":
                self.bpf_exits[(r.label, r.round, r.vcpus)] = r.exits
        self.by = {}
        for t in self.tracers:
            for v in VCPUS:
                s = self._tracer(res.runs, t, v)
                if s.runs:
                    self.by[(t, v)] = s
        for (t, v), s in self.by.items():
            base = self.by.get(("none", v))
            if base:
                s.slowdown = median(base.rates) / median(s.rates)

    @staticmethod
    def _tracer(runs, t, v):
        base = {r.round: r.rate for r in runs
                if r.sect == "tracers" and r.label == "none" and r.vcpus == v}
        s = TracerStats()
        for r in runs:
            if r.label != t or r.vcpus != v:
                continue
            # BPF time from the loops with bpf_stats (section "bpf"); the
            # timed loops have none unless statistics were on anyway
            if r.sect in ("tracers", "bpf") and r.nprog and r.bpf_cnt > 0:
                if r.exits > 0:
                    s.bpf_exit.append(r.bpf_ns / r.exits)
                s.bpf_run.append(r.bpf_ns / r.bpf_cnt)
                s.nprog = max(s.nprog, r.nprog)
            if r.sect != "tracers":
                continue
            s.runs += 1
            s.rates.append(r.rate)
            if r.round in base:
                s.ratios.append(base[r.round] / r.rate)
            s.cpu.append(100.0 * r.ticks / r.hz / (r.wall_ns / 1e9))
            s.sched.append(100.0 * r.sched_ns / r.wall_ns)
            s.nprog = max(s.nprog, r.nprog)
        return s

    def get(self, t, v):
        return self.by.get((t, v))
