"""docs/benchmarks.png: the slowdown of each tracer (bench/slowdown.gp)."""
import subprocess

from .numbers import fixed, truthy
from .results import ENCODING, TRACER
from .stats import VCPUS


def data(rep):
    """The plot's data file: per tracer (not the stages, they have their own
    table) the slowdown and the min and max of the per-round ratios per vCPU
    count, zeros where not measured."""
    rows = ["# tracer s1 min1 max1 s2 min2 max2"]
    for t in rep.stats.tracers:
        if t == "none" or t.startswith("stage"):
            continue
        row = f'"{TRACER[t].short}"'
        for v in VCPUS:
            s = rep.stats.get(t, v)
            if s and truthy(s.slowdown) and s.ratios:
                row += (f" {fixed(s.slowdown, 4)} {fixed(min(s.ratios), 4)} "
                        f"{fixed(max(s.ratios), 4)}")
            else:
                row += " 0 0 0"
        rows.append(row)
    return "".join(r + "\n" for r in rows)


def subtitle(rep):
    return (f"nested SVM on QEMU TCG (software emulation: ratios only), "
            f"{rep.res.note_str('N')} CPUIDs per vCPU, {rep.stats.rounds} rounds, "
            f"{rep.res.env('BENCH_DATE', '')}")


def draw(rep, datafile, out_png, script):
    """gnuplot SCRIPT on DATAFILE into OUT_PNG; False when there is nothing
    to draw. Raises OSError or CalledProcessError when gnuplot fails."""
    with open(datafile, "rb") as f:
        if len(f.read().splitlines()) <= 1:
            return False
    sub = subtitle(rep)
    subprocess.run(["gnuplot", "-e",
                    f"datafile='{datafile}'; outfile='{out_png}'; subtitle='{sub}'".encode(
                        ENCODING), script], check=True)
    return True
