#!/bin/sh
# bench/run.sh: `make bench`. Benchmarks exittop against the tools users would
# pick instead, inside ONE testbed boot (tests/vm/run, kernel 6.1), and writes
# docs/benchmarks.md and docs/benchmarks.png.
#
#   host:  prerequisites (linux-headers of the testbed ABI for bcc, kvm_stat
#          from Debian's linux-source, the stock/patched KVM builds), boot
#   guest: bench/inside.sh measures, raw records into the results directory
#   host:  bench/report.py computes medians/ratios, writes the report + plot,
#          led by the deterministic tables of bench/icount-run.sh when it ran
#          (BENCH_ICOUNT_RESULTS/icount.tsv, default build/bench-icount)
#          and the scale table of bench/keyscale-run.sh when it ran
#          (BENCH_KEYSCALE_RESULTS/keyscale.tsv, default build/bench-keyscale)
#
# Environment (all optional):
#   EXITTOP_BENCH_N, _ROUNDS, _TRACERS, _SCALE, _SECTIONS   see bench/inside.sh
#   BENCH_RESULTS   where raw results go (default build/bench-results)
#   BENCH_MEM       testbed memory in MiB (default 3072)
#   BENCH_NO_DOCS=1 do not touch docs/ (development runs)
set -eu

t_start=$(date +%s)
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
cd "$repo"
cache=${EXITTOP_CACHE:-/var/cache/exittop}
results=${BENCH_RESULTS:-$repo/build/bench-results}
mem=${BENCH_MEM:-3072}
kernel=6.1

log() { echo "bench/run.sh: $*" >&2; }
die() { log "$*"; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (installs headers, boots the testbed)"
[ -x build/exittop ] && [ -x build/exitgen ] || die "build first: make all"

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
# Other VMs on the host (other engineers' testbeds) are what makes timings noisy.
other_vms() { ps -eo comm= | grep -c '^qemu-system' || true; }
vms_before=$(other_vms)
log "load average before: $load_before; QEMU processes running: $vms_before"

set -- $(tests/vm/kernel-version $kernel) || die "tests/vm/kernel-version $kernel failed"
abi=$1 ver=$2 srcpkg=$3
log "testbed kernel $kernel: ABI $abi, $srcpkg $ver"

# KVM builds, kvm_stat, the stage builds of exittop (shared with bench/icount-run.sh).
prep=$(bench/prepare.sh $kernel) || die "bench/prepare.sh $kernel failed"
eval "$prep"

# bcc compiles against the running kernel's headers: the testbed runs in a
# chroot of this root, so its /lib/modules/ABI/build must exist here.
if [ ! -e "/lib/modules/$abi/build/Makefile" ]; then
	debs=""
	for f in "linux-headers-${abi}_${ver}_amd64.deb" "linux-headers-${abi%-amd64}-common_${ver}_all.deb" \
		"linux-kbuild-${kernel}_${ver}_amd64.deb"; do
		[ -f "$cache/debs/$f" ] && debs="$debs $cache/debs/$f"
	done
	log "installing linux-headers-$abi (bcc's kvmexit needs it in the testbed)"
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -qq --no-install-recommends \
		${debs:-linux-headers-$abi} >&2 || log "could not install linux-headers-$abi (kvmexit will say why)"
fi

rm -rf "$results"
mkdir -p "$results"
export EXITTOP_BENCH_KVM_STOCK="$kvm_stock" EXITTOP_BENCH_KVM_PATCHED="$kvm_patched"
export EXITTOP_BENCH_PATCH_WHY="$patch_why" EXITTOP_BENCH_REPO="$repo"
# The testbed reads scripts from the host while they run: give it a copy, so
# that editing bench/inside.sh (or the bench/tracers.sh it sources) meanwhile
# cannot change a running bench.
cp bench/inside.sh bench/tracers.sh "$results/"
boot_cmd="tests/vm/run --kernel $kernel --kvm stock --smp 2 --mem $mem --timeout 3900 --results $results -- bench/inside.sh"
log "$boot_cmd (a copy of bench/inside.sh)"
t_boot=$(date +%s)
rc=0
# shellcheck disable=SC2086
timeout 4000 ${boot_cmd%% -- *} -- "$results/inside.sh" 2>"$results/../bench-vm.log" || rc=$?
tail -n 40 "$results/../bench-vm.log" | grep -v '^bench: ' >&2 || true
t_vm=$(($(date +%s) - t_boot))
[ -s "$results/raw.tsv" ] || die "the testbed produced no results (status $rc; see $results/console.log)"

load_after=$(cut -d' ' -f1-3 /proc/loadavg)
export BENCH_OTHER_VMS="before the boot: $vms_before; after it: $(other_vms)"
export BENCH_DATE="$(date -u '+%Y-%m-%d %H:%M UTC')"
export BENCH_HOST_CPU="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1) ($(nproc) cores)"
export BENCH_HOST_KERNEL="$(uname -r)"
export BENCH_QEMU="$(qemu-system-x86_64 --version | head -n 1)"
export BENCH_TESTBED="Debian $abi ($srcpkg $ver), QEMU TCG -cpu qemu64,+svm,+npt, 2 vCPUs, $mem MiB"
export BENCH_BOOT_CMD="$boot_cmd"
export BENCH_LOAD="before: $load_before; after: $load_after"
export BENCH_VM_S="$t_vm" BENCH_TOTAL_S="$(($(date +%s) - t_start))"
export BENCH_KVM_STOCK="$kvm_stock" BENCH_KVM_PATCHED="$kvm_patched" BENCH_PATCH_WHY="$patch_why"
export BENCH_COMMIT="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
# The deterministic tables (bench/icount-run.sh, bench/keyscale-run.sh, run
# before by make bench) lead.
icount_tsv=${BENCH_ICOUNT_RESULTS:-$repo/build/bench-icount}/icount.tsv
keyscale_tsv=${BENCH_KEYSCALE_RESULTS:-$repo/build/bench-keyscale}/keyscale.tsv
set --
[ -s "$icount_tsv" ] && set -- --icount "$icount_tsv"
[ -s "$keyscale_tsv" ] && set -- "$@" --keyscale "$keyscale_tsv"
# exittop on 6.12 (make bench runs bench/icount-run.sh there too)
icount612_tsv=${BENCH_ICOUNT612_RESULTS:-$repo/build/bench-icount-6.12}/icount.tsv
[ -s "$icount612_tsv" ] && set -- "$@" --icount-kernel "$icount612_tsv"
# the kernel patch on 6.12 (make bench runs kernel-patch/measure-cost 6.12)
patch612_tsv=${BENCH_PATCH612_RESULTS:-$repo/build/kernel-patch-cost/6.12}/icount.tsv
[ -s "$patch612_tsv" ] && set -- "$@" --icount-patch "$patch612_tsv"
if [ "${BENCH_NO_DOCS:-}" = 1 ]; then
	python3 bench/report.py "$@" "$results" "$results/benchmarks.md" "$results/benchmarks.png"
else
	python3 bench/report.py "$@" "$results" docs/benchmarks.md docs/benchmarks.png
fi
log "done in $(($(date +%s) - t_start)) s (testbed $t_vm s); testbed status $rc"
exit "$rc"
