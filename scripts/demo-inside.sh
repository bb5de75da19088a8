#!/bin/sh
# The demo's workload and exittop, on a machine whose KVM fires real exits
# (a hardware KVM host, or the first-level testbed VM).
# Usage: demo-inside.sh interactive|batch
set -eu
cd "$(dirname "$0")/.."
mode=${1:-batch}
tmp=$(mktemp -d)
pids=""
cleanup() {
	# The subshells first, then what they started (exitgen, l2-run and its QEMU).
	for p in $pids; do
		kill "$p" 2>/dev/null || true
		pkill -P "$p" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# The workloads start once exittop has attached: enabling the tracepoints
# patches kernel text, which is best done before guests run (docs/testbed.md).
# A mixed workload that keeps going for the length of the demo.
(
	sleep 3
	while :; do
		build/exitgen --vcpus 2 --cpuid 200000 --pio 20000 --mmio 5000 \
			--msr 20000 --hlt 2000 >/dev/null 2>"$tmp/exitgen.err" || break
	done
) &
pids="$pids $!"

# A real client: a Linux guest under QEMU (only where the testbed provides it).
if [ -x tests/vm/l2-run ] && [ -n "${EXITTOP_RESULTS:-}" ]; then
	(sleep 3; tests/vm/l2-run --timeout 300 -- sh -c 'while :; do cpuid -1 -r >/dev/null; done' \
		>"$tmp/l2.out" 2>&1 || true) &
	pids="$pids $!"
fi

if [ "$mode" = interactive ]; then
	build/exittop -d 1
else
	# Long enough for the second-level guest to boot and show up.
	build/exittop -b -d 5 -n 12
fi
