#!/bin/sh
# Run the testbed tests: every executable tests/testbed/*.test, once per kernel,
# each in its own fresh first-level VM (tests/vm/run), after the runner's own
# host-side self-tests (tests/testbed/runner-selftest).
#
# Usage: tests/testbed/run.sh [--no-selftest] [-j N] [KERNEL...] [TEST...]
#   KERNEL   6.1 or 6.12 (default: both)
#   TEST     a test's name (l2-cpuid) or path, to run only those
#   -j N     N first-level VMs at once (default: EXITTOP_TESTBED_JOBS, else 2
#            on a host with 2 or more CPUs, else 1). Each VM is one
#            single-threaded TCG process: one host CPU. Runs are taken from
#            one queue in order; verdicts print as they end, failure logs
#            at the end in queue order.
#
# Each test's second line (any line in its first ten, really) holds its runner
# options:   # testbed: kvm=stock smp=2 timeout=300 [mem=MB] [kernels=6.12] [splats=allow] [tcg=multi]
# (EXITTOP_TESTBED_TCG=single|multi overrides tcg= for every test.)
# A test exits 0 (PASS), 77 (SKIP; it prints why), anything else is FAIL.
# A kernel WARN/BUG/Oops/KASAN report in the VM's log fails a passing test
# unless the header says splats=allow.
# Output per test and kernel goes to build/testbed/KERNEL/TEST.log, its
# $EXITTOP_RESULTS to build/testbed/KERNEL/TEST/ (console.log, dmesg.log, ...);
# to build/testbed.PID/ instead while another run.sh holds build/testbed.
set -u
cd "$(dirname "$0")/../.." || exit 2

kernels="" tests="" selftest=yes jobs=${EXITTOP_TESTBED_JOBS:-}
want_jobs=""
for a in "$@"; do
	if [ -n "$want_jobs" ]; then
		jobs=$a want_jobs=""
		continue
	fi
	case "$a" in
	--no-selftest) selftest="" ;;
	-j) want_jobs=yes ;;
	-j*) jobs=${a#-j} ;;
	-h | --help) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	6.1 | 6.12) kernels="$kernels $a" ;;
	-*) echo "run.sh: unknown option '$a'" >&2; exit 2 ;;
	*)
		n=${a##*/}
		n=${n%.test}
		[ -x "tests/testbed/$n.test" ] || { echo "run.sh: no test tests/testbed/$n.test" >&2; exit 2; }
		tests="$tests tests/testbed/$n.test"
		;;
	esac
done
[ -z "$want_jobs" ] || { echo "run.sh: -j needs a number" >&2; exit 2; }
if [ -z "$jobs" ]; then
	jobs=1
	[ "$(nproc 2>/dev/null || echo 1)" -ge 2 ] && jobs=2
fi
case "$jobs" in
'' | *[!0-9]* | 0) echo "run.sh: -j wants a number of VMs >= 1, not '$jobs'" >&2; exit 2 ;;
esac
kernels=${kernels:-6.1 6.12}
if [ -z "$tests" ]; then
	for t in tests/testbed/*.test; do
		[ -x "$t" ] && tests="$tests $t"
	done
fi
out=${EXITTOP_TESTBED_OUT:-build/testbed}
mkdir -p "$out"
# Each test's directory is emptied before it runs: a second run.sh at the same
# time (another terminal, another engineer) must not use the same tree.
exec 8>>"$out/.lock"
if ! flock -n 8; then
	exec 8>&-
	out="$out.$$"
	mkdir -p "$out"
	echo "run.sh: another run.sh is using ${EXITTOP_TESTBED_OUT:-build/testbed}; output goes to $out"
fi

npass=0 nfail=0 nskip=0 failed=""
now() { date +%s; }

if [ -n "$selftest" ]; then
	echo "== runner self-tests (host):$kernels"
	s=$(now)
	# shellcheck disable=SC2086 # list of kernels
	if tests/testbed/runner-selftest $kernels; then
		echo "PASS  runner-selftest  ($(($(now) - s)) s)"
		npass=$((npass + 1))
	else
		echo "FAIL  runner-selftest  ($(($(now) - s)) s)"
		nfail=$((nfail + 1))
		failed="$failed runner-selftest"
	fi
fi

# Value of KEY in a test's header, or the default.
opt() { # test key default
	v=$(head -n 10 "$1" | sed -n 's/^# *testbed:\(.*\)$/\1/p' | head -n 1 | tr ' ' '\n' |
		sed -n "s/^$2=//p" | head -n 1)
	echo "${v:-$3}"
}

splat_re='WARNING:|BUG:|BUG kernel|Oops|KASAN|UBSAN|general protection fault|Kernel panic|kernel BUG|RIP: 0010|Call Trace:'

# The queue: one line per (kernel, test), in order.
q=$(mktemp -d "${TMPDIR:-/tmp}/testbed-queue.XXXXXX") || exit 2
trap 'rm -rf "$q"' EXIT
trap 'exit 130' INT TERM
n=0
for k in $kernels; do
	for t in $tests; do
		n=$((n + 1))
		echo "$k $t" >"$q/$n.item"
	done
done

# One run: its verdict line to stdout and $q/I.verdict, the log of a failure
# to $q/I.detail (printed at the end, in queue order).
run_one() { # index kernel test
	i=$1 k=$2 t=$3
	name=${t##*/}
	name=${name%.test}
	only=$(opt "$t" kernels "")
	if [ -n "$only" ] && ! echo ",$only," | grep -q ",$k,"; then
		echo "SKIP  $name  [$k]  (0 s)  header: kernels=$only" | tee "$q/$i.verdict"
		return
	fi
	res="$out/$k/$name"
	log="$out/$k/$name.log"
	rm -rf "$res"
	mkdir -p "$res"
	s=$(now)
	tests/vm/run --kernel "$k" --kvm "$(opt "$t" kvm stock)" --smp "$(opt "$t" smp 2)" \
		--tcg "${EXITTOP_TESTBED_TCG:-$(opt "$t" tcg single)}" \
		--mem "$(opt "$t" mem 2048)" --timeout "$(opt "$t" timeout 600)" --results "$res" \
		-- "$t" >"$log" 2>&1 </dev/null
	rc=$?
	d=$(($(now) - s))
	splat=""
	klog="$res/dmesg.log"
	[ -s "$klog" ] || klog="$res/console.log"
	if [ "$(opt "$t" splats no)" != allow ] && [ -f "$klog" ]; then
		splat=$(grep -E "$splat_re" "$klog" | head -n 5)
	fi
	if [ "$rc" = 0 ] && [ -z "$splat" ]; then
		echo "PASS  $name  [$k]  ($d s)" | tee "$q/$i.verdict"
	elif [ "$rc" = 77 ]; then
		why=$(grep -E '^SKIP' "$log" | tail -n 1)
		[ -n "$why" ] || why=$(tail -n 1 "$log")
		echo "SKIP  $name  [$k]  ($d s)  ${why:-no reason printed}" | tee "$q/$i.verdict"
	else
		case "$rc" in
		0) what="kernel reported a problem" ;;
		125) what="testbed failure (exit 125)" ;;
		*) what="exit $rc" ;;
		esac
		echo "FAIL  $name  [$k]  ($d s)  $what; log $log, results $res/" | tee "$q/$i.verdict"
		{
			echo "FAIL  $name  [$k]: last lines of $log"
			sed 's/^/      | /' "$log" | tail -n 150
			if [ -n "$splat" ]; then
				echo "      kernel log ($klog):"
				echo "$splat" | sed 's/^/      ! /'
			fi
		} >"$q/$i.detail"
	fi
}

# A lane takes the next unclaimed run (mkdir is atomic) until none is left.
lane() {
	i=1
	while [ $i -le $n ]; do
		if mkdir "$q/$i.claim" 2>/dev/null; then
			read -r k t <"$q/$i.item"
			run_one $i "$k" "$t"
		fi
		i=$((i + 1))
	done
}

[ "$jobs" -gt 1 ] && echo "== testbed: $n runs, $jobs VMs at once"
lanes=""
j=0
while [ $j -lt "$jobs" ]; do
	lane &
	lanes="$lanes $!"
	j=$((j + 1))
done
# shellcheck disable=SC2086 # list of pids
wait $lanes

i=1
while [ $i -le $n ]; do
	read -r k t <"$q/$i.item"
	name=${t##*/}
	name=${name%.test}
	case "$(cut -c1-4 "$q/$i.verdict" 2>/dev/null)" in
	PASS) npass=$((npass + 1)) ;;
	SKIP) nskip=$((nskip + 1)) ;;
	FAIL)
		nfail=$((nfail + 1))
		failed="$failed ${name}[$k]"
		cat "$q/$i.detail"
		;;
	*)
		echo "FAIL  $name  [$k]: no verdict (the runner was interrupted?)"
		nfail=$((nfail + 1))
		failed="$failed ${name}[$k]"
		;;
	esac
	i=$((i + 1))
done

echo "== testbed: $npass passed, $nfail failed, $nskip skipped${failed:+ (failed:$failed)}"
[ "$nfail" = 0 ]
