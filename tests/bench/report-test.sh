#!/bin/sh
# tests/bench/report-test.sh: bench/report.py on the fixtures under
# tests/bench/fixtures/ (made by make-fixtures.py: plausible results of
# bench/inside.sh covering every section and edge case) must write, byte for
# byte, the report and plot data in expected.md / expected-slowdown.dat.
# Those were written by the OLD generator, bench/report.sh of commit e3e6c40
# (sh + awk + jq, see make-expected.sh): an independent implementation, not
# output of the code under test. The plot itself (gnuplot) is drawn when
# gnuplot is installed (`make bench` installs it) and checked to be a PNG.
# Then the errors: bad usage and a missing raw.tsv fail with a message and
# write nothing.
# Exit 0 pass, 1 fail.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/bench/fixture-env.sh
PYTHON=${PYTHON:-python3}
fails=0
pass() { echo "ok   $*"; }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

command -v "$PYTHON" >/dev/null || { echo "FAIL $PYTHON not installed (scripts/deps.sh test)"; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/report-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

plot=--no-plot
command -v gnuplot >/dev/null && plot=""
[ -n "$plot" ] && echo "note gnuplot not installed: the PNG is not drawn (the plot data is checked)"

# run_report FIXTURE: bench/report.py on a copy of its results (the plot data
# is written into the results directory), with only its BENCH_* facts
run_report() {
	fx=tests/bench/fixtures/$1
	rm -rf "$tmp/res" "$tmp/out.md" "$tmp/out.png"
	cp -R "$fx/results" "$tmp/res"
	tried=$fx/tried.md
	[ -f "$tried" ] || tried=$tmp/no-tried.md
	(
		fixture_env "$fx"
		# shellcheck disable=SC2086
		"$PYTHON" bench/report.py --tried "$tried" $plot "$tmp/res" "$tmp/out.md" "$tmp/out.png"
	) 2>"$tmp/err"
}

n=0
for fx in tests/bench/fixtures/*/; do
	name=${fx%/}
	name=${name##*/}
	n=$((n + 1))
	if ! run_report "$name"; then
		fail "$name: bench/report.py failed: $(cat "$tmp/err")"
		continue
	fi
	if cmp -s "$tmp/out.md" "$fx/expected.md"; then
		pass "$name: report identical to the old report.sh's ($(wc -l <"$fx/expected.md") lines)"
	else
		fail "$name: report differs from the old report.sh's:"
		diff "$fx/expected.md" "$tmp/out.md" | head -n 20
	fi
	if cmp -s "$tmp/res/slowdown.dat" "$fx/expected-slowdown.dat"; then
		pass "$name: plot data identical"
	else
		fail "$name: plot data differs:"
		diff "$fx/expected-slowdown.dat" "$tmp/res/slowdown.dat" | head -n 10
	fi
	if [ -z "$plot" ] && [ "$(wc -l <"$fx/expected-slowdown.dat")" -gt 1 ]; then
		if [ "$(head -c 4 "$tmp/out.png" 2>/dev/null | od -An -c | tr -d ' ')" = '211PNG' ]; then
			pass "$name: gnuplot drew $(wc -c <"$tmp/out.png") bytes of PNG"
		else
			fail "$name: no PNG from gnuplot: $(cat "$tmp/err")"
		fi
	fi
done
[ "$n" -ge 4 ] || fail "only $n fixtures found under tests/bench/fixtures"

# errors: a message, a non-zero status, nothing written
if "$PYTHON" bench/report.py "$tmp" >/dev/null 2>"$tmp/err"; then
	fail "usage error accepted"
elif grep -q usage "$tmp/err"; then
	pass "usage error: $(head -n 1 "$tmp/err")"
else
	fail "usage error without usage: $(cat "$tmp/err")"
fi
mkdir -p "$tmp/empty"
rm -f "$tmp/out.md"
if "$PYTHON" bench/report.py "$tmp/empty" "$tmp/out.md" "$tmp/out.png" 2>"$tmp/err"; then
	fail "missing raw.tsv accepted"
elif grep -q 'raw.tsv' "$tmp/err" && [ ! -e "$tmp/out.md" ]; then
	pass "missing raw.tsv: $(cat "$tmp/err")"
else
	fail "missing raw.tsv: $(cat "$tmp/err"); out.md written: $([ -e "$tmp/out.md" ] && echo yes)"
fi

[ "$fails" = 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "all passed"
