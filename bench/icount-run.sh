#!/bin/sh
# bench/icount-run.sh: the deterministic half of `make bench`. Runs
# bench/icount.sh in ONE testbed boot with tests/vm/run --icount (guest time =
# emulated instructions) and renders its tables with bench/icount_report.py.
#
#   host:  prerequisites (bench/prepare.sh: KVM builds, kvm_stat, stage builds)
#   guest: bench/icount.sh: exitgen loops under each tracer, stock/patched KVM
#   host:  BENCH_ICOUNT_RESULTS/icount.tsv (raw) and icount.md (tables)
#
# Environment (all optional):
#   EXITTOP_ICOUNT_*       see bench/icount.sh (N, ROUNDS, TRACERS, VCPUS, ...)
#   BENCH_ICOUNT_RESULTS   where results go (default build/bench-icount)
#   BENCH_ICOUNT_SMP       first-level vCPUs (default 2: 1- and 2-vCPU loops)
#   BENCH_MEM              testbed memory in MiB (default 3072)
#   BENCH_ICOUNT_KERNEL    kernel line to boot (default 6.1; kernel-patch/measure-cost
#                          sets it)
#   BENCH_ICOUNT_TIMEOUT   the testbed boot's time limit in s (default 6600)
# Exit status: 0, or 1 when the testbed failed or produced no results. Rows
# whose rounds disagree by more than 0.5% are named in the tables and on
# stderr, without failing (the wall-clock half of make bench still runs).
set -eu

t_start=$(date +%s)
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
cd "$repo"
results=${BENCH_ICOUNT_RESULTS:-$repo/build/bench-icount}
smp=${BENCH_ICOUNT_SMP:-2}
mem=${BENCH_MEM:-3072}
kernel=${BENCH_ICOUNT_KERNEL:-6.1}
# The full 6.1 boot (16 tracers x 3 loops x 5 rounds, then the KVM builds)
# ran out of 3,500 s on a host busy with three other testbed VMs: icount
# keeps the figures exact under load, not the wall time.
vm_timeout=${BENCH_ICOUNT_TIMEOUT:-6600}

log() { echo "bench/icount-run.sh: $*" >&2; }
die() { log "$*"; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (boots the testbed)"
[ -x build/exittop ] && [ -x build/exitgen ] || die "build first: make all"

prep=$(bench/prepare.sh $kernel) || die "bench/prepare.sh $kernel failed"
eval "$prep"

rm -rf "$results"
mkdir -p "$results"
export EXITTOP_BENCH_KVM_STOCK="$kvm_stock" EXITTOP_BENCH_KVM_PATCHED="$kvm_patched" EXITTOP_BENCH_KVM_DEBIAN="$kvm_debian"
export EXITTOP_BENCH_PATCH_WHY="$patch_why" EXITTOP_BENCH_REPO="$repo"
# A copy of the scripts: editing them meanwhile cannot change a running bench.
cp bench/icount.sh bench/tracers.sh "$results/"
boot="tests/vm/run --icount --kernel $kernel --kvm stock --smp $smp --mem $mem --timeout $vm_timeout --results $results"
log "$boot -- bench/icount.sh (a copy)"
rc=0
# shellcheck disable=SC2086
timeout $((vm_timeout + 100)) $boot -- "$results/icount.sh" 2>"$results/vm.log" || rc=$?
[ -s "$results/icount.tsv" ] || die "the testbed produced no results (status $rc; see $results/vm.log, $results/console.log)"
{
	printf 'meta\tboot\t%s\n' "$boot -- bench/icount.sh"
	printf 'meta\tqemu\t%s\n' "$(qemu-system-x86_64 --version | head -n 1)"
	printf 'meta\thost_cpu\t%s (%s cores)\n' "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)" "$(nproc)"
	printf 'meta\tcommit\t%s\n' "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
	printf 'meta\tdate\t%s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
	printf 'meta\ttestbed_status\t%s\n' "$rc"
	printf 'meta\thost_seconds\t%s\n' "$(($(date +%s) - t_start))"
} >>"$results/icount.tsv"
ok=0
python3 bench/icount_report.py --check "$results/icount.tsv" >"$results/icount.md" || ok=$?
log "tables in $results/icount.md; done in $(($(date +%s) - t_start)) s (testbed status $rc)"
[ "$ok" = 0 ] || log "WARNING: some rows' rounds disagree by more than 0.5%: $(grep -c 'NOT within' "$results/icount.md") (see $results/icount.md)"
[ "$rc" = 0 ]
