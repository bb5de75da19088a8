# shellcheck shell=sh
# shellcheck disable=SC2154 # the vm_* settings come from the sourcing script
# Boot one testbed VM, run one command in it, hand back its output and status.
# Sourced by tests/vm/run (first level, on the host: QEMU TCG with emulated SVM)
# and tests/vm/l2-run (second level, inside the first: QEMU on /dev/kvm).
#
# The caller sets:
#   vm_me        name for messages (tests/vm/run, tests/vm/l2-run)
#   vm_dir       prepared kernel directory (tests/vm/prepare): vmlinuz, initrd
#   vm_accel     QEMU arguments choosing accelerator and CPU model
#   vm_smp vm_mem vm_timeout vm_results
#   vm_kvm       "" (do not load KVM), "stock", or a host directory with kvm.ko, kvm-amd.ko
#   vm_tty       "" or "yes": the command gets the caller's terminal (QEMU's stdio on ttyS1)
#   vm_console   file name, in vm_results, for the guest's serial console
#   vm_env       extra shell text run before the command (exports), already quoted
#   vm_pidfile   "" or a file that gets QEMU's pid while it runs
#   vm_tsc_khz   optional: the guest's TSC rate in kHz (default: the host's)
#   vm_cmdline_extra  optional: kernel arguments appended to the runner's own
#   vm_name      "" or the QEMU -name
# then calls vm_main CMD ARGS... which exits with CMD's status, or 125 when the
# testbed itself failed (cannot boot, panicked, timed out, interrupted).

VM_FAIL=125

vm_die() {
	echo "$vm_me: $*" >&2
	exit $VM_FAIL
}

# The helpers below avoid running programs (sed, date, cat): in the first
# level every exec reads its binary and libraries over 9p from an emulated
# CPU, a tenth of a second or more each, and l2-run runs there.

# Quote one word for sh: 'it'\''s'.
vm_quote() {
	s=$1 r=""
	while :; do
		case "$s" in
		*\'*)
			r="$r${s%%\'*}'\\''"
			s=${s#*\'}
			;;
		*) break ;;
		esac
	done
	printf "'%s'" "$r$s"
}

# The host TSC rate in kHz, from the kernel's own calibration messages
# (the refined figure when there is one); empty when the log says nothing.
vm_host_tsc_khz() {
	dmesg 2>/dev/null | awk '
		/tsc: Refined TSC clocksource calibration:/ { r = $(NF - 1) }
		/tsc: Detected [0-9.]+ MHz processor/ { for (i = 1; i < NF; i++) if ($(i + 1) == "MHz") d = $i }
		END { v = r != "" ? r : d; if (v != "") printf "%d\n", v * 1000 }'
}

# A QEMU option value: a comma is written as two.
vm_optesc() {
	s=$1 r=""
	while :; do
		case "$s" in
		*,*)
			r="$r${s%%,*},,"
			s=${s#*,}
			;;
		*) break ;;
		esac
	done
	printf '%s' "$r$s"
}

# Seconds since boot, from /proc/uptime, without running date.
vm_now() {
	read -r up _ </proc/uptime
	echo "${up%.*}"
}

vm_timeout_pid=""
vm_ctl=""
vm_qemu_pidfile=""

vm_stop() {
	# The timeout process forwards TERM to QEMU; QEMU's own pid is the
	# fallback if timeout already went away.
	[ -n "$vm_timeout_pid" ] && kill "$vm_timeout_pid" 2>/dev/null
	if [ -n "$vm_qemu_pidfile" ] && [ -s "$vm_qemu_pidfile" ]; then
		p=""
		read -r p <"$vm_qemu_pidfile" 2>/dev/null
		[ -n "$p" ] && kill "$p" 2>/dev/null
		# Give it a moment to go, then make sure.
		i=0
		while [ -n "$p" ] && kill -0 "$p" 2>/dev/null && [ $i -lt 30 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		[ -n "$p" ] && kill -9 "$p" 2>/dev/null
	fi
	[ -n "$vm_timeout_pid" ] && wait "$vm_timeout_pid" 2>/dev/null
	vm_timeout_pid=""
	return 0
}

vm_cleanup() {
	vm_stop
	if [ -n "$vm_pidfile" ]; then rm -f "$vm_pidfile"; fi
	if [ -n "$vm_ctl" ]; then rm -rf "$vm_ctl"; fi
	vm_ctl=""
}

vm_interrupted() {
	echo "$vm_me: interrupted; VM stopped" >&2
	vm_cleanup
	trap - EXIT
	exit $VM_FAIL
}

# The command as shell text for the guest: environment, working directory,
# a clear message when CMD does not exist there, then exec.
vm_cmd_text() {
	echo "$vm_env"
	m=$(vm_quote "$vm_me: note: $PWD is not visible in the testbed; running in /")
	echo "cd $(vm_quote "$PWD") 2>/dev/null || { echo $m >&2; cd /; }"
	c=$(vm_quote "$1")
	case "$1" in
	*/) t="false" ;;
	*/*) t="[ -f $c ] && [ -x $c ]" ;;
	*) t="command -v $c >/dev/null 2>&1" ;;
	esac
	m=$(vm_quote "$vm_me: $1: command not found in the testbed")
	echo "$t || { echo $m >&2; exit 127; }"
	printf 'exec'
	for a in "$@"; do
		printf ' %s' "$(vm_quote "$a")"
	done
	echo
}

vm_main() {
	[ $# -gt 0 ] || vm_die "no command given (see --help)"
	command -v qemu-system-x86_64 >/dev/null 2>&1 || vm_die "qemu-system-x86_64 not found"
	if [ ! -f "$vm_dir/vmlinux" ] || [ ! -f "$vm_dir/initrd" ]; then
		vm_die "no kernel/initrd in $vm_dir"
	fi

	vm_ctl=$(mktemp -d "${TMPDIR:-/tmp}/exittop-vm.XXXXXX") || vm_die "mktemp failed"
	# QEMU writes its pid there itself (and removes the file when it exits).
	vm_qemu_pidfile=${vm_pidfile:-$vm_ctl/qemu.pid}
	trap vm_cleanup EXIT
	trap vm_interrupted INT TERM HUP

	{
		echo "TB_KVM=$(vm_quote "$vm_kvm")"
		echo "TB_RESULTS=$(vm_quote "$vm_results")"
		# Host paths the command needs (the checkout, the cache) that may lie
		# under /tmp or /run, which are fresh tmpfs inside: init binds them
		# back. Colon-separated; CI may clone anywhere.
		echo "TB_KEEP=$(vm_quote "$PWD:${EXITTOP_CACHE:-/var/cache/exittop}")"
		if [ -n "$vm_tty" ]; then
			echo "TB_TTY=/dev/ttyS1"
			# Pass the terminal size so full-screen programs fit.
			sz=$(stty size 2>/dev/null || echo "24 80")
			echo "TB_ROWS=${sz% *} TB_COLS=${sz#* }"
		fi
	} >"$vm_ctl/env"
	vm_cmd_text "$@" >"$vm_ctl/cmd"

	# Kernel command line. loglevel=5: the console (saved as console.log) shows
	# warnings and worse, so WARN/BUG/Oops/KASAN reports, not the boot chatter;
	# the whole log is saved as dmesg.log when the command ends. panic=-1 with
	# QEMU's -no-reboot turns a panic into QEMU exiting at once. The rest saves
	# boot time under emulation, where every instruction is dear, or avoids its
	# hazards: no check that the timer interrupt arrives within a busy-wait
	# (no_timer_check; on a loaded host it failed once: "IO-APIC + timer doesn't
	# work!", panic), no TSC sync checks or clocksource watchdog (the emulated
	# TSC is consistent), no crypto self-tests, no zeroing of every allocation,
	# no audit, no zswap, no PS/2 probing, no speculation mitigations (nothing
	# to protect in a throw-away VM), no early PCI quirk scan (pci=noearly: thousands of config-space port
	# accesses for AMD GART/AGP; in the second level each is a nested exit and
	# the scan alone took 4 of its 7 s of kernel boot).
	vm_cmdline="console=ttyS0,115200 loglevel=5 panic=-1 tsc=reliable nowatchdog no_timer_check"
	vm_cmdline="$vm_cmdline cryptomgr.notests init_on_alloc=0 audit=0 zswap.enabled=0"
	vm_cmdline="$vm_cmdline mitigations=off i8042.noaux i8042.nokbd i8042.nopnp pci=noearly"
	# Under TCG the guest's TSC is the host's, so tell the guest its rate:
	# on a loaded host its own calibration against the PIT was once 4.4 times
	# off (588 MHz for 2596), its clock raced, and RCU reported stalls.
	# (A caller with its own clock, tests/vm/run --icount, sets the rate.)
	[ -n "${vm_tsc_khz:-}" ] || vm_tsc_khz=$(vm_host_tsc_khz)
	[ -n "$vm_tsc_khz" ] && vm_cmdline="$vm_cmdline tsc_early_khz=$vm_tsc_khz"
	# Last, so that the caller's arguments win (the kernel takes the last).
	[ -n "${vm_cmdline_extra:-}" ] && vm_cmdline="$vm_cmdline $vm_cmdline_extra"

	console="$vm_results/$vm_console"
	: >"$console"
	# shellcheck disable=SC2086 # vm_accel is several words
	set -- -nodefaults -no-user-config -display none -machine q35 $vm_accel \
		-m "$vm_mem" -smp "$vm_smp" -no-reboot \
		-kernel "$vm_dir/vmlinux" -initrd "$vm_dir/initrd" \
		-append "$vm_cmdline" \
		-serial "file:$console" \
		-pidfile "$vm_qemu_pidfile" \
		-d cpu_reset -D "$vm_ctl/qemu-reset.log" \
		-virtfs "local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap" \
		-virtfs "local,path=$(vm_optesc "$vm_ctl"),mount_tag=ctl,security_model=none,multidevs=remap" \
		-virtfs "local,path=$(vm_optesc "$vm_results"),mount_tag=results,security_model=none,multidevs=remap"
	# qboot instead of SeaBIOS: it only loads the kernel, and each BIOS I/O
	# port access is an expensive exit under emulation (more so in the second
	# level). It boots vmlinux through its PVH entry, as SeaBIOS does.
	if [ -f /usr/share/qemu/qboot.rom ]; then set -- "$@" -bios /usr/share/qemu/qboot.rom; fi
	if [ -n "$vm_name" ]; then set -- "$@" -name "$vm_name"; fi
	if [ -n "$vm_tty" ]; then
		# signal=off: ^C goes to the command in the guest, not to QEMU.
		set -- "$@" -chardev stdio,id=tty,signal=off -serial chardev:tty
	fi

	start=$(vm_now)
	# timeout bounds QEMU even if this script is killed outright (-9).
	if [ -n "$vm_tty" ]; then
		# A background job's stdin is /dev/null unless redirected explicitly.
		# --foreground: plain timeout moves QEMU to its own process group,
		# where reading the terminal would stop it (SIGTTIN).
		exec 8<&0
		timeout --foreground -k 5 "$vm_timeout" qemu-system-x86_64 "$@" <&8 &
	else
		timeout -k 5 "$vm_timeout" qemu-system-x86_64 "$@" </dev/null >"$vm_ctl/qemu.out" 2>&1 &
	fi
	vm_timeout_pid=$!
	wait "$vm_timeout_pid"
	qrc=$?
	vm_timeout_pid=""
	elapsed=$(($(vm_now) - start))

	[ -f "$vm_ctl/dmesg" ] && cp "$vm_ctl/dmesg" "$vm_results/${vm_console%console.log}dmesg.log"
	if [ -s "$vm_ctl/stdout" ]; then cat "$vm_ctl/stdout"; fi
	if [ -s "$vm_ctl/stderr" ]; then cat "$vm_ctl/stderr" >&2; fi

	if [ -f "$vm_ctl/rc" ]; then
		rc=""
		read -r rc <"$vm_ctl/rc"
		case "$rc" in
		'' | *[!0-9]*) vm_die "bad status '$rc' from the guest" ;;
		esac
		vm_cleanup
		trap - EXIT INT TERM HUP
		return "$rc"
	fi

	# No status: the VM never ran the command to its end. Say why, plainly.
	# QEMU's own output and its reset log (-d cpu_reset: a triple fault is
	# logged there with the CPU state) go to the results for the post-mortem.
	for f in qemu.out qemu-reset.log; do
		[ -s "$vm_ctl/$f" ] && cp "$vm_ctl/$f" "$vm_results/${vm_console%console.log}$f"
	done
	init_last=$(grep 'testbed init:' "$console" 2>/dev/null | tail -n 1)
	if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
		why="timed out after ${vm_timeout} s; VM killed"
	elif grep -q 'Kernel panic' "$console" 2>/dev/null; then
		why="VM panicked: $(grep -m 1 'Kernel panic' "$console" | sed 's/^\[[^]]*\] *//')"
	elif [ "$qrc" != 0 ]; then
		why="QEMU failed (status $qrc): $(tail -n 3 "$vm_ctl/qemu.out" 2>/dev/null)"
	elif grep -q 'Triple fault' "$vm_ctl/qemu-reset.log" 2>/dev/null; then
		phase="it booted"
		[ -n "$init_last" ] && phase="the command ran"
		why="the guest triple-faulted while $phase (QEMU reset it, -no-reboot ended it; CPU state in ${vm_console%console.log}qemu-reset.log)"
	elif [ -n "$init_last" ] && [ "${init_last#*testbed init: running the command}" = "$init_last" ]; then
		why="VM setup failed: $init_last"
	elif [ -n "$init_last" ]; then
		why="the VM stopped (reset or power-off, no panic) while the command ran"
	else
		why="VM stopped before its setup ran"
	fi
	{
		echo "$vm_me: $why (after ${elapsed} s)"
		if [ -s "$console" ]; then
			echo "$vm_me: last console lines ($console):"
			tail -n 15 "$console" | sed 's/^/  | /'
		fi
	} >&2
	exit $VM_FAIL
}
