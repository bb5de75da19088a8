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
# Reasons that the kernel patch and user/reasons.c take as defined: SDM 325462
# 084US and later, Table C-1, plus 84/85 from ISA extensions 319433 (vmx: 0-85
# except 35, 38, 42, 71, 82, 83); APM 24593 rev. 3.43/3.44, Table C-1, plus
# VMEXIT_PML_FULL (svm: <= 0xa6, 0x400-0x403, 0x407, 0xfffffffc-0xffffffff).
def defined($isa; $s):
  if $isa == "vmx" then $s < 86 and ([35, 38, 42, 71, 82, 83] | index([$s]) | not)
  else $s < 167 or (1024 <= $s and $s <= 1027) or $s == 1031 or $s >= UNDEF - 3 end;
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
