# shellcheck shell=sh
# shellcheck disable=SC2154,SC2034 # work, raw, ... come from, hz goes to, the sourcing script
# bench/tracers.sh: starting, finding and stopping the tracers a benchmark
# compares, shared by bench/inside.sh (wall-clock) and bench/icount.sh
# (deterministic), both run inside a testbed boot. Sourced; the caller sets
#   work      a scratch directory (tracer output goes to $work/out/)
#   raw       the file "tracer" records are appended to
#   repo exittop kvm_stat   paths of the checkout, exittop, kvm_stat
#   TRACER_INTERVAL         refresh interval of the periodic tracers in s (default 1)
# and defines log MSG and note MSG.

now_ns() { date +%s%N; }

# user+sys of PID and of its waited-for children, in clock ticks (/proc/PID/stat
# fields 14-17; the comm field may hold spaces, so cut after its ')').
cpu_ticks() {
	sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | awk '{ printf "%.0f\n", $12 + $13 + $14 + $15 }'
}
# Time on CPU of all of PID's threads in ns (schedstat: exact, not tick-sampled).
sched_ns() {
	# %.0f: mawk's %d stops at 2^31-1 (2.1 s), which a bpftrace start-up exceeds
	cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { printf "%.0f\n", s }'
}
hz=$(getconf CLK_TCK)

# Programs PID has attached to kvm tracepoints, as "id id ...": classic
# tracepoint programs from bpftool perf list, BTF tracepoint programs from
# the raw_tracepoint links among PID's fds (this bpftool cannot tell a
# link's owner).
tracer_progs() {
	{
		bpftool perf list -j 2>/dev/null |
			jq -r --argjson p "$1" '.[] | select(.pid == $p) | .prog_id' 2>/dev/null
		awk 'FNR == 1 { l = 0 } /^link_type:/ { l = ($2 == "raw_tracepoint") } /^prog_id:/ && l { print $2 }' \
			/proc/"$1"/fdinfo/* 2>/dev/null
	} | sort -nu | tr '\n' ' ' | sed 's/ $//'
}
# Tracepoints PID has a BPF program on: "kvm_entry kvm_exit"
tracer_tps() {
	bpftool perf list -j 2>/dev/null |
		jq -r --argjson p "$1" '[.[] | select(.pid == $p) | .tracepoint] | unique | join(" ")' 2>/dev/null
}
# The tracer's programs, found once per start (bpftool is slow under TCG):
#   TIDS      prog ids attached to kvm tracepoints by the tracer
#   TFDINFO   /proc/PID/fdinfo files of the tracer's fds of those programs:
#             they carry run_time_ns and run_cnt, read without any tool
#   $work/prognames   "id name" lines
TIDS="" TFDINFO=""
find_progs() { # PID
	TIDS=$(tracer_progs "$1")
	TFDINFO=""
	: >"$work/prognames"
	[ -n "$TIDS" ] || return 0
	bpftool prog show -j 2>/dev/null | jq -r --arg ids "$TIDS" '
		($ids | split(" ") | map(tonumber)) as $want |
		.[] | select(.id as $i | $want | index($i)) | "\(.id) \(.name // "-")"' >"$work/prognames"
	nf=0
	for f in /proc/"$1"/fdinfo/*; do
		id=$(awk '/^prog_type:/ { p = 1 } /^prog_id:/ { i = $2 } END { if (p) print i }' "$f" 2>/dev/null)
		[ -n "$id" ] || continue
		case " $TIDS " in *" $id "*) TFDINFO="$TFDINFO $f" nf=$((nf + 1)) ;; esac
	done
	# One fd per program, or fall back to bpftool for every snapshot.
	[ "$nf" = "$(echo $TIDS | wc -w)" ] || TFDINFO=""
}
# Lines "id name run_time_ns run_cnt" for the tracer's programs.
bpf_snapshot() {
	[ -n "$TIDS" ] || return 0
	if [ -n "$TFDINFO" ]; then
		# shellcheck disable=SC2086
		awk 'FNR == 1 { id = ""; rt = 0 } /^prog_id:/ { id = $2 } /^run_time_ns:/ { rt = $2 }
			/^run_cnt:/ { print id, rt, $2 }' $TFDINFO
	else
		bpftool prog show -j 2>/dev/null | jq -r --arg ids "$TIDS" '
			($ids | split(" ") | map(tonumber)) as $want |
			.[] | select(.id as $i | $want | index($i)) |
			"\(.id) \(.run_time_ns // 0) \(.run_cnt // 0)"'
	fi | while read -r id rt cnt; do
		echo "$id $(awk -v id="$id" '$1 == id { print $2 }' "$work/prognames") $rt $cnt"
	done
}

# The command line of each tracer (shell text, run with sh -c from /tmp:
# perf kvm stat live needs a writable working directory).
BT_COUNT='tracepoint:kvm:kvm_exit { @[args->exit_reason] = count(); }'
BT_HIST='tracepoint:kvm:kvm_exit { @start[tid] = nsecs; } tracepoint:kvm:kvm_entry /@start[tid]/ { @ns = hist(nsecs - @start[tid]); delete(@start[tid]); }'
tracer_cmd() {
	d=${TRACER_INTERVAL:-1}
	case "$1" in
	exittop) echo "$exittop -b --json -d $d" ;;
	exittop_classic) echo "$exittop -b --json -d $d --tracepoints classic" ;;
	exittop_attrib) echo "$exittop -b --json -d $d --attrib" ;;
	# --drill: a detail for every CPUID exit of the loop (its worst case), and
	# the detail programs attached while the loop's exits take none (io only)
	exittop_drill) echo "$exittop -b --json -d $d --drill cpuid" ;;
	exittop_drill_idle) echo "$exittop -b --json -d $d --drill io" ;;
	stage[1-4]) echo "$repo/build/bench-$1/exittop -b --json -d $d" ;;
	exittop_probe) echo "$repo/build/bench-probe/exittop -b --json -d $d" ;;
	floor) echo "$repo/build/bench-floor/exittop -b --json -d $d" ;;
	bt_count) echo "bpftrace -e '$BT_COUNT'" ;;
	bt_hist) echo "bpftrace -e '$BT_HIST'" ;;
	perf_kvm) echo "perf kvm stat live -d $d" ;;
	kvm_stat) echo "python3 -u $kvm_stat -t -l -c -s $d" ;;
	# the cheapest count there is: one counter per CPU, summed at the end
	perf_stat) echo "perf stat -a -e kvm:kvm_exit" ;;
	*) return 1 ;;
	esac
}
# The file a periodic tracer writes its refreshes to ("" for the others).
tracer_refresh_file() { # NAME OUT
	case "$1" in
	exittop | exittop_classic | exittop_probe | exittop_attrib | exittop_drill* | stage[1-4] | floor | kvm_stat) echo "$2" ;;
	perf_kvm) echo "$2.err" ;;
	*) echo "" ;;
	esac
}

TPID=""
# start_tracer NAME ROUND: starts it, waits until it is attached; sets TPID.
# Returns 1 (and stops it) when it dies or is not ready within 180 s.
start_tracer() {
	name=$1 round=$2
	out=$work/out/$name.r$round.out
	cmd=$(tracer_cmd "$name") || return 1
	# Background jobs of a non-interactive shell start with SIGINT ignored;
	# give the tracer the default back so ^C-style stops work (Python,
	# bpftrace and perf print their final results on SIGINT).
	(cd /tmp && exec env --default-signal=INT sh -c "exec $cmd") >"$out" 2>"$out.err" &
	TPID=$!
	t0=$(now_ns)
	ready=""
	deadline=$((t0 + 180000000000))
	while [ "$(now_ns)" -lt $deadline ]; do
		kill -0 "$TPID" 2>/dev/null || break
		case "$name" in
		exittop | exittop_classic | exittop_probe | stage[1-4] | floor)
			# two programs (BTF or classic) attached
			[ "$(tracer_progs "$TPID" | wc -w)" -ge 2 ] && ready=1 ;;
		exittop_attrib)
			# exittop's pair and attrib's five raw tracepoint programs
			# (its fentry/fexit links are of another type)
			[ "$(tracer_progs "$TPID" | wc -w)" -ge 7 ] && ready=1 ;;
		exittop_drill*)
			# the pair, then the detail programs: kvm_entry's and one more
			[ "$(tracer_progs "$TPID" | wc -w)" -ge 4 ] && ready=1 ;;
		bt_hist)
			[ "$(tracer_tps "$TPID")" = "kvm_entry kvm_exit" ] && ready=1 ;;
		bt_count)
			[ "$(tracer_tps "$TPID")" = "kvm_exit" ] && ready=1 ;;
		perf_kvm)
			# its tables go to stderr (stdout only gets the screen clears)
			grep -q 'Analyze events' "$out.err" 2>/dev/null && ready=1 ;;
		kvm_stat)
			grep -q '^timestamp,' "$out" 2>/dev/null && ready=1 ;;
		perf_stat)
			# its counters are open: one perf event fd per CPU
			[ "$(ls -l /proc/"$TPID"/fd 2>/dev/null | grep -c 'perf_event')" -ge "$(nproc)" ] && ready=1 ;;
		esac
		[ -n "$ready" ] && break
		sleep 0.1
	done
	ready_ms=$((($(now_ns) - t0) / 1000000))
	if [ -z "$ready" ]; then
		log "$name did not become ready (see $out.err)"
		echo "tracer	$name	$round	$ready_ms	failed" >>"$raw"
		stop_tracer
		return 1
	fi
	echo "tracer	$name	$round	$ready_ms	ready" >>"$raw"
	# Let the tracer finish its start-up (the work after attaching, its
	# first refresh) before the loop: the loop measures steady state.
	sleep "${EXITTOP_BENCH_SETTLE:-2}"
	find_progs "$TPID"
	[ -n "$TIDS" ] && note "progs $name r$round: $TIDS (fdinfo: ${TFDINFO:-no, bpftool})"
	log "$name ready after $ready_ms ms (pid $TPID)"
	return 0
}

# SIGINT (final output), then TERM, then KILL, each bounded.
stop_tracer() {
	[ -n "$TPID" ] || return 0
	for sig in INT TERM KILL; do
		kill -s "$sig" "$TPID" 2>/dev/null || break
		i=0
		while kill -0 "$TPID" 2>/dev/null && [ $i -lt 100 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -0 "$TPID" 2>/dev/null || break
		log "tracer $TPID ignored SIG$sig"
	done
	wait "$TPID" 2>/dev/null
	TPID="" TIDS="" TFDINFO=""
}

# The patch section: swap KVM builds within one boot.
kvm_load() { # DIR [KVM_PARAM...]: replace the loaded kvm modules with DIR's
	_kd=$1
	shift
	busybox rmmod kvm_amd 2>/dev/null
	busybox rmmod kvm 2>/dev/null
	grep -q '^kvm ' /proc/modules && { log "cannot unload kvm"; return 1; }
	busybox insmod "$_kd/kvm.ko" "$@" && busybox insmod "$_kd/kvm-amd.ko" && [ -c /dev/kvm ]
}

# rotate N WORD...: the words with the first N-1 moved to the end, the
# order of round N (no tracer always first or after the same neighbour)
rotate() {
	_rn=$1
	shift
	while [ "$_rn" -gt 1 ]; do
		_rf=$1
		shift
		set -- "$@" "$_rf"
		_rn=$((_rn - 1))
	done
	echo "$@"
}
