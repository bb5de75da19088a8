# Shared helpers of tests/testbed/kernel-patch-*.test (sourced with `.`, not a
# test itself). The tests check the patched KVM's exit-statistics CPUID leaves
# (kernel-patch/, docs/kernel-patch.md) against build/exitgen's exactly known
# exit mix, inside the testbed (QEMU TCG with emulated SVM; VMX code paths are
# described too, for hardware runs).
#
# The checks themselves are jq programs over exitgen's JSON, with the tables
# and helpers of KP_JQLIB below. A check prints lines tagged
#   "P text"  print text
#   "B text"  a failed assertion (collected; the test fails at the end with
#             all of them joined by "; ")
#   "F text"  fail at once with text
# which kp_report turns into the test's output and exit status.

# shellcheck disable=SC2016 # jq and awk programs in single quotes
EXITGEN=build/exitgen
RESULTS=${EXITTOP_RESULTS:-/tmp}

KP_TMP=$(mktemp -d "${TMPDIR:-/tmp}/kernel-patch.XXXXXX") || {
	echo "FAIL: mktemp"
	exit 1
}
kp_bg=""
kp_cleanup() {
	for p in $kp_bg; do kill "$p" 2>/dev/null; done
	rm -rf "$KP_TMP"
}
trap kp_cleanup EXIT
trap 'exit 130' INT TERM

# jq has no hex literals: the codes are in decimal, hex in the comments.
KP_JQLIB='
def UNDEF: 4294967295;
# Exit reason per exitgen kind, per ISA (VMX: MSR is RDMSR 31 + WRMSR 32).
# svm: cpuid 0x72, io 0x7b, msr 0x7c, hlt 0x78.
def kinds: ["cpuid", "io", "msr", "hlt"];
def reasons($isa):
  {svm: {cpuid: [114], io: [123], msr: [124], hlt: [120]},
   vmx: {cpuid: [10], io: [30], msr: [31, 32], hlt: [12]}}[$isa];
# Defined but not handled by KVM 6.1/6.12 (no entry in svm_exit_handlers[] /
# kvm_vmx_exit_handlers[], not special-cased): must read all zeroes.
# svm: 0x66 0x67 0x6e 0x70 0x71 0x75 0x7e 0x88 0x8c 0xa5 0xa6 0x407
# 0xfffffffc-0xfffffffe; vmx: also all of the newer 78-81, 84, 85.
def unhandled($isa):
  {svm: [102, 103, 110, 112, 113, 117, 126, 136, 140, 165, 166, 1031,
         UNDEF - 3, UNDEF - 2, UNDEF - 1],
   vmx: [3, 4, 5, 6, 11, 17, 65, 66, 69, 76, 77, 78, 79, 80, 81, 84, 85]}[$isa];
# Defined and handled (an entry in the table), to check the class only.
# svm: 0x00 0x60 0x61 0x72 0x78 0x7b 0x7c 0x400 0x403 0xffffffff.
def handled($isa):
  {svm: [0, 96, 97, 114, 120, 123, 124, 1024, 1027, UNDEF],
   vmx: [0, 1, 10, 12, 30, 31, 32, 33, 34, 48, 49]}[$isa];
# "Defined" comes from kp_oracle (below), not from the patch.
# [eax, ebx, ecx, edx] of a register object or a compact array.
def regs4: if type == "array" then . else [.eax, .ebx, .ecx, .edx] end;
# [{s: subleaf, c: count regs, t: time regs}] in query order, either format.
def rows:
  .leaves.per_reason
  | map(if type == "array" then {s: .[0], c: .[1:5], t: .[5:9]}
        else {s: .subleaf, c: (.count | regs4), t: (.time | regs4)} end);
# Why the leaves are missing or empty, or null.
def leaves_problem:
  if has("leaves") | not then "exitgen printed no \u0027leaves\u0027 (query options ignored?)"
  elif (.leaves.total_first | regs4) == [0, 0, 0, 0]
  then "CPUID 0x4fffffff returned all zeroes: is this the patched KVM?"
  else null end;
def hex:
  def h: if . < 16 then "0123456789abcdef"[.:. + 1]
    else ((. / 16 | floor) | h) + ((. % 16) as $d | "0123456789abcdef"[$d:$d + 1]) end;
  "0x" + (floor | h);
# printf "%-Ns"
def pad($n): tostring | if length < $n then . + ([range($n - length)] | map(" ") | add) else . end;
# a list as Python prints it
def pyl: tojson | gsub(","; ", ");
'

# kp_oracle svm|vmx: the exit reasons that the architecture defines, as a
# JSON object {"reason": true, ...}, derived here from sources that the kernel
# patch does not use:
# 1. the uapi header of the source package being patched
#    (arch/x86/include/uapi/asm/vmx.h or svm.h, pristine under the build cache;
#    the series must not change it): every EXIT_REASON_* / SVM_EXIT_* value,
#    and SVM_EXIT_EXCP_BASE..SVM_EXIT_LAST_EXCP as a range;
# 2. the manuals' codes that the header does not name, typed in here from
#    Intel SDM 325462 (084US and later) Vol. 3C Table C-1 and the ISA
#    Extensions reference 319433 (VMX), and AMD APM Vol. 2 (24593 rev.
#    3.43/3.44) Table C-1 and section 15.25.15 (SVM);
# 3. minus the header's KVM-internal code SVM_EXIT_SW (0xf0000000).
# docs/kernel-patch.md lists and justifies every entry of 2 and 3.
kp_oracle() {
	kp_abi=$(tests/vm/kernel-version "${EXITTOP_KERNEL:-6.1}" | cut -d' ' -f1) ||
		fail "tests/vm/kernel-version failed"
	kp_h=${EXITTOP_CACHE:-/var/cache/exittop}/kvm-build/$kp_abi/src/tree/arch/x86/include/uapi/asm/$1.h
	[ -f "$kp_h" ] || fail "no $kp_h (made by tests/vm/build-kvm)"
	if grep -q "^+++ b/arch/x86/include/uapi/asm/$1.h" "kernel-patch/${EXITTOP_KERNEL:-6.1}"/*.patch; then
		fail "the series changes uapi/asm/$1.h: the oracle must read the patched header"
	fi
	case "$1" in
	vmx)
		# 5 IO_SMI, 6 OTHER_SMI, 11 GETSEC, 17 RSM, 65 PCONFIG, 66 SPP,
		# 69 LOADIWKEY, 70 ENCLV, 72 ENQCMD_PASID_FAIL, 73 ENQCMDS_PASID_FAIL,
		# 76 SEAMCALL, 77 TDCALL, 78 RDMSRLIST, 79 WRMSRLIST, 80 URDMSR,
		# 81 UWRMSR (SDM Table C-1); 84 RDMSR, 85 WRMSRNS with an
		# immediate MSR index (319433).
		kp_add="5 6 11 17 65 66 69 70 72 73 76 77 78 79 80 81 84 85"
		kp_hdr=$(sed -n 's/^#define[[:space:]]\{1,\}EXIT_REASON_[A-Z0-9_]\{1,\}[[:space:]]\{1,\}\([0-9]\{1,\}\)[[:space:]]*$/\1/p' "$kp_h")
		;;
	svm)
		# CR0-15 reads/writes and DR0-15 reads/writes not named in the
		# header (0x0-0x3f are all defined), 0xa0 INVLPGB, 0xa1
		# INVLPGB_ILLEGAL, 0xa3 MCOMMIT, 0xa4 TLBSYNC, 0xa5 BUSLOCK,
		# 0xa6 IDLE_HLT, 0x407 PML_FULL, -4 INVALID_PMC, -3
		# IDLE_REQUIRED, -2 BUSY (APM Table C-1, 15.25.15).
		kp_add=$(for r in 1 5 6 7 9 10 11 12 13 14 15 17 21 22 23 25 26 27 28 29 30 31; do echo "$r"; done
			seq 40 47; seq 56 63; echo "160 161 163 164 165 166 1031 4294967292 4294967293 4294967294")
		kp_hdr=$(awk '
			$1 == "#define" && $2 ~ /^SVM_EXIT_/ && $3 ~ /^0x[0-9a-fA-F]+$/ {
				v = 0; h = tolower(substr($3, 3))
				for (i = 1; i <= length(h); i++) v = v * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
				if ($2 == "SVM_EXIT_SW") next
				if ($2 == "SVM_EXIT_EXCP_BASE") base = v
				if ($2 == "SVM_EXIT_LAST_EXCP") last = v
				printf "%.0f\n", v
			}
			$1 == "#define" && $2 == "SVM_EXIT_ERR" && $3 == "-1" { print 4294967295 }
			END { if (base == "" || last == "") exit 1; for (v = base; v <= last; v++) print v }
		' "$kp_h") || fail "cannot parse $kp_h"
		;;
	*) fail "kp_oracle: unknown isa $1" ;;
	esac
	[ "$(echo "$kp_hdr" | wc -w)" -ge 60 ] || fail "only $(echo "$kp_hdr" | wc -w) exit reasons in $kp_h"
	echo $kp_hdr $kp_add | tr ' ' '\n' | sort -un |
		awk 'BEGIN { printf "{" } { printf "%s\"%s\": true", (NR > 1 ? ", " : ""), $1 } END { print "}" }'
}

skip() {
	echo "SKIP: $*"
	exit 77
}

fail() {
	echo "FAIL: $*"
	exit 1
}

preflight() {
	[ -x "$EXITGEN" ] || skip "$EXITGEN not built (make build/exitgen on the host)"
	[ -e /dev/kvm ] || skip "no /dev/kvm"
	[ "${EXITTOP_KVM:-patched}" = patched ] || skip "needs the patched KVM (testbed header kvm=patched)"
	command -v jq >/dev/null 2>&1 || skip "jq not installed"
}

# Copy a file to $EXITTOP_RESULTS/NAME, if possible.
save() { # file name
	cp "$1" "$RESULTS/$2" 2>/dev/null || :
}

# kp_jq PROGRAM [jq options and files]: PROGRAM with KP_JQLIB, raw output.
kp_jq() {
	kp_prog=$1
	shift
	timeout 120 jq -r "$KP_JQLIB $kp_prog" "$@"
}

# Fail unless FILE holds one JSON object (as a JSON parser would).
kp_json() { # file what
	kp_jq 'if type == "object" then empty else error("not an object") end' "$1" >/dev/null 2>&1 ||
		fail "$2: output is not a JSON object"
}

# run_exitgen NAME ARG...: run exitgen, save its JSON under
# $EXITTOP_RESULTS/NAME.json; the JSON is then in file $KP_TMP/NAME.json.
run_exitgen() {
	kp_name=$1
	shift
	timeout 300 "$EXITGEN" "$@" >"$KP_TMP/$kp_name.json" 2>"$KP_TMP/$kp_name.err"
	kp_rc=$?
	save "$KP_TMP/$kp_name.json" "$kp_name.json"
	[ "$kp_rc" = 0 ] || fail "exitgen $*: exit $kp_rc: $(cat "$KP_TMP/$kp_name.err")"
	kp_json "$KP_TMP/$kp_name.json" "exitgen $*"
}

check_leaves_present() { # json-file
	kp_p=$(kp_jq 'leaves_problem // empty' "$1") || fail "jq failed on $1"
	[ -z "$kp_p" ] || fail "$kp_p"
}

# kp_check PROGRAM [jq options and files]: run a check (lines tagged P, B, F
# as above) and report it.
kp_check() {
	kp_jq "$@" >"$KP_TMP/check.out" || fail "jq check failed (exit $?)"
	kp_report "$KP_TMP/check.out"
}

kp_report() { # file
	kp_bad=""
	while IFS= read -r kp_line; do
		case "$kp_line" in
		"P "*) printf '%s\n' "${kp_line#P }" ;;
		"B "*) kp_bad="${kp_bad:+$kp_bad; }${kp_line#B }" ;;
		"F "*) fail "${kp_line#F }" ;;
		*) fail "bad check output line: $kp_line" ;;
		esac
	done <"$1"
	[ -z "$kp_bad" ] || fail "$kp_bad"
}

# Fail on kernel WARN/BUG/Oops lines in the log.
check_dmesg() {
	kp_s=$(timeout 30 dmesg 2>/dev/null |
		grep -E 'WARNING:|BUG:|Oops|general protection|KASAN|UBSAN|Call Trace' |
		head -n 5 | awk 'NR > 1 { printf " | " } { printf "%s", $0 }')
	[ -z "$kp_s" ] || fail "kernel log: $kp_s"
}

# kp_run_selftest [ARG...]: run the series' KVM selftest (built with the
# patched modules by tests/vm/build-kvm), output in $KP_TMP/selftest.out and
# on stdout, exit status in kp_rc.
kp_run_selftest() {
	kp_st=$(BUILD_KVM_QUERY=1 tests/vm/build-kvm "${EXITTOP_KERNEL:-6.1}" selftest 2>&1) ||
		fail "the KVM selftest is not built ($kp_st): tests/vm/build-kvm ${EXITTOP_KERNEL:-6.1} patched builds it"
	timeout 300 "$kp_st/exit_stats_test" "$@" >"$KP_TMP/selftest.out" 2>&1
	kp_rc=$?
	cat "$KP_TMP/selftest.out"
	save "$KP_TMP/selftest.out" "selftest-${EXITTOP_KVM:-}.out"
}
