#!/usr/bin/env python3
"""bench/icount_report.py [--check] ICOUNT.TSV

Prints the deterministic tables (bench/benchreport/icount.py) of the records
bench/icount.sh wrote: guest nanoseconds per exit under QEMU icount, that is
emulated instructions per exit. --check: exit 1 when the rounds of some row
differ by more than 0.5% of its median (after printing). bench/icount-run.sh
runs it; bench/report.py puts the same tables at the top of the full report.
"""
import os
import sys

sys.dont_write_bytecode = True  # make bench writes only build/ and docs/
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchreport import icount  # noqa: E402


def main(argv):
    args = [a for a in argv if a != "--check"]
    if len(args) != 1 or args[0].startswith("-"):
        sys.stderr.write(__doc__)
        return 2
    try:
        _, loops, _ = icount.load(args[0])
        lines = icount.section(args[0])
    except (OSError, ValueError) as e:
        sys.stderr.write(f"icount_report.py: {args[0]}: {e}\n")
        return 1
    if not loops:
        sys.stderr.write(f"icount_report.py: {args[0]}: no loop records\n")
        return 1
    print("\n".join(lines))
    if "--check" in argv and icount.disagreements(loops):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
