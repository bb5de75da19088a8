#!/bin/sh
# tests/bench/make-expected.sh: writes tests/bench/fixtures/*/expected.md and
# expected-slowdown.dat with the OLD report generator, bench/report.sh of
# commit e3e6c40 (sh + awk + jq, written independently of bench/report.py):
# it is the oracle of report-test.sh. Run it only when the fixtures change
# (tests/bench/make-fixtures.py); a change of the report itself must now be
# made in the expected files by hand, or they must be regenerated with a
# report.sh carrying the same change.
#
# Needs git (the old script comes out of the history), awk, jq.
set -eu
cd "$(dirname "$0")/../.."
. tests/bench/fixture-env.sh
rev=e3e6c40
tmp=$(mktemp -d "${TMPDIR:-/tmp}/report-oracle.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/bench"
git show "$rev:bench/report.sh" >"$tmp/bench/report.sh"
git show "$rev:bench/slowdown.gp" >"$tmp/bench/slowdown.gp"
for fx in tests/bench/fixtures/*/; do
	fx=${fx%/}
	name=${fx##*/}
	# report.sh appends the tried.md beside it, and writes slowdown.dat
	# into the results: work on copies
	rm -f "$tmp/bench/tried.md"
	[ -f "$fx/tried.md" ] && cp "$fx/tried.md" "$tmp/bench/tried.md"
	rm -rf "$tmp/res"
	cp -R "$fx/results" "$tmp/res"
	# only the fixture's BENCH_* facts, nothing of the caller's environment
	(
		fixture_env "$fx"
		sh "$tmp/bench/report.sh" "$tmp/res" "$tmp/out.md" "$tmp/out.png"
	) 2>"$tmp/err" || { cat "$tmp/err" >&2; echo "make-expected: report.sh failed on $name" >&2; exit 1; }
	grep -q 'no plot' "$tmp/err" || [ -s "$tmp/out.png" ] || { echo "make-expected: no plot for $name" >&2; exit 1; }
	cp "$tmp/out.md" "$fx/expected.md"
	cp "$tmp/res/slowdown.dat" "$fx/expected-slowdown.dat"
	echo "make-expected: $name"
done
