#!/bin/sh
# bench/inside.sh: the measuring half of `make bench`, run by bench/run.sh
# inside ONE testbed boot (tests/vm/run). Writes raw records, never a verdict:
# bench/report.py turns them into docs/benchmarks.md.
#
# Output, in $EXITTOP_RESULTS (the host reads it afterwards):
#   raw.tsv       one record per line, tab-separated, first field = kind:
#                 run (one exitgen loop), prog (one BPF program over a loop),
#                 tracer (start-up), scale (an exittop window); fields at the
#                 echo that writes each
#   out/          each tracer's output per round, exitgen's JSON per run
#   notes.txt     free-form facts (versions, errors of tools that refused to run)
#
# Settings (environment, passed through by tests/vm/run as EXITTOP_*):
#   EXITTOP_BENCH_N         CPUID exits per vCPU of one loop (default 50000)
#   EXITTOP_BENCH_ROUNDS    rounds over all tracers (default 7)
#   EXITTOP_BENCH_PATCH_ROUNDS  stock/patched rounds (default 11)
#   EXITTOP_BENCH_TRACERS   which tracers (default: all, see tracer_cmd; stage1-4
#                           are exittop with its programs cut short, built by run.sh)
#   EXITTOP_BENCH_KVM_STOCK / _PATCHED  directories with kvm.ko + kvm-amd.ko
#                           (tests/vm/build-kvm); the patch section runs when both are set
#   EXITTOP_BENCH_SCALE     VM counts of the scale section (default "1 8 32")
#   EXITTOP_BENCH_SECTIONS  any of: tracers patch scale (default all three)
#   EXITTOP_BENCH_SETTLE    seconds between a tracer's attach and its loop (default 2)
set -u

# bench/run.sh runs a copy of this file (so that editing it cannot disturb a
# running bench); EXITTOP_BENCH_REPO says where the checkout is.
repo=${EXITTOP_BENCH_REPO:-$(cd "$(dirname "$0")/.." && pwd)}
exitgen=$repo/build/exitgen
exittop=$repo/build/exittop
cache=${EXITTOP_CACHE:-/var/cache/exittop}
kvm_stat=$cache/bench/kvm_stat
res=${EXITTOP_RESULTS:?run me through tests/vm/run (bench/run.sh)}
N=${EXITTOP_BENCH_N:-50000}
ROUNDS=${EXITTOP_BENCH_ROUNDS:-7}
# the patch's cost is small beside the emulation's noise: more rounds there
PATCH_ROUNDS=${EXITTOP_BENCH_PATCH_ROUNDS:-11}
TRACERS=${EXITTOP_BENCH_TRACERS:-none exittop exittop_classic bt_count bt_hist perf_kvm kvm_stat stage1 stage2 stage3 stage4}
SCALE=${EXITTOP_BENCH_SCALE:-1 8 32}
SECTIONS=${EXITTOP_BENCH_SECTIONS:-tracers patch scale}
# Working files live on the VM's tmpfs; only finished files go to the
# results share (9p writes during a measurement would cost the guest time).
work=/tmp/bench
mkdir -p "$work/out" "$res/out"
raw=$work/raw.tsv
: >"$raw"
notes=$work/notes.txt
: >"$notes"

# Progress goes to stderr (shown when the boot ends) and to the results share
# (a few lines: readable from the host while the bench runs).
log() { echo "bench: $(date +%T) $*" | tee -a "$res/progress.log" >&2; }
note() { echo "$*" >>"$notes"; }
# Everything written so far reaches the host even if a later step hangs.
flush() { cp "$raw" "$notes" "$res/" 2>/dev/null; cp -r "$work/out/." "$res/out/" 2>/dev/null; }

# The tracers: their commands, start (until attached), stop; kvm_load.
# shellcheck source=bench/tracers.sh
. "$(dirname "$0")/tracers.sh"

# run_loop SECTION LABEL ROUND VCPUS: one exitgen CPUID loop under whatever
# runs now; records exits, times, the tracer's CPU and BPF run time.
run_loop() {
	sect=$1 label=$2 round=$3 vcpus=$4
	j=$work/out/exitgen.$sect.$label.r$round.v$vcpus.json
	bpf_snapshot >"$work/bpf.before"
	c0=0 s0=0
	if [ -n "$TPID" ]; then c0=$(cpu_ticks "$TPID"); s0=$(sched_ns "$TPID"); fi
	w0=$(now_ns)
	timeout 600 "$exitgen" --vcpus "$vcpus" --cpuid "$N" --timeout 590 >"$j" 2>"$j.err"
	rc=$?
	w1=$(now_ns)
	c1=0 s1=0
	if [ -n "$TPID" ]; then c1=$(cpu_ticks "$TPID"); s1=$(sched_ns "$TPID"); fi
	bpf_snapshot >"$work/bpf.after"
	if [ $rc != 0 ]; then
		log "exitgen failed ($rc): $(head -c 300 "$j.err")"
		echo "fail	$sect	$label	$round	$vcpus	$rc" >>"$raw"
		return 1
	fi
	set -- $(jq -r '"\(.pid) \(.expected.cpuid) \(.kvm_stats_total.exits // -1) \(.elapsed_ns)"' "$j")
	# Per program deltas (same ids before and after).
	bpf_ns=0 bpf_cnt=0 nprog=0
	while read -r id pname rt rc2; do
		b=$(awk -v id="$id" '$1 == id { print $3, $4 }' "$work/bpf.before")
		[ -n "$b" ] || continue
		dt=$((rt - ${b% *})) dc=$((rc2 - ${b#* }))
		echo "prog	$sect	$label	$round	$vcpus	$id	$pname	$dt	$dc" >>"$raw"
		bpf_ns=$((bpf_ns + dt)) bpf_cnt=$((bpf_cnt + dc)) nprog=$((nprog + 1))
	done <"$work/bpf.after"
	# run SECT LABEL ROUND VCPUS PID EXPECTED_CPUID KVM_EXITS ELAPSED_NS WALL_NS
	#     CPU_TICKS SCHED_NS HZ BPF_RUN_NS BPF_RUN_CNT NPROGS
	echo "run	$sect	$label	$round	$vcpus	$1	$2	$3	$4	$((w1 - w0))	$((c1 - c0))	$((s1 - s0))	$hz	$bpf_ns	$bpf_cnt	$nprog" >>"$raw"
	log "$sect $label r$round v$vcpus: $2 cpuid in $(($4 / 1000000)) ms"
}

# ---------------------------------------------------------------- facts
note "kernel: $(uname -r)"
note "cpu: $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //') x $(nproc)"
note "mem_mb: $(awk '/MemTotal/ { print int($2 / 1024) }' /proc/meminfo)"
note "bpftrace: $(bpftrace --version 2>&1 | head -n 1)"
note "perf: $(perf version 2>&1 | head -n 1)"
note "bpftool: $(bpftool version 2>&1 | head -n 1)"
note "python3: $(python3 --version 2>&1)"
note "N: $N"
note "rounds: $ROUNDS"
note "patch_rounds: $PATCH_ROUNDS"
note "settle: ${EXITTOP_BENCH_SETTLE:-2}"
for t in $TRACERS; do
	c=$(tracer_cmd "$t") && note "cmd $t: $c"
done
note "cmd exitgen: $exitgen --vcpus 1|2 --cpuid $N"
# BPF run-time statistics cost two clock reads around every program run, a
# cost no production tracer pays and that grows with the number of programs:
# the timed loops run without them, the "bpf" loops below with them.
bpf_stats() { sysctl -qw kernel.bpf_stats_enabled="$1" || note "bpf_stats_enabled=$1: cannot set"; }
bpf_stats 0
mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug

# bcc's kvmexit: run once, keep what it says (it checks the CPU vendor).
if command -v kvmexit-bpfcc >/dev/null 2>&1; then
	t0=$(now_ns)
	timeout 300 kvmexit-bpfcc 1 >"$work/out/kvmexit.out" 2>&1
	rc=$?
	note "kvmexit-bpfcc: exit status $rc after $((($(now_ns) - t0) / 1000000)) ms"
	note "kvmexit-bpfcc said: $(grep -v '^ *$' "$work/out/kvmexit.out" | tail -n 1)"
else
	note "kvmexit-bpfcc: not installed"
fi
flush

# ---------------------------------------------------------------- tracers
case " $SECTIONS " in *" tracers "*)
	r=1
	while [ $r -le "$ROUNDS" ]; do
		# Rotate the order each round, so no tracer always runs first or
		# right after the same neighbour.
		# shellcheck disable=SC2086 # a word list
		set -- $(rotate "$r" $TRACERS)
		for t in "$@"; do
			if [ "$t" != none ]; then
				start_tracer "$t" "$r" || continue
			fi
			run_loop tracers "$t" "$r" 1
			run_loop tracers "$t" "$r" 2
			if [ -n "$TIDS" ]; then
				# The same loops again with run-time statistics, for the
				# BPF columns; they count towards the count check too.
				bpf_stats 1
				run_loop bpf "$t" "$r" 1
				run_loop bpf "$t" "$r" 2
				bpf_stats 0
			fi
			case "$t" in
			# Interval printers: let the last interval (holding the end of
			# the loop) come out before stopping them.
			perf_kvm | kvm_stat) sleep 1.5 ;;
			esac
			if [ "$t" = exittop ] && [ "$r" = 1 ]; then
				# Where exittop's BPF time goes: per-program counters are in
				# the prog records; try the cycle profile too (needs a PMU
				# and a bpftool built with it).
				pp=""
				for id in $TIDS; do
					timeout 30 bpftool prog profile id "$id" duration 2 cycles instructions \
						>"$work/out/exittop.profile.$id" 2>&1 &
					pp="$pp $!"
				done
				timeout 60 "$exitgen" --vcpus 1 --cpuid "$N" >/dev/null 2>&1
				for p in $pp; do wait "$p"; done
			fi
			stop_tracer
			flush
		done
		r=$((r + 1))
	done
	;;
esac

# ---------------------------------------------------------------- patch
case " $SECTIONS " in *" patch "*)
	if [ -n "${EXITTOP_BENCH_KVM_STOCK:-}" ] && [ -n "${EXITTOP_BENCH_KVM_PATCHED:-}" ]; then
		r=1
		ok=1
		while [ $r -le "$PATCH_ROUNDS" ] && [ $ok = 1 ]; do
			# ABBA order: stock first on odd rounds, patched first on even.
			if [ $((r % 2)) = 1 ]; then order="stock patched"; else order="patched stock"; fi
			for fl in $order; do
				if [ $fl = stock ]; then d=$EXITTOP_BENCH_KVM_STOCK; else d=$EXITTOP_BENCH_KVM_PATCHED; fi
				if ! kvm_load "$d"; then
					note "patch: loading $d failed"
					ok=0
					break
				fi
				run_loop patch "$fl" "$r" 1
				run_loop patch "$fl" "$r" 2
			done
			flush
			r=$((r + 1))
		done
		note "patch: stock=$EXITTOP_BENCH_KVM_STOCK patched=$EXITTOP_BENCH_KVM_PATCHED"
	else
		note "patch: not measured (${EXITTOP_BENCH_PATCH_WHY:-no module directories given})"
	fi
	;;
esac

# ---------------------------------------------------------------- scale
# exittop's own cost per refresh as the traced population grows.
GENS=""
start_gens() { # COUNT: exitgen VMs in a long CPUID loop
	# One after the other; each starts at normal priority and is reniced to
	# 10 (all its threads) once its vCPU thread runs, so the ones already
	# looping barely slow the set-up of the next (at equal priority, starting
	# N would cost ~N^2). Niced, the VMs take all CPU left over, but the shell
	# that measures and exittop are not starved by them.
	n=0
	deadline=$(($(now_ns) + 300000000000))
	while [ $n -lt "$1" ] && [ "$(now_ns)" -lt $deadline ]; do
		"$exitgen" --vcpus 1 --cpuid 2000000000 --timeout 900 >/dev/null 2>&1 &
		p=$!
		GENS="$GENS $p"
		while [ "$(ls /proc/$p/task 2>/dev/null | wc -l)" -lt 2 ] && kill -0 $p 2>/dev/null &&
			[ "$(now_ns)" -lt $deadline ]; do
			sleep 0.1
		done
		for t in /proc/$p/task/*; do renice -n 10 -p "${t##*/}" >/dev/null 2>&1; done
		n=$((n + 1))
	done
	[ $n = "$1" ] || log "only $n of $1 exitgens started in time"
	sleep 0.5
	# threads created after the renice above
	for p in $GENS; do
		for t in /proc/$p/task/*; do renice -n 10 -p "${t##*/}" >/dev/null 2>&1; done
	done
}
stop_gens() {
	# Lift any throttle first: tearing a VM down takes CPU time.
	[ -f /sys/fs/cgroup/bench-slow/cpu.max ] && echo max >/sys/fs/cgroup/bench-slow/cpu.max
	# shellcheck disable=SC2086
	[ -n "$GENS" ] && kill $GENS 2>/dev/null
	for p in $GENS; do wait "$p" 2>/dev/null; done
	GENS=""
}
# exittop beside the VMs: start it (EP), then measure windows of refreshes.
# One instance spans the high- and low-rate windows, so its BPF map holds the
# same keys in both.
EP="" EOUT=""
exittop_start() { # LABEL DELAY
	EOUT=$work/out/scale.$1.json
	"$exittop" -b --json -d "$2" >"$EOUT" 2>"$EOUT.err" &
	EP=$!
	# Start-up (BPF load, attach) is not per refresh: windows begin after
	# the first report.
	dl=$(($(now_ns) + 120000000000))
	while [ "$(wc -l <"$EOUT")" -lt 1 ] && kill -0 $EP 2>/dev/null && [ "$(now_ns)" -lt $dl ]; do
		sleep 0.05
	done
}
exittop_window() { # LABEL NVMS REFRESHES DELAY
	label=$1 nvms=$2 want=$3 delay=$4
	c0=$(cpu_ticks $EP) s0=$(sched_ns $EP) w0=$(now_ns) l0=$(wc -l <"$EOUT")
	dl=$(($(now_ns) + 120000000000))
	while [ "$(wc -l <"$EOUT")" -lt $((l0 + want)) ] && kill -0 $EP 2>/dev/null && [ "$(now_ns)" -lt $dl ]; do
		sleep 0.05
	done
	c1=$(cpu_ticks $EP) s1=$(sched_ns $EP) w1=$(now_ns) l1=$(wc -l <"$EOUT")
	hwm=$(awk '/VmHWM/ { print $2 }' /proc/$EP/status)
	rss=$(awk '/VmRSS/ { print $2 }' /proc/$EP/status)
	# keys: the most rows a report of the window had; rate: their mean
	set -- $(sed -n "$((l0 + 1)),${l1}p" "$EOUT" | jq -s -r '"\(map(.totals.rows) | max // 0) \(if length > 0 then (map(.totals.rate) | add / length) else 0 end) \(map(.vms | length) | max // 0)"')
	# scale LABEL NVMS REFRESHES CPU_TICKS HZ SCHED_NS WALL_NS VMHWM_KB VMRSS_KB ROWS RATE VMS DELAY
	echo "scale	$label	$nvms	$((l1 - l0))	$((c1 - c0))	$hz	$((s1 - s0))	$((w1 - w0))	$hwm	$rss	$1	$2	$3	$delay" >>"$raw"
	log "scale $label: $((l1 - l0)) refreshes, $(((s1 - s0) / 1000)) us CPU, rows $1, rate $2"
}
exittop_stop() {
	kill -INT $EP
	wait $EP
	EP=""
}
# Where exittop's refresh time goes: a cpu-clock profile (TCG has no PMU) of
# exittop at -d 0.5 beside the running VMs; the flat report is kept.
profile_exittop() {
	"$exittop" -b --json -d 0.5 >"$work/prof.json" 2>&1 &
	ep=$!
	dl=$(($(now_ns) + 120000000000))
	while [ "$(wc -l <"$work/prof.json")" -lt 1 ] && kill -0 $ep 2>/dev/null && [ "$(now_ns)" -lt $dl ]; do
		sleep 0.05
	done
	timeout 60 perf record -e cpu-clock -F 499 -p $ep -o "$work/perf.data" -- sleep 5 >/dev/null 2>&1
	kill -INT $ep
	wait $ep
}
# The report, once the VMs are gone (perf report is slow under TCG).
profile_report() {
	[ -f "$work/perf.data" ] || return 0
	timeout 240 perf report -i "$work/perf.data" --stdio --no-children --sort dso,sym \
		--percent-limit 1.5 2>/dev/null | grep -E '^# Samples|%' | grep -v '^# [A-Z][a-z]*:.*%' | head -n 30 >"$work/out/exittop.perf.txt"
	rm -f "$work/perf.data"
}
case " $SECTIONS " in *" scale "*)
	# A fresh kvm (the patch section may have left another build loaded) is
	# fine: exittop does not care which, and rates are not compared here.
	for nv in $SCALE; do
		start_gens "$nv"
		sleep 1
		[ "$nv" = 8 ] && profile_exittop
		exittop_start "vms$nv" 0.5
		exittop_window "vms$nv" "$nv" 8 0.5
		if [ "$nv" = 8 ]; then
			# Same processes, same keys, far fewer exits: throttle them all
			# together to 20% of one CPU (cgroup v2 cpu.max).
			cg=/sys/fs/cgroup
			mountpoint -q $cg || mount -t cgroup2 none $cg
			echo +cpu >$cg/cgroup.subtree_control 2>/dev/null
			mkdir -p $cg/bench-slow
			if echo "20000 100000" >$cg/bench-slow/cpu.max; then
				for p in $GENS; do echo "$p" >$cg/bench-slow/cgroup.procs; done
				sleep 1
				exittop_window "vms$nv-throttled" "$nv" 8 0.5
			else
				note "scale: cgroup cpu.max not available; no low-rate run"
			fi
		fi
		exittop_stop
		stop_gens
		profile_report
		flush
	done
	;;
esac

flush
log "done"
