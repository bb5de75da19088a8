#!/bin/sh
# bench/keyscale-run.sh: the scale table (possible CPUs x live keys: BPF map
# memory, exittop's CPU per refresh, its VmHWM); `make bench-keyscale`, and
# a step of `make bench`. One testbed boot per (kernel, possible-CPU count)
# (tests/vm/run --icount --cmdline possible_cpus=N, 2 CPUs present),
# bench/keyscale.sh inside; keys made synthetically in exittop's real maps
# (bench/synthkeys.py) on top of a real VM's.
# Why two kernels: only 6.1 raises the possible CPUs to possible_cpus=N
# (6.12's topology code takes it as a limit below what the firmware lists:
# 2 here), but 6.1's fdinfo memlock is a formula, max_entries x (key +
# value) rounded, for every map type; from 6.4 on it is what the map really
# allocated (map_mem_usage: hash elements, buckets, per-CPU extras). So the
# CPU counts on 6.1, and one 6.12 boot for the real memory.
# Writes BENCH_KEYSCALE_RESULTS/keyscale.tsv (default build/bench-keyscale)
# and keyscale.md (the section bench/report.py puts in docs/benchmarks.md).
#   BENCH_KEYSCALE_BOOTS   KERNEL:POSSIBLE_CPUS list (default "6.1:2 6.1:64
#                          6.1:640 6.12:2")
#   BENCH_KEYSCALE_WRAP    a command prefix for each boot, e.g.
#                          "flock /tmp/testbed.lock" (default none)
#   EXITTOP_KEYSCALE_KEYS  live key counts (default "16 1024 16384 65536")
# Exit status 0, or 1 when a boot failed or left no records.
set -eu
t_start=$(date +%s)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)	# of the scripts copied below
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
cd "$repo"
results=${BENCH_KEYSCALE_RESULTS:-$repo/build/bench-keyscale}
log() { echo "bench/keyscale-run.sh: $*" >&2; }
[ "$(id -u)" = 0 ] || { log "needs root (boots the testbed)"; exit 1; }
[ -x build/exittop ] && [ -x build/exitgen ] || { log "build first: make all"; exit 1; }
rm -rf "$results"
mkdir -p "$results"
# a copy: editing the scripts meanwhile cannot change a running bench
cp bench/keyscale.sh bench/synthkeys.py "$results/"
export EXITTOP_BENCH_REPO="$repo"
boot="tests/vm/run --icount --smp 2 --mem 3072 --timeout 1400"
rc=0
for b in ${BENCH_KEYSCALE_BOOTS:-6.1:2 6.1:64 6.1:640 6.12:2}; do
	k=${b%%:*} n=${b#*:} d=$results/$k-cpus${b#*:}
	log "$b: $boot --kernel $k --cmdline possible_cpus=$n -- bench/keyscale.sh"
	t=$(date +%s)
	# shellcheck disable=SC2086 # the wrapper and boot are word lists
	${BENCH_KEYSCALE_WRAP:-} timeout 1500 $boot --kernel "$k" --cmdline "possible_cpus=$n" \
		--results "$d" -- "$results/keyscale.sh" >/dev/null 2>"$d.log" || rc=1
	if [ -s "$d/keyscale.tsv" ]; then
		cat "$d/keyscale.tsv" >>"$results/keyscale.tsv"
	else
		log "$b: no records (see $d.log)"
		rc=1
	fi
	log "$b: $(($(date +%s) - t)) s"
done
{
	printf 'meta\tboot\t%s --kernel K --cmdline possible_cpus=N -- bench/keyscale.sh\n' "$boot"
	printf 'meta\tcommit\t%s\n' "$commit"
	printf 'meta\tdate\t%s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
	printf 'meta\thost_seconds\t%s\n' "$(($(date +%s) - t_start))"
} >>"$results/keyscale.tsv"
python3 bench/keyscale_report.py "$results/keyscale.tsv" >"$results/keyscale.md" || rc=1
cat "$results/keyscale.md"
log "done in $(($(date +%s) - t_start)) s"
exit $rc
