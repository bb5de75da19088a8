#!/usr/bin/env python3
"""bench/report.py [--tried FILE] [--no-plot] [--icount TSV] [--icount-kernel TSV]
                 [--icount-patch TSV] [--keyscale TSV] RESULTS_DIR OUT_MD OUT_PNG

Turns the raw records of bench/inside.sh (RESULTS_DIR/raw.tsv, out/,
notes.txt) into docs/benchmarks.md and the slowdown plot (gnuplot,
bench/slowdown.gp; its data goes to RESULTS_DIR/slowdown.dat). Facts about
the host come from BENCH_* environment variables set by bench/run.sh.
With --icount, the deterministic tables of bench/icount.sh's records
(bench/benchreport/icount.py) lead the report, right after the title;
--icount-kernel adds the tracer tables of another kernel's boot and
--icount-patch the kernel patch's table of another kernel; with
--keyscale, the scale table of bench/keyscale.sh's records
(bench/benchreport/keyscale.py) follows them.
bench/run.sh runs it at the end of `make bench`; tests/bench/report-test.sh
checks it on the fixtures under tests/bench/.

The report is a list of sections (SECTIONS below), one function each in
bench/benchreport/sections_*.py: a new table is one more function there and
one more entry in the list.
"""
import argparse
import os
import subprocess
import sys

# no __pycache__ beside the sources (make bench writes only build/ and docs/)
sys.dont_write_bytecode = True

from benchreport import plot  # noqa: E402 (after the line above)
from benchreport.doc import Report  # noqa: E402
from benchreport.results import ENCODING, Results  # noqa: E402
from benchreport import sections_results as results  # noqa: E402
from benchreport import sections_setup as setup  # noqa: E402
from benchreport import sections_tracers as tracers  # noqa: E402
from benchreport import icount  # noqa: E402
from benchreport import keyscale  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))

# In report order. Each takes the Report and appends its lines; a section
# without data writes nothing. targets() records the checks summary() counts.
def deterministic(rep):
    """The icount tables (when --icount gave them; --icount-patch adds the
    kernel patch's table of other kernels), the scale table (when --keyscale
    gave it), then a line that says the wall-clock part follows."""
    if not rep.icount and not rep.keyscale and not rep.icount_patch and not rep.icount_kernel:
        return
    lines = icount.section(rep.icount) if rep.icount else []
    for path in rep.icount_kernel:
        lines += icount.kernel_extra(path)
    for path in rep.icount_patch:
        lines += icount.patch_extra(path)
    if rep.keyscale:
        lines += keyscale.section(rep.keyscale)
    for line in lines:
        rep.w(line)
    rep.w("## Wall clock")
    rep.w("")
    rep.w("Everything below is measured by the host's clock in a separate, ordinary testbed "
          "boot (bench/run.sh): it moves with the host's load; the tables above do not.")
    rep.w("")


SECTIONS = [
    setup.title,
    deterministic,
    setup.setup,
    setup.commands,
    setup.workload,
    setup.definitions,
    tracers.overhead,
    tracers.kvmexit,
    tracers.startup,
    tracers.counts,
    tracers.bpf_programs,
    tracers.profile,
    results.targets,
    results.patch,
    results.scale,
    results.refresh_profile,
    results.stages,
    results.tried,
    results.summary,
]


def fail(msg):
    print(f"report: {msg}", file=sys.stderr)
    sys.exit(1)


def write_file(path, text):
    """PATH gets TEXT whole or not at all."""
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(text.encode(ENCODING))
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(
        prog="bench/report.py",
        description="Write the benchmark report (markdown) and its plot from the results "
                    "of bench/inside.sh.")
    ap.add_argument("--tried", default=os.path.join(HERE, "tried.md"),
                    help="fixed text appended before the summary (default: %(default)s)")
    ap.add_argument("--no-plot", action="store_true",
                    help="write the plot's data file but do not run gnuplot")
    ap.add_argument("--icount", metavar="TSV",
                    help="records of bench/icount.sh: their tables lead the report")
    ap.add_argument("--icount-patch", metavar="TSV", action="append", default=[],
                    help="records of kernel-patch/measure-cost on another kernel: its kernel "
                         "patch table follows the icount tables (repeatable)")
    ap.add_argument("--icount-kernel", metavar="TSV", action="append", default=[],
                    help="records of bench/icount.sh on another kernel: its tracer and stage "
                         "tables follow the icount tables (repeatable)")
    ap.add_argument("--keyscale", metavar="TSV",
                    help="records of bench/keyscale.sh: the scale table follows the icount tables")
    ap.add_argument("results", metavar="RESULTS_DIR")
    ap.add_argument("out_md", metavar="OUT_MD")
    ap.add_argument("out_png", metavar="OUT_PNG")
    args = ap.parse_args()

    try:
        res = Results(args.results)
    except OSError as e:
        fail(str(e))
    rep = Report(res, args.tried)
    rep.icount = args.icount
    rep.keyscale = args.keyscale
    rep.icount_patch = args.icount_patch
    rep.icount_kernel = args.icount_kernel
    for opt, path in [("--icount", args.icount), ("--keyscale", args.keyscale)] + \
            [("--icount-patch", p) for p in args.icount_patch] + \
            [("--icount-kernel", p) for p in args.icount_kernel]:
        if path and not os.path.isfile(path):
            fail(f"{opt} {path}: no such file")
    for path in args.icount_kernel:
        try:
            icount.kernel_extra(path)
        except (OSError, ValueError, IndexError) as e:
            fail(f"--icount-kernel {path}: {e}")
    for path in args.icount_patch:
        try:
            icount.patch_extra(path)
        except (OSError, ValueError, IndexError) as e:
            fail(f"--icount-patch {path}: {e}")
    if args.keyscale:
        try:
            keyscale.load(args.keyscale)
        except (OSError, ValueError, IndexError) as e:
            fail(f"--keyscale {args.keyscale}: {e}")
    try:
        for section in SECTIONS:
            section(rep)
    except ZeroDivisionError:
        # a loop or window that took no time or ran nothing: the raw records
        # are broken, not the report
        fail(f"{args.results}/raw.tsv: a record with a zero time or count where a "
             "measurement must have one")
    md = rep.text()
    try:
        os.makedirs(os.path.dirname(args.out_md) or ".", exist_ok=True)
        write_file(args.out_md, md)
        datafile = os.path.join(args.results, "slowdown.dat")
        write_file(datafile, plot.data(rep))
        if args.no_plot:
            print(f"report: {args.out_md} (no plot: --no-plot)", file=sys.stderr)
            return
        if not plot.draw(rep, datafile, args.out_png, os.path.join(HERE, "slowdown.gp")):
            print("report: no tracer measurements, no plot", file=sys.stderr)
    except (OSError, subprocess.CalledProcessError) as e:
        fail(str(e))
    print(f"report: {args.out_md}, {args.out_png}", file=sys.stderr)


if __name__ == "__main__":
    main()
