#!/bin/sh
# bench/icount.sh: the deterministic half of `make bench`, run by
# bench/icount-run.sh inside ONE testbed boot with tests/vm/run --icount: the
# guest clock advances one nanosecond per emulated instruction, so an exitgen
# loop's elapsed_ns is the instructions the guest (exitgen's guest, the first
# level's KVM, every tracer program and whatever else runs on the guest's
# CPUs) executed during it, the same on every run whatever the host's load.
# Writes raw records, never a verdict: bench/icount_report.py renders them.
#
# Output, in $EXITTOP_RESULTS:
#   icount.tsv    tab-separated records, first field = kind:
#                 meta KEY VALUE
#                 tracer NAME ROUND READY_MS ready|failed   (bench/tracers.sh)
#                 loop SECTION LABEL ROUND VCPUS CPUS CPUID KVM_EXITS ELAPSED_NS REFRESHED
#                   one exitgen loop: SECTION tracers or patch; LABEL the tracer
#                   (none, perf_stat, exittop, ...) or the KVM build (stock, on,
#                   off, debian); CPUS the CPU exitgen was pinned to, or "any";
#                   CPUID the CPUID exits the loop makes (all vCPUs);
#                   REFRESHED 1 when a periodic tracer wrote a refresh while the
#                   loop's exitgen ran (its user-space work is then in the time)
#   out/          tracer output and exitgen JSON per loop
#
# Settings (environment, passed through by tests/vm/run as EXITTOP_*):
#   EXITTOP_ICOUNT_N         CPUID exits per vCPU of one loop (default 20000)
#   EXITTOP_ICOUNT_WORKLOAD  cpuid (default): exitgen --cpuid N; mix: exitgen
#                            --mix N/2, CPUID and RDMSR alternating (a new
#                            reason on every exit), N exits per vCPU
#   EXITTOP_ICOUNT_ROUNDS    rounds over all tracers, order rotated (default 5)
#   EXITTOP_ICOUNT_TRACERS   default: none perf_stat exittop exittop_classic
#                            exittop_attrib exittop_drill exittop_drill_idle bt_count
#                            bt_hist kvm_stat perf_kvm floor stage1..stage4;
#                            also exittop_probe (build/bench-probe: the exit
#                            reason by helper calls, for 6.2+ kernels)
#   EXITTOP_ICOUNT_LOOPS     the loops per tracer start, VCPUS@CPU (CPU: where
#                            exitgen is pinned, "any": not pinned); default
#                            "1@0 1@1 2@any" with 2 CPUs online, else "1@0".
#                            A tracer may cost more on one CPU than another
#                            (bpftrace's count: 4,019 on CPU 0, 3,488 on CPU 1)
#   EXITTOP_ICOUNT_INTERVAL  refresh interval of the periodic tracers, s (default 3)
#   EXITTOP_ICOUNT_PATCH_ROUNDS  rounds over the KVM builds (default 5)
#   EXITTOP_ICOUNT_PATCH_N   CPUID exits per vCPU of one loop of the KVM builds
#                            (default 100000): their differences are a few
#                            instructions per exit, and a loop's fixed costs
#                            (threads, first KVM_RUN: about 13 instructions per
#                            exit at 20000) and the guest's background work
#                            scatter less over a longer loop
#   EXITTOP_BENCH_KVM_STOCK / _PATCHED  module directories (tests/vm/build-kvm);
#                            the patch section runs when both are set: LABEL
#                            stock, on (patched, kvm.exit_stats=1), off
#                            (exit_stats=0) and, with EXITTOP_BENCH_KVM_DEBIAN
#                            (Debian's own modules, unpacked), debian
set -u

me=bench/icount.sh
[ "${EXITTOP_ICOUNT:-}" = 1 ] || { echo "$me: run me through tests/vm/run --icount (bench/icount-run.sh)" >&2; exit 2; }
repo=${EXITTOP_BENCH_REPO:-$(cd "$(dirname "$0")/.." && pwd)}
exitgen=$repo/build/exitgen
exittop=$repo/build/exittop
cache=${EXITTOP_CACHE:-/var/cache/exittop}
kvm_stat=$cache/bench/kvm_stat
res=${EXITTOP_RESULTS:?run me through tests/vm/run}
N=${EXITTOP_ICOUNT_N:-20000}
case ${EXITTOP_ICOUNT_WORKLOAD:-cpuid} in
cpuid) WORK="--cpuid $N" ;;
mix) WORK="--mix $((N / 2))" ;;
*) echo "$me: EXITTOP_ICOUNT_WORKLOAD: cpuid or mix" >&2; exit 2 ;;
esac
ROUNDS=${EXITTOP_ICOUNT_ROUNDS:-5}
PATCH_ROUNDS=${EXITTOP_ICOUNT_PATCH_ROUNDS:-5}
PATCH_N=${EXITTOP_ICOUNT_PATCH_N:-100000}
TRACERS=${EXITTOP_ICOUNT_TRACERS:-none perf_stat exittop exittop_classic exittop_attrib exittop_drill exittop_drill_idle bt_count bt_hist kvm_stat perf_kvm floor stage1 stage2 stage3 stage4}
if [ "$(nproc)" -ge 2 ]; then LOOPS=${EXITTOP_ICOUNT_LOOPS:-1@0 1@1 2@any}; else LOOPS=${EXITTOP_ICOUNT_LOOPS:-1@0}; fi
# Periodic tracers (exittop, kvm_stat, perf kvm stat live) refresh every this
# many guest seconds; each loop starts right after a refresh, so that the
# refresh work (not per exit) stays out of the loop (see sync_refresh).
TRACER_INTERVAL=${EXITTOP_ICOUNT_INTERVAL:-3}
work=/tmp/icount
mkdir -p "$work/out" "$res/out"
raw=$work/icount.tsv
: >"$raw"

log() { echo "icount: $(date +%T) $*" | tee -a "$res/progress.log" >&2; }
note() { printf 'meta\tnote\t%s\n' "$*" >>"$raw"; }
meta() { printf 'meta\t%s\t%s\n' "$1" "$2" >>"$raw"; }
flush() { cp "$raw" "$res/" 2>/dev/null; cp -r "$work/out/." "$res/out/" 2>/dev/null; }

# shellcheck source=bench/tracers.sh
. "$(dirname "$0")/tracers.sh"

# Size of the tracer's refresh file, or "" for a tracer without refreshes.
RFILE=""
refresh_size() { [ -n "$RFILE" ] && wc -c <"$RFILE" 2>/dev/null; }
# Wait for the periodic tracer's next refresh to be written out, then a
# moment for it to finish: the loop then has the rest of the interval.
sync_refresh() {
	[ -n "$RFILE" ] || return 0
	s0=$(refresh_size)
	dl=$(($(now_ns) + (TRACER_INTERVAL * 2 + 10) * 1000000000))
	while [ "$(refresh_size)" = "$s0" ] && [ "$(now_ns)" -lt $dl ]; do sleep 0.05; done
	sleep 0.2
}

# loop SECTION LABEL ROUND VCPUS@CPU: one exitgen CPUID loop; nothing else of
# ours runs meanwhile (its JSON goes to a file, read afterwards).
loop() {
	sect=$1 label=$2 round=$3 vcpus=${4%@*} cpus=${4#*@}
	j=$work/out/exitgen.$sect.$label.r$round.v$vcpus.c$cpus.json
	pin=""
	[ "$cpus" = any ] || pin="taskset -c $cpus"
	sync_refresh
	r0=$(refresh_size)
	# shellcheck disable=SC2086 # pin is a command or nothing
	# shellcheck disable=SC2086 # WORK is options
	timeout 600 $pin "$exitgen" --vcpus "$vcpus" $WORK --timeout 590 >"$j" 2>"$j.err"
	rc=$?
	r1=$(refresh_size)
	if [ $rc != 0 ]; then
		log "exitgen failed ($rc): $(head -c 300 "$j.err")"
		printf 'fail\t%s\t%s\t%s\t%s\t%s\t%s\n' "$sect" "$label" "$round" "$vcpus" "$cpus" "$rc" >>"$raw"
		return 1
	fi
	refreshed=0
	[ "$r0" = "$r1" ] || refreshed=1
	# the loop's deliberate exits: CPUIDs, with --mix the RDMSRs too
	set -- $(jq -r '"\(.expected.cpuid + .config.mix * .config.vcpus) \(.kvm_stats_total.exits // -1) \(.elapsed_ns)"' "$j")
	printf 'loop\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$sect" "$label" "$round" "$vcpus" "$cpus" "$1" "$2" "$3" "$refreshed" >>"$raw"
	log "$sect $label r$round v$vcpus@$cpus: $(($3 / $1)) guest ns per exit${RFILE:+ (refresh during loop: $refreshed)}"
}

meta kernel "$(uname -r)"
meta cpus "$(nproc)"
meta cmdline "$(cat /proc/cmdline)"
meta n "$N"
meta rounds "$ROUNDS"
meta patch_rounds "$PATCH_ROUNDS"
meta loops "$LOOPS"
meta interval "$TRACER_INTERVAL"
for t in $TRACERS; do
	c=$(tracer_cmd "$t") && meta "cmd_$t" "$c"
done
meta cmd_exitgen "$exitgen --vcpus V $WORK"
meta workload "$WORK"
meta patch_n "$PATCH_N"
# No BPF run-time statistics: they add two clock reads per program run.
sysctl -qw kernel.bpf_stats_enabled=0
mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug

# One-off costs (the first KVM VM of the boot, caches of exitgen's binary)
# land in the first loop: run one and drop it.
"$exitgen" --vcpus 1 --cpuid "$N" >/dev/null 2>&1

r=1
while [ $r -le "$ROUNDS" ]; do
	# Rotate the order each round: no tracer always first or after the same one.
	# shellcheck disable=SC2086 # a word list
	set -- $(rotate "$r" $TRACERS)
	for t in "$@"; do
		RFILE=""
		if [ "$t" != none ]; then
			start_tracer "$t" "$r" || continue
			RFILE=$(tracer_refresh_file "$t" "$work/out/$t.r$r.out")
		fi
		for v in $LOOPS; do loop tracers "$t" "$r" "$v"; done
		RFILE=""
		stop_tracer
		flush
	done
	r=$((r + 1))
done

if [ -n "${EXITTOP_BENCH_KVM_STOCK:-}" ] && [ -n "${EXITTOP_BENCH_KVM_PATCHED:-}" ]; then
	meta kvm_stock "$EXITTOP_BENCH_KVM_STOCK"
	meta kvm_patched "$EXITTOP_BENCH_KVM_PATCHED"
	# The builds: stock and patched from the same source, compiler and
	# recipe; the patched one with kvm.exit_stats=1 (on) and =0 (off);
	# Debian's own modules as a check on the stock build.
	builds="stock on off"
	WORK="--cpuid $PATCH_N"
	if [ -n "${EXITTOP_BENCH_KVM_DEBIAN:-}" ]; then
		meta kvm_debian "$EXITTOP_BENCH_KVM_DEBIAN"
		builds="$builds debian"
	fi
	r=1
	while [ $r -le "$PATCH_ROUNDS" ]; do
		# Rotated order: no build always first or after the same one.
		# shellcheck disable=SC2086 # a word list
		for fl in $(rotate "$r" $builds); do
			case $fl in
			stock) set -- "$EXITTOP_BENCH_KVM_STOCK" ;;
			debian) set -- "$EXITTOP_BENCH_KVM_DEBIAN" ;;
			on) set -- "$EXITTOP_BENCH_KVM_PATCHED" exit_stats=1 ;;
			off) set -- "$EXITTOP_BENCH_KVM_PATCHED" exit_stats=0 ;;
			esac
			kvm_load "$@" || { note "patch: loading $* failed"; break 2; }
			# The patched build must have taken the parameter; stock has none.
			kp=$(cat /sys/module/kvm/parameters/exit_stats 2>/dev/null || echo none)
			case $fl/$kp in on/Y | off/N | stock/none | debian/none) ;;
			*) note "patch: $fl: kvm.exit_stats is $kp after loading $*"; break 2 ;;
			esac
			# the first VM after a module load pays one-off costs
			"$exitgen" --vcpus 1 --cpuid "$N" >/dev/null 2>&1
			for v in $LOOPS; do loop patch "$fl" "$r" "$v"; done
		done
		flush
		r=$((r + 1))
	done
else
	note "patch: not measured (${EXITTOP_BENCH_PATCH_WHY:-no module directories given})"
fi
flush
log "done"
