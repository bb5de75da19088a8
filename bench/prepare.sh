#!/bin/sh
# bench/prepare.sh KERNEL: the host-side prerequisites both benchmark boots
# need (bench/run.sh, wall clock; bench/icount-run.sh, deterministic):
#   - the stock and patched KVM builds (tests/vm/build-kvm: same toolchain and
#     recipe, so the only difference is the patch; it also fetches Debian's
#     linux-source, whose kvm_stat we need)
#   - kvm_stat, extracted from that linux-source into the cache
#   - exittop built again with its BPF programs cut short after each stage
#     (EXITS_BENCH_STAGE in bpf/exits.bpf.c): build/bench-stage1..4/exittop
# Prints sh assignments on stdout (eval them): kvm_stock, kvm_patched (module
# directories, empty when not built) and patch_why (why not, or empty).
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
ver=$2 srcpkg=$3

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

echo "kvm_stock=$(q "$kvm_stock") kvm_patched=$(q "$kvm_patched") patch_why=$(q "$patch_why")"
