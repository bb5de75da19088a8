#!/bin/sh
# bench/keyscale.sh: exittop's memory and refresh cost against live keys, in
# one testbed boot (run by bench/keyscale-run.sh with tests/vm/run --icount
# --cmdline possible_cpus=N: the guest clock counts instructions, so CPU time
# is instructions too). For each count of live keys: a fresh exittop (batch
# text, default view, -d 1), the keys made in its real maps by
# bench/synthkeys.py over 16 live processes standing in for VMMs, then
# five refreshes measured.
#
# Appends to $EXITTOP_RESULTS/keyscale.tsv one line per key count:
#   keyscale POSSIBLE_CPUS KEYS_WANTED KEYS_MADE MAP_KEYS REFRESHES CPU_NS MEMLOCK VMHWM_KB
# CPU_NS: exittop's time on CPU (schedstat, guest ns) over REFRESHES refreshes;
# MEMLOCK: sum of memlock over the BPF maps exittop holds (fdinfo), bytes;
# MAP_KEYS: max_entries of its slots map (what it sized for this machine).
set -u
me=bench/keyscale.sh
[ "${EXITTOP_ICOUNT:-}" = 1 ] || { echo "$me: run me through tests/vm/run --icount (bench/keyscale-run.sh)" >&2; exit 2; }
repo=${EXITTOP_BENCH_REPO:-$(cd "$(dirname "$0")/.." && pwd)}
here=$(cd "$(dirname "$0")" && pwd)
exittop=$repo/build/exittop
res=${EXITTOP_RESULTS:?run me through tests/vm/run}
KEYS=${EXITTOP_KEYSCALE_KEYS:-16 1024 65536}
possible=$(cat /sys/devices/system/cpu/possible)
ncpu=$((${possible##*-} + 1))
out=/tmp/keyscale.out

sched_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { printf "%.0f\n", s }'; }
refreshes() { grep -c '^exittop ' "$out" 2>/dev/null; }
wait_refreshes() { # N: until N refreshes are out (bounded)
	i=0
	while [ "$(refreshes)" -lt "$1" ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i + 1)); done
}

for k in $KEYS; do
	pids=""
	for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do
		sleep 100000 &
		pids="$pids${pids:+,}$!"
	done
	"$exittop" -b -d 1 >"$out" 2>"$out.err" &
	ep=$!
	wait_refreshes 1
	made=$(python3 "$here/synthkeys.py" "$k" "$pids" 2>"$out.synth")
	mapkeys=$(bpftool map show -j 2>/dev/null | jq '[.[] | select(.name == "slots")] | last | .max_entries')
	# the refresh after the keys appear finds their VMs: steady state after it
	n=$(refreshes)
	wait_refreshes $((n + 2))
	n0=$(refreshes) c0=$(sched_ns $ep)
	wait_refreshes $((n0 + 5))
	n1=$(refreshes) c1=$(sched_ns $ep)
	mem=$(awk '/^map_type:/ { m = 1 } /^memlock:/ && m { s += $2 } FNR == 1 { m = 0 } END { printf "%.0f\n", s }' /proc/$ep/fdinfo/* 2>/dev/null)
	hwm=$(awk '/VmHWM/ { print $2 }' /proc/$ep/status)
	kill -INT $ep
	wait $ep
	kill $(echo "$pids" | tr ',' ' ') 2>/dev/null
	wait 2>/dev/null
	printf 'keyscale\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$ncpu" "$k" "${made:-0}" "$mapkeys" \
		$((n1 - n0)) $((c1 - c0)) "$mem" "$hwm" | tee -a "$res/keyscale.tsv"
	[ -s "$out.synth" ] && sed "s/^/keys $k: /" "$out.synth" >&2
done
exit 0
