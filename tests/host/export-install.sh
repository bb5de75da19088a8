#!/bin/bash
# Packaging on the host: `make install DESTDIR=... PREFIX=...` installs a tree
# whose binaries run, whose man pages render without warnings (man -l,
# groff -ww), whose systemd unit passes systemd-analyze verify and points at
# the installed exittop, whose bash completion completes; `make uninstall`
# removes every file again. Then the unit's capability set, measured: the
# exporter (tests/host/export-driver, the real collector) as uid 65534 with
# exactly the unit's AmbientCapabilities loads, attaches and polls, and
# fails without each one of them.
# Exit 0 pass, 77 skip, 1 fail.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/host/export-lib.sh
. tests/host/test-lib.sh

command -v man >/dev/null || skip "man not installed"
tmp=$(mktemp -d /tmp/exittop-install.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
dest=$tmp/root
prefix=/opt/exittop

timeout 600 make -s install DESTDIR="$dest" PREFIX="$prefix" >"$tmp/make.log" 2>&1 ||
	{ fail "make install: $(tail -5 "$tmp/make.log")"; exit 1; }
for f in sbin/exittop bin/exitgen bin/exitcpuid share/man/man8/exittop.8 share/man/man1/exitgen.1 \
	share/man/man1/exitcpuid.1 share/bash-completion/completions/exittop \
	share/bash-completion/completions/exitgen lib/systemd/system/exittop.service; do
	[ -e "$dest$prefix/$f" ] || fail "not installed: $prefix/$f"
done
v=$("$dest$prefix/sbin/exittop" --version 2>&1) && pass "installed exittop runs: $v" || fail "exittop --version: $v"
"$dest$prefix/bin/exitgen" --help >/dev/null 2>&1 && pass "installed exitgen runs" || fail "exitgen --help"
"$dest$prefix/bin/exitcpuid" --help >/dev/null 2>&1 && pass "installed exitcpuid runs" || fail "exitcpuid --help"
for m in man8/exittop.8 man1/exitgen.1 man1/exitcpuid.1; do
	p=$dest$prefix/share/man/$m
	out=$(MANWIDTH=80 man -l "$p" 2>&1 >"$tmp/man.txt")
	w=$(groff -man -ww -z "$p" 2>&1)
	if [ -z "$out$w" ] && [ "$(wc -l <"$tmp/man.txt")" -gt 20 ]; then
		pass "man -l $m renders ($(wc -l <"$tmp/man.txt") lines, no warnings)"
	else
		fail "man -l $m: $out $w"
	fi
done
MANWIDTH=80 man -l "$dest$prefix/share/man/man8/exittop.8" 2>/dev/null | grep -q 'exittop_exit_latency_seconds' &&
	pass "exittop(8) documents the metrics" || fail "exittop(8) lacks the metrics"

unit=$dest$prefix/lib/systemd/system/exittop.service
grep -q "^ExecStart=$prefix/sbin/exittop --listen" "$unit" && pass "unit ExecStart uses $prefix/sbin/exittop" ||
	fail "unit ExecStart: $(grep ExecStart= "$unit")"
if command -v systemd-analyze >/dev/null; then
	# verify against the staged binary
	sed "s|$prefix/sbin/exittop|$dest$prefix/sbin/exittop|" "$unit" >"$tmp/exittop.service"
	out=$(systemd-analyze verify --man=no "$tmp/exittop.service" 2>&1)
	[ -z "$out" ] && pass "systemd-analyze verify: unit accepted" || fail "systemd-analyze verify: $out"
fi

# completion (bash-completion's helpers when installed, else a minimal stand-in)
comp=$dest$prefix/share/bash-completion/completions/exittop
got=$(bash -c '
	if [ -f /usr/share/bash-completion/bash_completion ]; then
		. /usr/share/bash-completion/bash_completion
	else
		_init_completion() { cur=${COMP_WORDS[COMP_CWORD]}; prev=${COMP_WORDS[COMP_CWORD-1]}; split=false; words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD; }
	fi
	. "$1"
	c() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=(); "$F" "$1"; echo "${COMPREPLY[*]}"; }
	F=_exittop; c exittop --vi; c exittop --view ""; c exittop -s p; c exittop --reason ep
	F=_exitgen; c exitgen --leaves; F=_exitcpuid; c exitcpuid --isa s
' _ "$comp" 2>&1)
want=$(printf '%s\n' "--view" "reason vm vcpu" "pct p50 p99" "EPT_VIOLATION EPT_MISCONFIG" "--leaves-format" "svm")
[ "$got" = "$want" ] && pass "bash completion: options, views, sort keys, reasons, exitgen, exitcpuid" ||
	fail "bash completion: got [$got]"

timeout 60 make -s uninstall DESTDIR="$dest" PREFIX="$prefix" >"$tmp/make.log" 2>&1 || fail "make uninstall"
left=$(find "$dest" -type f -o -type l)
[ -z "$left" ] && pass "make uninstall removes every installed file" || fail "left after uninstall: $left"

# ---- capabilities of the unit, measured ----
caps=$(sed -n 's/^AmbientCapabilities=//p' packaging/exittop.service)
if [ "$(id -u)" = 0 ] && [ -d /sys/kernel/tracing/events/kvm/kvm_exit ] && command -v setpriv >/dev/null; then
	# the installed-style binary when it has the exporter, else the test driver
	if "$BUILD/exittop" --help 2>&1 | grep -q -- '--listen'; then
		drv=$BUILD/exittop
	else
		drv=$BUILD/tests/export-driver
		ex_build_driver "$drv" || { fail "build $drv"; exit 1; }
	fi
	echo "capability checks with $drv"
	set_of() { echo "$1" | tr ' ' '\n' | sed -n 's/^CAP_\(.*\)/+\L\1/p' | paste -sd, -; }
	run_as() { # caps-list -> prints "polls=N errors=M" or the error
		local c=$1 port
		port=$(ex_free_port)
		timeout -s TERM 2.5 setpriv --reuid=65534 --regid=65534 --clear-groups \
			--inh-caps=-all${c:+,$c} --ambient-caps=-all${c:+,$c} --bounding-set=-all${c:+,$c} \
			--no-new-privs "$drv" --listen "127.0.0.1:$port" --interval 0.3 \
			>"$tmp/cap.log" 2>&1 &
		local p=$! m=""
		sleep 1.2
		m=$(curl -sf --max-time 3 "http://127.0.0.1:$port/metrics")
		wait $p
		if [ -n "$m" ]; then
			echo "polls=$(echo "$m" | sed -n 's/^exittop_polls_total //p') errors=$(echo "$m" | sed -n 's/^exittop_poll_errors_total //p')"
		else
			tail -1 "$tmp/cap.log"
		fi
	}
	full=$(set_of "$caps")
	r=$(run_as "$full")
	case "$r" in
	polls=[1-9]*" errors=0") pass "uid 65534 with only $caps: loads, attaches, polls ($r)" ;;
	*) fail "uid 65534 with $caps: $r" ;;
	esac
	for drop in $caps; do
		rest=$(set_of "$(echo "$caps" | tr ' ' '\n' | grep -vx "$drop" | paste -sd' ' -)")
		r=$(run_as "$rest")
		case "$r" in
		polls=*) fail "works without $drop: the unit grants more than needed ($r)" ;;
		*"not mounted"*) fail "without $drop: a wrong reason, tracefs is mounted: $r" ;;
		*) pass "without $drop it fails: $r" ;;
		esac
		if [ "$drop" = CAP_DAC_READ_SEARCH ]; then
			case "$r" in
			*"no permission to read tracefs"*) pass "without $drop the message says why" ;;
			*) fail "without $drop, the message does not name the permission: $r" ;;
			esac
		fi
	done
	# root on a host where nothing mounted tracefs (no systemd): exittop
	# mounts it (in a private mount namespace here, the host's stays)
	if command -v unshare >/dev/null; then
		r=$(timeout 30 unshare -m sh -c 'umount /sys/kernel/tracing 2>/dev/null
			umount /sys/kernel/debug/tracing 2>/dev/null
			echo "before=$(grep -c " - tracefs " /proc/self/mountinfo)"
			timeout 10 "$1" -b -n 1 -d 0.3 >/dev/null 2>"$2"; echo "rc=$?"
			echo "after=$(grep -c " - tracefs " /proc/self/mountinfo)"' sh "$BUILD/exittop" "$tmp/mnt.err" |
			paste -sd' ' -)
		case "$r" in
		"before=0 rc=0 after=1") pass "root without tracefs mounted: exittop mounts it and runs ($r)" ;;
		*) fail "root without tracefs mounted: $r $(cat "$tmp/mnt.err")" ;;
		esac
	fi
else
	echo "note: not root or no KVM tracepoints: capability checks skipped"
fi

echo "export-install: $fails failure(s)"
[ $fails = 0 ]
