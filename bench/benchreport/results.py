"""Reading the results of bench/inside.sh: RESULTS_DIR/raw.tsv, notes.txt and
the files under out/, plus the facts bench/run.sh passes as BENCH_*
environment variables.

Files and environment are read as bytes, one character per byte (latin-1),
and the report is written back the same way: whatever a tool printed (UTF-8
or not) reaches the report unchanged, and lengths count bytes.
"""
import os
import re
from dataclasses import dataclass

ENCODING = "latin-1"
# ASCII white space: what strip() and the whitespace runs of the report mean
# here (str.isspace() would add \x85 and \xa0, which are bytes of UTF-8 text).
SPACE = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"
SPACE_RE = "[" + re.escape(SPACE) + "]"

# The tracers, in the order of every per-tracer table and of the plot: the
# labels bench/inside.sh writes in raw.tsv (labels absent from raw.tsv get no
# rows). check: how the CPUID count is read from out/LABEL.rROUND.out (+ .err),
# see counts.py; "=TEXT" means no check, TEXT is the verdict.
@dataclass(frozen=True)
class Tracer:
    label: str
    short: str
    long: str
    check: str


TRACERS = [
    Tracer("none", "none", "no tracer", "=-"),
    Tracer("exittop", "exittop", "exittop (-b --json -d 1)", "json"),
    Tracer("exittop_classic", "exittop classic",
           "exittop, classic tracepoints (--tracepoints classic)", "json"),
    Tracer("exittop_drill", "exittop --drill", "exittop --drill cpuid (a detail per exit)", "json"),
    Tracer("exittop_drill_idle", "exittop --drill io",
           "exittop --drill io (detail programs attached, no detail for CPUID)", "json"),
    Tracer("bt_count", "bpftrace count", "bpftrace count by reason", "bt"),
    Tracer("bt_hist", "bpftrace hist", "bpftrace latency hist",
           "=n/a: one histogram over all reasons (no per-reason count)"),
    Tracer("perf_kvm", "perf kvm live", "perf kvm stat live", "perf"),
    Tracer("kvm_stat", "kvm_stat", "kvm_stat -t -l", "kvmstat"),
    Tracer("stage1", "exittop stage 1", "exittop cut after stage 1 (bare programs)",
           "=n/a: cut short before the stats map"),
    Tracer("stage2", "exittop stage 2", "exittop cut after stage 2 (+ thread records)",
           "=n/a: cut short before the stats map"),
    Tracer("stage3", "exittop stage 3", "exittop cut after stage 3 (+ exit reason reads)",
           "=n/a: cut short before the stats map"),
    Tracer("stage4", "exittop stage 4", "exittop cut after stage 4 (+ stats map count)",
           "=n/a: cut short before the latency"),
]
TRACER = {t.label: t for t in TRACERS}


def short_name(label):
    t = TRACER.get(label)
    return t.short if t else label


def ascii_lower(s):
    return s.translate(_LOWER)


_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def strip(s):
    return s.strip(SPACE)


# A field of raw.tsv as a number: the longest decimal number at its start
# (after blanks), 0 when there is none. The records are written by shell
# arithmetic and jq, so a field may be empty (a tool failed) or a float.
_NUMBER = re.compile(r"[ \t\n\r\x0b\x0c]*([-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)")
_INTEGER = re.compile(r"[-+]?[0-9]+")


def number(field):
    m = _NUMBER.match(field)
    if not m:
        return 0
    s = m.group(1)
    return int(s) if _INTEGER.fullmatch(s) else float(s)


def read_text(path):
    """The whole file as text, None when it cannot be read."""
    try:
        with open(path, "rb") as f:
            return f.read().decode(ENCODING)
    except OSError:
        return None


def universal_newlines(text):
    """\\r\\n and \\r as \\n (tools write either)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def lines_of(text):
    """The lines of text, the last one with or without its newline."""
    if text == "":
        return []
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return lines


@dataclass
class Run:
    """One exitgen loop: run SECT LABEL ROUND VCPUS PID EXPECTED_CPUID
    KVM_EXITS ELAPSED_NS WALL_NS CPU_TICKS SCHED_NS HZ BPF_RUN_NS BPF_RUN_CNT
    NPROGS"""
    sect: str
    label: str
    round: int
    vcpus: int
    pid: int
    cpuid: int
    exits: int
    elapsed_ns: int
    wall_ns: int
    ticks: int
    sched_ns: int
    hz: int
    bpf_ns: int
    bpf_cnt: int
    nprog: int

    @property
    def rate(self):
        """CPUID exits per second of the guest (exitgen: expected / elapsed)."""
        return self.cpuid / (self.elapsed_ns / 1e9)


@dataclass
class Prog:
    """One BPF program over one loop: prog SECT LABEL ROUND VCPUS ID NAME
    RUN_TIME_NS RUN_CNT (deltas over the loop)"""
    sect: str
    label: str
    round: int
    vcpus: int
    id: int
    name: str
    ns: int
    cnt: int


@dataclass
class Start:
    """One tracer start: tracer NAME ROUND READY_MS ready|failed"""
    name: str
    round: int
    ready_ms: int
    status: str


@dataclass
class Scale:
    """One window of exittop refreshes: scale LABEL NVMS REFRESHES CPU_TICKS
    HZ SCHED_NS WALL_NS VMHWM_KB VMRSS_KB ROWS RATE VMS DELAY"""
    label: str
    vms: int
    refreshes: int
    ticks: int
    hz: int
    sched_ns: int
    wall_ns: int
    hwm_kb: int
    rss_kb: int
    rows: int
    rate: float
    nvms: int
    delay: float


def _fields(x, n):
    return x[1:n + 1] + [""] * (n + 1 - len(x))


def _record(kind, x):
    if kind == "run":
        f = _fields(x, 15)
        return Run(f[0], f[1], *(number(v) for v in f[2:]))
    if kind == "prog":
        f = _fields(x, 8)
        return Prog(f[0], f[1], number(f[2]), number(f[3]), number(f[4]), f[5],
                    number(f[6]), number(f[7]))
    if kind == "tracer":
        f = _fields(x, 4)
        return Start(f[0], number(f[1]), number(f[2]), f[3])
    if kind == "scale":
        f = _fields(x, 13)
        v = [number(s) for s in f[1:]]
        v[8] = int(v[8])        # rows: the most any report had (a whole number)
        return Scale(f[0], *v)
    return None


class Results:
    """Everything the report is made of."""

    def __init__(self, resdir, environ=None):
        self.dir = resdir
        self.environ = os.environb if environ is None else environ
        self.runs, self.progs, self.starts, self.scales = [], [], [], []
        text = read_text(os.path.join(resdir, "raw.tsv"))
        if text is None:
            raise OSError(f"{resdir}/raw.tsv: cannot read")
        # every \r ends a line
        for line in lines_of(text.replace("\r", "\n")):
            x = line.split("\t")
            rec = _record(x[0], x)
            if rec is not None:
                {Run: self.runs, Prog: self.progs, Start: self.starts,
                 Scale: self.scales}[type(rec)].append(rec)
        notes = read_text(os.path.join(resdir, "notes.txt")) or ""
        # the line ends of str.splitlines() that are ASCII
        notes = re.sub("[\r\x0b\x0c\x1c\x1d\x1e]", "\n", notes)
        self.notes = lines_of(notes)

    def out_path(self, name):
        return os.path.join(self.dir, "out", name)

    def env(self, key, default):
        """A BENCH_* fact from bench/run.sh; DEFAULT when unset (not when empty)."""
        v = self.environ.get(key.encode())
        return default if v is None else v.decode(ENCODING)

    def has_env(self, key):
        return key.encode() in self.environ

    def note(self, key):
        """The value of the first "KEY: value" line of notes.txt, None without one."""
        prefix = key + ": "
        for n in self.notes:
            if n.startswith(prefix):
                return n[len(prefix):]
        return None

    def note_or(self, key, default):
        """note(), or DEFAULT when it is missing or empty."""
        return self.note(key) or default

    def note_str(self, key):
        """note() as text: "None" when missing (what the report has always said)."""
        v = self.note(key)
        return "None" if v is None else v
