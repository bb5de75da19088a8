#!/usr/bin/env python3
"""bench/keyscale_report.py KEYSCALE.TSV: the scale section of bench/keyscale.sh's
records (possible CPUs x live keys: BPF map memory, exittop CPU per refresh,
VmHWM; memory per map; the verdicts of issue 11) as markdown."""
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchreport import keyscale  # noqa: E402


def main(argv):
    if len(argv) != 1:
        sys.stderr.write(__doc__ + "\n")
        return 2
    try:
        print("\n".join(keyscale.section(argv[0])))
    except (OSError, ValueError, IndexError) as e:
        sys.stderr.write(f"keyscale_report.py: {argv[0]}: {e}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
