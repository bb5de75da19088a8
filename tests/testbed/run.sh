#!/bin/sh
# Run the testbed tests: every executable tests/testbed/*.test, once per kernel,
# each in its own fresh first-level VM (tests/vm/run), after the runner's own
# host-side self-tests (tests/testbed/runner-selftest).
#
# Usage: tests/testbed/run.sh [--no-selftest] [KERNEL...] [TEST...]
#   KERNEL   6.1 or 6.12 (default: both)
#   TEST     a test's name (l2-cpuid) or path, to run only those
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

kernels="" tests="" selftest=yes
for a in "$@"; do
	case "$a" in
	--no-selftest) selftest="" ;;
	-h | --help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
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

for k in $kernels; do
	for t in $tests; do
		name=${t##*/}
		name=${name%.test}
		only=$(opt "$t" kernels "")
		if [ -n "$only" ] && ! echo ",$only," | grep -q ",$k,"; then
			echo "SKIP  $name  [$k]  (0 s)  header: kernels=$only"
			nskip=$((nskip + 1))
			continue
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
			echo "PASS  $name  [$k]  ($d s)"
			npass=$((npass + 1))
		elif [ "$rc" = 77 ]; then
			why=$(grep -E '^SKIP' "$log" | tail -n 1)
			[ -n "$why" ] || why=$(tail -n 1 "$log")
			echo "SKIP  $name  [$k]  ($d s)  ${why:-no reason printed}"
			nskip=$((nskip + 1))
		else
			case "$rc" in
			0) what="kernel reported a problem" ;;
			125) what="testbed failure (exit 125)" ;;
			*) what="exit $rc" ;;
			esac
			echo "FAIL  $name  [$k]  ($d s)  $what; log $log, results $res/"
			sed 's/^/      | /' "$log" | tail -n 150
			if [ -n "$splat" ]; then
				echo "      kernel log ($klog):"
				echo "$splat" | sed 's/^/      ! /'
			fi
			nfail=$((nfail + 1))
			failed="$failed ${name}[$k]"
		fi
	done
done

echo "== testbed: $npass passed, $nfail failed, $nskip skipped${failed:+ (failed:$failed)}"
[ "$nfail" = 0 ]
