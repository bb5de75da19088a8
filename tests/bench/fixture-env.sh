# shellcheck shell=sh
# tests/bench/fixture-env.sh, sourced by report-test.sh and make-expected.sh.
# fixture_env DIR: the environment becomes the BENCH_* facts of fixture DIR
# (DIR/env, KEY=VALUE lines) and no other BENCH_* variable: the report reads
# them, and tells an unset one from an empty one. Call it in a subshell.
fixture_env() {
	for v in $(env | sed -n 's/^\(BENCH_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done
	# shellcheck disable=SC2163 # the line is KEY=VALUE: export it as is
	while IFS= read -r kv; do export "$kv"; done <"$1/env"
}
