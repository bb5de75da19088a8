#!/bin/sh
# bench/prepare.sh KERNEL: the host-side prerequisites both benchmark boots
# need (bench/run.sh, wall clock; bench/icount-run.sh, deterministic):
#   - the stock and patched KVM builds (tests/vm/build-kvm: same toolchain and
#     recipe, so the only difference is the patch; it also fetches Debian's
#     linux-source, whose kvm_stat we need)
#   - kvm_stat, extracted from that linux-source into the cache
#   - exittop built again with its BPF programs cut short after each stage
#     (EXITS_BENCH_STAGE in bpf/exits.bpf.c): build/bench-stage1..4/exittop,
#     and with the exit reason read by helper calls on every kernel
#     (EXITS_BENCH_PROBE_READS): build/bench-probe/exittop, and with programs
#     that only read the exit reason and the clock (EXITS_BENCH_FLOOR):
#     build/bench-floor/exittop
# Prints sh assignments on stdout (eval them): kvm_stock, kvm_patched (module
# directories, empty when not built), kvm_debian (Debian's own kvm.ko and
# kvm-amd.ko, unpacked from the linux-image .deb; empty when not there) and
# patch_why (why not, or empty).
# Progress and errors on stderr; exit 1 when something the benchmarks cannot
# do without (kvm_stat, a stage build) failed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
cd "$repo"
cache=${EXITTOP_CACHE:-/var/cache/exittop}
kernel=${1:?usage: bench/prepare.sh KERNEL}

log() { echo "bench/prepare.sh: $*" >&2; }
die() { log "$*"; exit 1; }
q() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }

set -- $(tests/vm/kernel-version "$kernel") || die "tests/vm/kernel-version $kernel failed"
abi=$1 ver=$2 srcpkg=$3

kvm_stock="" kvm_patched="" patch_why=""
if out=$(timeout 1200 tests/vm/build-kvm "$kernel" stock 2>"$cache/bench-build-kvm-stock.log"); then
	kvm_stock=$(printf '%s\n' "$out" | tail -n 1)
else
	patch_why="tests/vm/build-kvm $kernel stock failed: $(tail -n 1 "$cache/bench-build-kvm-stock.log")"
fi
if [ -n "$kvm_stock" ]; then
	if out=$(timeout 1200 tests/vm/build-kvm "$kernel" patched 2>"$cache/bench-build-kvm-patched.log"); then
		kvm_patched=$(printf '%s\n' "$out" | tail -n 1)
	else
		patch_why="tests/vm/build-kvm $kernel patched failed: $(tail -n 1 "$cache/bench-build-kvm-patched.log")"
	fi
fi
[ -n "$patch_why" ] && log "patch section skipped: $patch_why"

# Debian's own kvm.ko and kvm-amd.ko, uncompressed, from the linux-image .deb
# (a check that the stock build above compiles to what Debian ships).
kvm_debian=$cache/bench/kvm-debian-$abi
if [ -n "$kvm_stock" ] && [ ! -f "$kvm_debian/kvm-amd.ko" ]; then
	kvm_debian=""
	for deb in "$cache/debs/linux-image-${abi}_${ver}_"*.deb; do
		[ -f "$deb" ] || continue
		log "extracting Debian's kvm modules from ${deb##*/}"
		d=$cache/bench/kvm-debian-$abi
		rm -rf "$d.tmp" && mkdir -p "$d.tmp"
		k=./lib/modules/$abi/kernel/arch/x86/kvm
		if dpkg-deb --fsys-tarfile "$deb" | tar -xO --wildcards "$k/kvm.ko*" >"$d.tmp/kvm.ko.x" &&
			dpkg-deb --fsys-tarfile "$deb" | tar -xO --wildcards "$k/kvm-amd.ko*" >"$d.tmp/kvm-amd.ko.x"; then
			for m in kvm kvm-amd; do
				if xz -t "$d.tmp/$m.ko.x" 2>/dev/null; then xz -dc "$d.tmp/$m.ko.x" >"$d.tmp/$m.ko"; else mv "$d.tmp/$m.ko.x" "$d.tmp/$m.ko"; fi
				rm -f "$d.tmp/$m.ko.x"
			done
			rm -rf "$d" && mv "$d.tmp" "$d" && kvm_debian=$d
		else
			log "no kvm modules in ${deb##*/}: the debian row is skipped"
			rm -rf "$d.tmp"
		fi
	done
fi
[ -f "$kvm_debian/kvm-amd.ko" ] || kvm_debian=""

# kvm_stat: just that file out of Debian's linux-source .deb, into the cache.
if [ ! -x "$cache/bench/kvm_stat" ]; then
	deb="$cache/debs/${srcpkg}_${ver}_all.deb"
	[ -f "$deb" ] || die "$deb missing (tests/vm/build-kvm $kernel stock downloads it)"
	log "extracting tools/kvm/kvm_stat/kvm_stat from $deb"
	mkdir -p "$cache/bench"
	rm -rf "$cache/bench/x"
	mkdir "$cache/bench/x"
	dpkg-deb --fsys-tarfile "$deb" | tar -xO "./usr/src/$srcpkg.tar.xz" |
		tar -xJ -C "$cache/bench/x" "$srcpkg/tools/kvm/kvm_stat/kvm_stat"
	mv "$cache/bench/x/$srcpkg/tools/kvm/kvm_stat/kvm_stat" "$cache/bench/kvm_stat"
	rm -rf "$cache/bench/x"
fi

for st in 1 2 3 4; do
	make -s BUILD="build/bench-stage$st" BPF_CFLAGS="-DEXITS_BENCH_STAGE=$st" \
		"build/bench-stage$st/exittop" >&2 || die "building the stage-$st exittop failed"
done

# the exit reason read with bpf_probe_read_kernel() where the kernel has
# bpf_rdonly_cast() too (EXITS_BENCH_PROBE_READS): what the loads save
make -s BUILD=build/bench-probe BPF_CFLAGS=-DEXITS_BENCH_PROBE_READS build/bench-probe/exittop >&2 ||
	die "building the probe-read exittop failed"
# the floor: the exit reason and two clock reads, nothing kept (EXITS_BENCH_FLOOR)
make -s BUILD=build/bench-floor BPF_CFLAGS=-DEXITS_BENCH_FLOOR build/bench-floor/exittop >&2 ||
	die "building the floor exittop failed"

echo "kvm_stock=$(q "$kvm_stock") kvm_patched=$(q "$kvm_patched") kvm_debian=$(q "$kvm_debian") patch_why=$(q "$patch_why")"
