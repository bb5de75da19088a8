# shellcheck shell=sh
# tests/bench/fixture-env.sh, sourced by report-test.sh, make-expected.sh and
# the icount and keyscale report tests.
# fixture_env DIR: the environment becomes the BENCH_* facts of fixture DIR
# (DIR/env, KEY=VALUE lines) and no other BENCH_* variable: the report reads
# them, and tells an unset one from an empty one. Call it in a subshell.
fixture_env() {
	for v in $(env | sed -n 's/^\(BENCH_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done
	# shellcheck disable=SC2163 # the line is KEY=VALUE: export it as is
	while IFS= read -r kv; do export "$kv"; done <"$1/env"
}

# report_on_fixture DIR WORK OPTION FILE: bench/report.py OPTION FILE (one of
# the deterministic inputs: --icount, --icount-patch, --keyscale) on a copy of
# fixture DIR's results in WORK/res, made once; the report goes to
# WORK/out.md, its stderr to WORK/err. Returns report.py's exit status.
report_on_fixture() {
	[ -d "$2/res" ] || { mkdir -p "$2" && cp -R "$1/results" "$2/res"; } || return 1
	(fixture_env "$1"; python3 bench/report.py --no-plot "$3" "$4" \
		"$2/res" "$2/out.md" "$2/out.png") 2>"$2/err"
}
