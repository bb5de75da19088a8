#!/bin/sh
# bench/keyscale-run.sh: the scale table (possible CPUs x live keys: BPF map
# memory, exittop's CPU per refresh, its VmHWM). One testbed boot per
# possible-CPU count (tests/vm/run --icount --cmdline possible_cpus=N, 2 CPUs
# present), bench/keyscale.sh inside; keys made synthetically in exittop's
# real maps (bench/synthkeys.py). Writes BENCH_KEYSCALE_RESULTS/keyscale.tsv
# (default build/bench-keyscale) and prints its table.
#   BENCH_KEYSCALE_CPUS   possible-CPU counts (default "2 64 640")
#   EXITTOP_KEYSCALE_KEYS live key counts (default "16 1024 65536")
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
cd "$repo"
results=${BENCH_KEYSCALE_RESULTS:-$repo/build/bench-keyscale}
log() { echo "bench/keyscale-run.sh: $*" >&2; }
[ -x build/exittop ] || { log "build first: make all"; exit 1; }
rm -rf "$results"
mkdir -p "$results"
cp bench/keyscale.sh bench/synthkeys.py "$results/"
export EXITTOP_BENCH_REPO="$repo"
rc=0
for n in ${BENCH_KEYSCALE_CPUS:-2 64 640}; do
	log "possible_cpus=$n"
	timeout 1500 tests/vm/run --icount --smp 2 --mem 3072 --timeout 1400 --cmdline "possible_cpus=$n" \
		--results "$results/cpus$n" -- "$results/keyscale.sh" >/dev/null 2>"$results/cpus$n.log" || rc=1
	cat "$results/cpus$n/keyscale.tsv" >>"$results/keyscale.tsv" 2>/dev/null || rc=1
done
python3 bench/keyscale_report.py "$results/keyscale.tsv" || rc=1
exit $rc
