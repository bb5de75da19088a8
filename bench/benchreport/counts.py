"""The CPUID count each tracer reported in each round, read from its output
(out/LABEL.rROUND.out, then its .err), to compare with what exitgen ran.

How a tracer's output is read (Tracer.check in results.py):
  json     exittop's JSON lines: the last line that parses; total_count of
           its CPUID rows of exitgen's pids in that round
  bt       bpftrace's map: the @[114] line (0 without one)
  perf     perf kvm stat live: the cpuid rows of all interval tables, summed
  kvmstat  kvm_stat -l -c: the kvm_exit(cpuid) column, summed
"""
import json
import re

from .results import SPACE_RE, TRACER, ascii_lower, read_text, strip, universal_newlines
from .numbers import plain

SVM_CPUID = 0x72        # SVM exit code of CPUID (114)
# the line ends of str.splitlines() that are ASCII (\r is gone already)
_LINE_END = "[\n\x0b\x0c\x1c\x1d\x1e]"


class Unreadable(Exception):
    """The output holds no count (as opposed to a count of 0)."""


def _exittop(text, pids):
    last = None
    for line in re.split(_LINE_END, text):
        line = strip(line)
        if not line.startswith("{"):
            continue
        try:
            last = json.loads(line)
        except ValueError:
            pass
    if last is None:
        raise Unreadable
    rows = last.get("rows") if isinstance(last, dict) else None
    if isinstance(rows, dict):
        rows = list(rows.values())
    elif not isinstance(rows, list):
        rows = []
    total = None
    for row in rows:
        if row is None:
            continue
        if not isinstance(row, dict):
            raise Unreadable
        if _same(row.get("reason"), SVM_CPUID) and any(_same(row.get("pid"), p) for p in pids):
            n = row.get("total_count")
            if n is None:
                continue
            if isinstance(n, bool) or not isinstance(n, (int, float)):
                raise Unreadable
            total = n if total is None else total + n
    return 0 if total is None else total


def _same(json_value, n):
    """JSON equality of a number (true is not 1)."""
    return not isinstance(json_value, bool) and isinstance(json_value, (int, float)) \
        and json_value == n


def _bpftrace(text):
    for line in text.split("\n"):
        m = re.match(r"@\[%d\]: ([0-9]+)" % SVM_CPUID, line)
        if m:
            return int(m.group(1))
    return 0


_PERF_LINE = re.compile(SPACE_RE + "*cpuid")
_PERF_ROW = re.compile(SPACE_RE + "*cpuid" + SPACE_RE + "+([0-9]+)" + SPACE_RE)


def _perf(text):
    # A row starts at a line holding "cpuid" after blanks and may run on into
    # the next lines ("cpuid" alone on its line, the count on the next).
    total = pos = 0
    for line in text.split("\n"):
        start = pos
        pos += len(line) + 1
        if _PERF_LINE.match(line):
            m = _PERF_ROW.match(text, start)
            if m:
                total += int(m.group(1))
    return total


def _py_int(s):
    s = strip(s)
    if not re.fullmatch(r"[-+]?[0-9]+(_[0-9]+)*", s):
        return None
    return int(s.replace("_", ""))


def _kvm_stat(text):
    lines = [l for l in re.split(_LINE_END, text) if strip(l)]
    head = next((l for l in lines if l.startswith("timestamp,")), None)
    if head is None:
        raise Unreadable
    cols = head.split(",")
    idx = next((i for i, c in enumerate(cols) if ascii_lower(c) == "kvm_exit(cpuid)"), None)
    if idx is None:
        raise Unreadable
    total = 0
    for l in lines:
        v = l.split(",")
        if l.startswith("timestamp,") or len(v) != len(cols):
            continue
        n = _py_int(v[idx])
        if n is not None:
            total += n
    return total


def _read_output(res, label, rnd):
    """The tracer's stdout, then its stderr; None without stdout."""
    path = res.out_path(f"{label}.r{plain(rnd)}.out")
    text = read_text(path)
    if text is None:
        return None
    text = universal_newlines(text)
    err = read_text(path + ".err")
    if err is not None:
        text += "\n" + universal_newlines(err)
    return text


def count_checks(res):
    """{label: [(round, observed count)]}, labels sorted by name, rounds by
    number; tracers without a check or without a count are left out."""
    pids = {}
    for r in res.runs:
        if r.sect in ("tracers", "bpf"):
            pids.setdefault((r.label, r.round), []).append(r.pid)
    checks = {}
    for (label, rnd), ps in pids.items():
        how = TRACER[label].check if label in TRACER else ""
        if how.startswith("=") or not how:
            continue
        text = _read_output(res, label, rnd)
        if text is None:
            continue
        try:
            if how == "json":
                n = _exittop(text, ps)
            elif how == "bt":
                n = _bpftrace(text)
            elif how == "perf":
                n = _perf(text)
            else:
                n = _kvm_stat(text)
        except Unreadable:
            continue
        checks.setdefault(label, []).append((rnd, n))
    return {t: sorted(checks[t], key=lambda c: c[0]) for t in sorted(checks)}
