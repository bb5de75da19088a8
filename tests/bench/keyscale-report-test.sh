#!/bin/sh
# tests/bench/keyscale-report-test.sh: bench/keyscale_report.py on a
# hand-made record file (tests/bench/keyscale/keyscale.tsv). The expected
# figures below are worked out by hand from the file:
#   6.1, 2 CPUs, 16,384 keys: 40,000,000 ns / 5 refreshes = 8,000,000 per
#     refresh = 0.8% of the 1 s interval (<= 1%: met); 6,000,000 B = 5.72 MiB
#   6.1, 640 CPUs, 16,384 keys: 9,000,000 = 0.9%, but 12 VM exits during
#     the measured refreshes: not quiet, so NOT met; against 2 CPUs
#     (9 - 8) / 8 = 12.5% apart (> 10%: NOT met)
#   65,536 keys, 6.1: 30,000,000 and 31,000,000: 3.3% apart (met)
#   memory at 65,536 keys: 640 CPUs 8,388,608 B = exactly 8 MiB (<= 8 MiB:
#     met); 2 CPUs 25,165,824 B = 24.00 MiB on 6.1 and 25,176,144 B =
#     24.01 MiB on 6.12 (NOT met); 6.1's figures are marked (formula)
#   6.12's 65,536 row: 4 + 65,000 keys live, not the 65,536 wanted, and 3
#     dropped: the drop line is NOT met
#   per map at 65,536 keys: 6.1, 2 CPUs 19,922,944 + 1,572,864 =
#     21,495,808 B (20.50 MiB); 6.12 has pids, 6.1 none ("-"); stats first
# Records with each refresh's run time (tests/bench/keyscale/keyscale-each.tsv):
#   640 CPUs, 16 keys: 100,000 x 4 and one 500,000: median 100,000, mean
#     900,000 / 5 = 180,000; 2 CPUs 98,000-102,000: median 100,000, so
#     0.0% apart (the mean would be 80% apart)
#   640 CPUs, 16,384 keys, six refreshes: median of 4.5, 4.5, 4.5, 5.4, 5.5,
#     5.6 M = (4.5 + 5.4) / 2 = 4,950,000 = 0.495%; 1.0% apart from 5 M
# Then bench/report.py --keyscale on the sparse fixture: the section comes
# before the wall-clock part; a file without records fails, nothing written.
# Exit 0 pass, 1 fail.
set -u
cd "$(dirname "$0")/../.." || exit 1
fails=0
pass() { echo "ok   $*"; }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }
out=$(mktemp "${TMPDIR:-/tmp}/keyscale-report.XXXXXX")
trap 'rm -rf "$out" "$out.d"' EXIT

python3 bench/keyscale_report.py tests/bench/keyscale/keyscale.tsv >"$out"
rc=$?
[ "$rc" = 0 ] && pass "exit 0" || fail "exited $rc, want 0"
want() { # DESCRIPTION FIXED-STRING
	if grep -qF -- "$2" "$out"; then pass "$1"; else fail "$1: no line with '$2'"; fi
}
want "row: per refresh, share of a core, formula mark" \
	"| 6.1 | 2 | 16,384 (4 + 16,380) | 16,384 | 5.72 MiB (formula) | 8,000,000 (5 refreshes) | 0.800% | 20.0 MiB | 0 | 500 |"
want "row: fewer keys live than wanted, drops" \
	"| 6.12 | 2 | 65,004 (4 + 65,000), 65,536 wanted | 65,536 | 24.01 MiB | 30,400,000 (5 refreshes) | 3.040% | 40.0 MiB | 3 | 650 |"
want "maps: stats first, a map one boot lacks" "| stats | array | 65,536 | 4 + 296 | 19,922,944 | 19,922,944 | 19,402,752 |"
want "maps: missing cells" "| pids | hash | 64 | 4 + 1 | - | - | 6,224 |"
want "maps: totals" "| **all** | | | | 21,495,808 (20.50 MiB) | 19,922,944 (19.00 MiB) | 25,176,144 (24.01 MiB) |"
want "memory at 640 CPUs: 8 MiB is met" "at 640 possible CPUs: 8.00 MiB (6.1, formula): **met**"
want "memory at 2 CPUs: both kernels, NOT met" "at 2 possible CPUs: 24.00 MiB (6.1, formula); 24.01 MiB (6.12): **NOT met**"
want "drops: NOT met (3 dropped, keys short)" "6.12, 2 possible CPUs: 65,004 live, 3 dropped, 650 VM exits counted meanwhile: **NOT met**"
want "CPU at 16,384 keys, 2 CPUs" "6.1, 2 possible CPUs: 8,000,000 guest ns = 0.80% (30,000,000 = 3.00% at 65,536 keys): **met**"
want "not quiet: marked in the row" "| 9,000,000 (5 refreshes) NOT quiet: 12 exits meanwhile | 0.900% |"
want "not quiet: no verdict met" "640 possible CPUs: 9,000,000 guest ns = 0.90% (31,000,000 = 3.10% at 65,536 keys) (the guest was not quiet: not a valid measurement): **NOT met**"
want "CPU independence at 16,384 keys" "6.1, 16,384 keys: 8,000,000-9,000,000 guest ns, 12.5% apart: **NOT met**"
want "CPU independence at 65,536 keys" "6.1, 65,536 keys: 30,000,000-31,000,000 guest ns, 3.3% apart: **met**"
if grep -qF "within 10%, 6.12" "$out"; then fail "an independence line for one CPU count"; else pass "no independence line for 6.12's one CPU count"; fi
python3 bench/keyscale_report.py tests/bench/keyscale/keyscale-each.tsv >"$out"
want "each refresh: the median, range and mean" \
	"| 100,000 (median of 5: 100,000-500,000; mean 180,000) | 0.010% |"
want "each refresh: an even count's median" "| 4,950,000 (median of 6: 4,500,000-5,600,000; mean 5,000,000) | 0.495% |"
want "each refresh: independence by the medians" "6.1, 16 keys: 100,000-100,000 guest ns, 0.0% apart: **met**"
want "each refresh: CPU verdict by the median" "6.1, 640 possible CPUs: 4,950,000 guest ns = 0.50%: **met**"
python3 bench/keyscale_report.py /nonexistent/keyscale.tsv >/dev/null 2>"$out"
rc=$?
[ "$rc" = 1 ] && grep -q 'keyscale_report.py: /nonexistent/keyscale.tsv' "$out" &&
	pass "missing file: exit 1 with its name" || fail "missing file: exit $rc"
printf 'meta\tdate\tx\n' >"$out.tsv"
python3 bench/keyscale_report.py "$out.tsv" >/dev/null 2>"$out"
rc=$?
rm -f "$out.tsv"
[ "$rc" = 1 ] && grep -q 'no keyscale records' "$out" &&
	pass "no records: exit 1, says so" || fail "no records: exit $rc"

# in the whole report (bench/report.py --keyscale), on the sparse fixture
. tests/bench/fixture-env.sh
fx=tests/bench/fixtures/sparse
report_on_fixture "$fx" "$out.d" --keyscale tests/bench/keyscale/keyscale.tsv
rc=$?
s=$(grep -n '^## Scale: possible CPUs x live keys' "$out.d/out.md" | cut -d: -f1)
w=$(grep -n '^## Wall clock' "$out.d/out.md" | cut -d: -f1)
[ "$rc" = 0 ] && [ -n "$s" ] && [ -n "$w" ] && [ "$s" -lt "$w" ] &&
	pass "report.py --keyscale: the section (line $s) before the wall-clock part (line $w)" ||
	fail "report.py --keyscale: exit $rc, section at '${s:-none}', wall clock at '${w:-none}': $(cat "$out.d/err")"
rm -f "$out.d/out.md"
printf 'meta\tdate\tx\n' >"$out.d/bad.tsv"
report_on_fixture "$fx" "$out.d" --keyscale "$out.d/bad.tsv"
rc=$?
[ "$rc" = 1 ] && grep -q 'no keyscale records' "$out.d/err" && [ ! -e "$out.d/out.md" ] &&
	pass "report.py --keyscale without records: exit 1, nothing written" ||
	fail "report.py --keyscale without records: exit $rc: $(cat "$out.d/err")"
[ "$fails" = 0 ] && echo "all passed"
[ "$fails" = 0 ]
