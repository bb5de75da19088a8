#!/bin/sh
# tests/bench/icount-report-test.sh: bench/icount_report.py on a hand-made
# record file (tests/bench/icount/icount.tsv). The expected figures below are
# worked out by hand from the file's loop times (ns / 20000 CPUID exits):
#   none 54,600,000 x4 + 54,620,000 -> median 2,730, min-max 2,730-2,731
#   perf_stat 62,000,000 -> 3,100: +370, slowdown 3100/2730 = 1.136
#   exittop 71.6/71.8/71.8/71.8/72.0 M -> median 3,590 (+860, 1.315),
#     spread (3,600-3,580)/3,590 = 0.56%: over 0.5%, so --check fails;
#     round 3 had a refresh: "[1 with a refresh]"
#   stage1 57,400,000 -> 2,870: +140 over no tracer
#   floor 64,000,000 -> 3,200: +470, above perf stat's +370
#   exittop +860 > perf stat +370: the target is not met
#   patch: stock 2,730; on 2,740: +10, 10/2730 = +0.37% (<= 1%: met);
#     off 54,660,000 -> 2,733: +3, 3/2730 = +0.11% (> 0.1%: NOT met);
#     no debian records: no debian row
#   bt_hist failed to start: "did not start"
# Exit 0 pass, 1 fail.
set -u
cd "$(dirname "$0")/../.." || exit 1
fails=0
pass() { echo "ok   $*"; }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }
out=$(mktemp "${TMPDIR:-/tmp}/icount-report.XXXXXX")
trap 'rm -f "$out"' EXIT

python3 bench/icount_report.py --check tests/bench/icount/icount.tsv >"$out"
rc=$?
[ "$rc" = 1 ] && pass "--check: exit 1 (exittop's rounds 0.56% apart)" || fail "--check exited $rc, want 1"
want() { # DESCRIPTION FIXED-STRING
	if grep -qF -- "$2" "$out"; then pass "$1"; else fail "$1: no line with '$2'"; fi
}
want "none: median, min-max" "| none | 2,730 | 5: 2,730-2,731 (0.04%) | - | 1.000 |"
want "perf stat: added and slowdown" "| 3,100 | 5: 3,100-3,100 (0.00%) | +370 | 1.136 |"
want "exittop: median, spread, refresh mark" "| 3,590 | 5: 3,580-3,600 (0.56%) [1 with a refresh] | +860 | 1.315 |"
want "disagreement named" "NOT within: tracers exittop, 1 vCPU, pinned to CPU 0: 0.56%"
want "failed tracer" "| bpftrace exit-to-entry histogram | did not start |"
want "stage 1 part" "| bare BTF program pair (return at once) | 2,870 | 5: 2,870-2,870 (0.00%) | +140 | +140 |"
want "target verdict" "+860 against +370: **NOT met**"
want "floor in the verdict" "floor, programs that only read the exit reason and the clock twice: +470, above perf stat's"
want "floor row" "| 3,200 | 5: 3,200-3,200 (0.00%) | +470 | 1.172 |"
want "patch on row" "| patched, \`kvm.exit_stats=1\` (on) | 2,740 | 2: 2,740-2,740 (0.00%) | +10.0 (+0.37%) | at most 1% above stock: **met** |"
want "patch off row" "| 2,733 | 2: 2,733-2,733 (0.00%) | +3.0 (+0.11%) | within 0.1% of stock: **NOT met** |"
if grep -qF "| Debian's own" "$out"; then fail "a debian row without debian records"; else pass "no debian row without its records"; fi
python3 bench/icount_report.py tests/bench/icount/icount.tsv >/dev/null
rc=$?
[ "$rc" = 0 ] && pass "without --check: exit 0" || fail "without --check: exit $rc"
python3 bench/icount_report.py /nonexistent/icount.tsv >/dev/null 2>"$out"
rc=$?
[ "$rc" = 1 ] && grep -q 'icount_report.py: /nonexistent/icount.tsv' "$out" &&
	pass "missing file: exit 1 with its name" || fail "missing file: exit $rc"
# bench/report.py OPT FILE, for the other boots of make bench (--icount-patch:
# the kernel patch on 6.12; --icount-kernel: exittop's tracers on 6.12), each
# fed the same record file: its tables under a heading that names the
# kernel, after the icount tables and before the wall-clock part; the file
# without the records it needs: exit 1, nothing written.
. tests/bench/fixture-env.sh
fx=tests/bench/fixtures/sparse
report_extra() { # OPT HEADING ROW DROPPED-RECORDS ERROR
	report_on_fixture "$fx" "$out.d" "$1" tests/bench/icount/icount.tsv
	rc=$?
	h=$(grep -n "^$2" "$out.d/out.md" | cut -d: -f1)
	w=$(grep -n '^## Wall clock' "$out.d/out.md" | cut -d: -f1)
	[ "$rc" = 0 ] && [ -n "$h" ] && [ -n "$w" ] && [ "$h" -lt "$w" ] && grep -qF -- "$3" "$out.d/out.md" &&
		pass "report.py $1: its tables (line $h) before the wall-clock part (line $w)" ||
		fail "report.py $1: exit $rc, heading at '${h:-none}', wall clock at '${w:-none}': $(cat "$out.d/err")"
	rm -f "$out.d/out.md"
	grep -v "^$4" tests/bench/icount/icount.tsv >"$out.d/dropped.tsv"
	report_on_fixture "$fx" "$out.d" "$1" "$out.d/dropped.tsv"
	rc=$?
	[ "$rc" = 1 ] && grep -q "$5" "$out.d/err" && [ ! -e "$out.d/out.md" ] &&
		pass "report.py $1 without its records: exit 1, nothing written" ||
		fail "report.py $1 without its records: exit $rc: $(cat "$out.d/err")"
}
report_extra --icount-patch "### The kernel patch's cost on 6.1.0-test (stock against patched KVM" \
	"| patched, \`kvm.exit_stats=1\` (on) | 2,740 | 2: 2,740-2,740 (0.00%) | +10.0 (+0.37%) | at most 1% above stock: **met** |" \
	"loop	patch" "no kernel patch records"
report_extra --icount-kernel "## Deterministic cost per exit on 6.1.0-test (QEMU icount" \
	"| 3,590 | 5: 3,580-3,600 (0.56%) [1 with a refresh] | +860 | 1.315 |" \
	"loop	tracers" "no tracer records"
rm -rf "$out.d"
[ "$fails" = 0 ] && echo "all passed"
[ "$fails" = 0 ]
