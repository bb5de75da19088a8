#!/bin/sh
# Install the Debian packages a make target needs, only those missing.
# Usage: scripts/deps.sh build|test|testbed|bench|demo ...
# Runs apt-get only when something is missing, so a warm machine pays nothing.
set -eu

pkgs_build="make gcc clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev libncurses-dev pkg-config libmicrohttpd-dev libyaml-dev libcrypt-dev"
pkgs_test="libcmocka-dev tmux jq prometheus curl iproute2 linux-perf gawk python3 openssl strace
	dpkg-dev debootstrap lintian systemd-container man-db git"
pkgs_testbed="qemu-system-x86 busybox-static xz-utils zstd dwarves cpio cpuid bc make gcc libelf-dev flex bison"
pkgs_bench="linux-perf bpftrace bpfcc-tools gnuplot-nox python3"
pkgs_demo="tmux"

want=""
for set in "$@"; do
	case "$set" in
	build) want="$want $pkgs_build" ;;
	test) want="$want $pkgs_build $pkgs_test" ;;
	testbed) want="$want $pkgs_testbed" ;;
	bench) want="$want $pkgs_bench" ;;
	demo) want="$want $pkgs_build $pkgs_demo $pkgs_testbed" ;;
	*) echo "deps.sh: unknown set '$set' (build|test|testbed|bench|demo)" >&2; exit 2 ;;
	esac
done

missing=""
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "deps.sh: missing packages:$missing; run as root or install them" >&2
	exit 1
fi
echo "deps.sh: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# The package lists on a fresh machine are empty; refresh them once.
apt-get update -qq >&2 || { echo "deps.sh: apt-get update failed" >&2; exit 1; }
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >&2 ||
	{ echo "deps.sh: could not install:$missing" >&2; exit 1; }
