#!/bin/sh
# bench/keyscale.sh: exittop's memory and refresh cost against live keys, in
# one testbed boot (run by bench/keyscale-run.sh with tests/vm/run --icount
# --cmdline possible_cpus=N: the guest clock counts instructions, so CPU time
# is instructions too). For each count K of live keys, a fresh exittop
# (batch text, default view, -d 1, --keys K or its default 16,384 if more):
#   1. a real VM (exitgen: one OUT, then HLTs with a 20 ms wake-up delay)
#      makes its keys; it is then stopped (SIGSTOP: alive, executing nothing)
#   2. bench/synthkeys.py adds keys in exittop's real maps, spread over 16
#      live processes standing in for VMMs, up to K live keys in all
#   3. five refreshes measured (the guest quiet: exitgen stopped)
#   (EXITTOP_KEYSCALE_PERF=1: then perf record of exittop over five more
#   refreshes, its report in $EXITTOP_RESULTS/perf.KEYS.txt; not measured)
#   4. exitgen continued: its HLT and done exits go on being counted with
#      all K keys live; exittop's drop count is read after it ended
#
# Appends to $EXITTOP_RESULTS/keyscale.tsv one line per key count:
#   keyscale KERNEL POSSIBLE_CPUS KEYS_WANTED KEYS_MADE KEYS_REAL MAP_KEYS
#            REFRESHES CPU_NS MEMLOCK VMHWM_KB DROPPED EXITS_AFTER EXITS_DURING
#            CPU_NS_EACH
# and one line per BPF map exittop holds:
#   keyscale_map KERNEL POSSIBLE_CPUS KEYS_WANTED NAME TYPE MAX_ENTRIES KEY_SIZE VALUE_SIZE MEMLOCK
# KERNEL: major.minor of the running kernel (fdinfo memlock is each map's
# real allocation from 6.4 on, max_entries x (key + value) before);
# KEYS_MADE: synthetic keys made; KEYS_REAL: the VM's keys found before;
# CPU_NS: exittop's time on CPU (schedstat, guest ns) over REFRESHES refreshes;
# MEMLOCK: sum of fdinfo memlock over the BPF maps exittop holds (each map
# once), bytes; MAP_KEYS: max_entries of its slots map; DROPPED: exittop's
# dropped total (its header line) at the end, -1 if never printed;
# EXITS_AFTER: exits exittop counted after exitgen was continued;
# EXITS_DURING: exits it counted in the measured refreshes (0: quiet guest);
# CPU_NS_EACH: CPU_NS refresh by refresh, comma-separated (the report takes
# their median; a read that came late, after r refreshes, gives each its mean).
set -u
me=bench/keyscale.sh
[ "${EXITTOP_ICOUNT:-}" = 1 ] || { echo "$me: run me through tests/vm/run --icount (bench/keyscale-run.sh)" >&2; exit 2; }
repo=${EXITTOP_BENCH_REPO:-$(cd "$(dirname "$0")/.." && pwd)}
here=$(cd "$(dirname "$0")" && pwd)
exittop=$repo/build/exittop
exitgen=$repo/build/exitgen
res=${EXITTOP_RESULTS:?run me through tests/vm/run}
KEYS=${EXITTOP_KEYSCALE_KEYS:-16 1024 16384 65536}
DEF_KEYS=16384	# exittop's default --keys (user/collect.h COLLECT_DEF_KEYS)
possible=$(cat /sys/devices/system/cpu/possible)
ncpu=$((${possible##*-} + 1))
kern=$(uname -r | cut -d. -f1,2)
out=/tmp/keyscale.out

log() { echo "keyscale: $(date +%T) $*" | tee -a "$res/progress.log" >&2; }
sched_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { printf "%.0f\n", s }'; }
refreshes() { grep -c '^exittop ' "$out" 2>/dev/null; }
wait_refreshes() { # N: until N refreshes are out (bounded: 300 s)
	i=0
	while [ "$(refreshes)" -lt "$1" ] && [ $i -lt 3000 ]; do sleep 0.1; i=$((i + 1)); done
}
# exits summed over the header lines of refreshes FROM+1 .. TO (default: all)
exits_in() { awk -v a="$1" -v b="${2:-1000000000}" '/^exittop / { r++ }
	/^vms / && r > a && r <= b { s += $6 } END { printf "%.0f\n", s }' "$out"; }
dropped_total() { awk '/^vms / { d = 0; if (match($0, /\(total [0-9]+\)/)) d = substr($0, RSTART + 7, RLENGTH - 8) + 0; seen = 1 }
	END { print seen ? d : -1 }' "$out"; }

# Each BPF map exittop holds, once (by map id): "id memlock type max key value".
held_maps() {
	for f in /proc/"$1"/fdinfo/*; do
		awk '/^map_type:/ { t = $2 } /^key_size:/ { k = $2 } /^value_size:/ { v = $2 }
			/^max_entries:/ { m = $2 } /^memlock:/ { l = $2 } /^map_id:/ { id = $2 }
			END { if (id != "") print id, l, t, m, k, v }' "$f" 2>/dev/null
	done | sort -un -k1,1
}

log "possible CPUs $ncpu ($possible), online $(nproc), kernel $(uname -r)"
for k in $KEYS; do
	mk=$k
	[ "$mk" -lt $DEF_KEYS ] && mk=$DEF_KEYS
	pids=""
	for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do
		sleep 100000 &
		pids="$pids${pids:+,}$!"
	done
	"$exittop" -b -d 1 --keys "$mk" >"$out" 2>"$out.err" &
	ep=$!
	wait_refreshes 1
	# 1. the real VM's keys; stopped once its HLTs are being counted
	# no timeout(1) around it: the stop must reach exitgen (its own --timeout bounds it)
	"$exitgen" --pio 1 --hlt 400 --hlt-delay-us 20000 --timeout 590 >"$out.gen" 2>"$out.gen.err" &
	gp=$!
	n=$(refreshes)
	wait_refreshes $((n + 2))
	kill -STOP $gp
	# 2. the synthetic keys, up to k live ones
	# shellcheck disable=SC2046 # "MADE FOUND": two words
	set -- $(python3 "$here/synthkeys.py" "$k" "$pids" 2>"$out.synth")
	made=${1:-0} real=${2:-0}
	mapkeys=$(bpftool map show -j 2>/dev/null | jq '[.[] | select(.name == "slots")] | last | .max_entries')
	# the refresh after the keys appear finds their VMs: steady state after it
	n=$(refreshes)
	wait_refreshes $((n + 2))
	# 3. five refreshes, the guest quiet; the run time read after each
	#    (exittop sleeps between refreshes), so that a one-off (an
	#    interrupt charged to exittop, a page fault) shows as one refresh
	#    A read that comes late and covers r > 1 refreshes gives each of
	#    them its mean: the sum stays right and no refresh reads as 0.
	n0=$(refreshes) c0=$(sched_ns $ep)
	each="" cp=$c0 np=$n0 tries=0	# not i: wait_refreshes counts in i
	while [ "$np" -lt $((n0 + 5)) ] && [ "$tries" -lt 10 ]; do
		wait_refreshes $((np + 1))
		c=$(sched_ns $ep) nn=$(refreshes)
		r=$((nn - np)) tries=$((tries + 1))
		[ "$r" -gt 0 ] || continue	# wait_refreshes gave up: no refresh to charge
		while [ "$np" -lt "$nn" ]; do
			each="$each${each:+,}$(((c - cp) / r))"
			np=$((np + 1))
		done
		cp=$c
	done
	n1=$np c1=$cp
	maps=$(held_maps $ep)
	hwm=$(awk '/VmHWM/ { print $2 }' /proc/$ep/status)
	names=$(bpftool map show -j 2>/dev/null)
	if [ "${EXITTOP_KEYSCALE_PERF:-}" = 1 ]; then
		n=$(refreshes)
		timeout 600 perf record -q -g -o /tmp/keyscale.perf -p $ep -- sh -c "while [ \$(grep -c '^exittop ' $out) -lt $((n + 5)) ]; do sleep 0.1; done" 2>/dev/null
		perf report -i /tmp/keyscale.perf --stdio --no-children --percent-limit 1 2>/dev/null | head -n 300 >"$res/perf.$k.txt"
	fi
	# 4. the VM goes on with all k keys live; then two more refreshes
	na=$(refreshes)
	kill -CONT $gp
	wait $gp
	grc=$?
	[ $grc = 0 ] || log "keys $k: exitgen exited $grc: $(head -c 300 "$out.gen.err")"
	n=$(refreshes)
	wait_refreshes $((n + 2))
	kill -INT $ep
	wait $ep
	# shellcheck disable=SC2046 # one pid a word
	kill $(echo "$pids" | tr ',' ' ') 2>/dev/null
	wait 2>/dev/null
	mem=$(echo "$maps" | awk '{ s += $2 } END { printf "%.0f\n", s }')
	printf 'keyscale\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$kern" "$ncpu" "$k" "$made" "$real" "$mapkeys" \
		$((n1 - n0)) $((c1 - c0)) "$mem" "$hwm" "$(dropped_total)" "$(exits_in "$na")" "$(exits_in "$n0" "$n1")" \
		"$each" | tee -a "$res/keyscale.tsv"
	echo "$maps" | while read -r id l t m ks vs; do
		name=$(echo "$names" | jq -r --argjson id "$id" '[.[] | select(.id == $id)] | .[0].name // "?"')
		printf 'keyscale_map\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$kern" "$ncpu" "$k" "$name" "$t" "$m" "$ks" "$vs" "$l"
	done >>"$res/keyscale.tsv"
	[ -s "$out.synth" ] && sed "s/^/keys $k: /" "$out.synth" >&2
	cp "$out" "$res/exittop.$kern.cpus$ncpu.keys$k.txt" 2>/dev/null
done
exit 0
