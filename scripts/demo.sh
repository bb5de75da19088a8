#!/bin/sh
# make demo: show exittop live on a real workload.
# With hardware KVM (vmx/svm in /proc/cpuinfo and kvm_intel/kvm_amd loaded)
# exittop runs right here against exitgen. Otherwise (no VT-x/AMD-V, as on
# the development machines) everything runs inside the nested testbed:
# exitgen plus a second-level Linux guest booting under QEMU.
# Interactive when stdin and stdout are a terminal, batch otherwise.
set -eu
cd "$(dirname "$0")/.."

hw_kvm() {
	grep -qwE 'vmx|svm' /proc/cpuinfo 2>/dev/null &&
		{ [ -d /sys/module/kvm_intel ] || [ -d /sys/module/kvm_amd ]; }
}

if [ -t 0 ] && [ -t 1 ]; then
	mode=interactive
else
	mode=batch
fi

if hw_kvm; then
	echo "demo: hardware KVM found; running exittop here on exitgen" >&2
	exec scripts/demo-inside.sh "$mode"
fi
echo "demo: no hardware virtualization here; running inside the nested testbed" >&2
# One first-level vCPU, as the second-level tests have it (docs/testbed.md):
# with two, the second level either crawls (single-threaded TCG) or risks the
# first level's code patching under multi-threaded TCG.
if [ "$mode" = interactive ]; then
	exec tests/vm/run --smp 1 --tty --timeout 900 -- scripts/demo-inside.sh interactive
fi
exec tests/vm/run --smp 1 --timeout 600 -- scripts/demo-inside.sh batch
