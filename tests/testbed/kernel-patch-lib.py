# Shared helpers of tests/testbed/kernel-patch-*.test (loaded with exec, not a
# test itself). The tests check the patched KVM's exit-statistics CPUID leaves
# (kernel-patch/, docs/kernel-patch.md) against build/exitgen's exactly known
# exit mix, inside the testbed (QEMU TCG with emulated SVM; VMX code paths are
# described too, for hardware runs).
import json
import os
import re
import subprocess
import sys

EXITGEN = "build/exitgen"
RESULTS = os.environ.get("EXITTOP_RESULTS", "/tmp")
UNDEF = 0xFFFFFFFF

# Exit reason per exitgen kind, per ISA (VMX: MSR is RDMSR 31 + WRMSR 32).
REASONS = {
    "svm": {"cpuid": [0x72], "io": [0x7B], "msr": [0x7C], "hlt": [0x78]},
    "vmx": {"cpuid": [10], "io": [30], "msr": [31, 32], "hlt": [12]},
}
# Defined but not handled by KVM (NULL in svm_exit_handlers[] /
# kvm_vmx_exit_handlers[], not special-cased): must read all zeroes.
UNHANDLED = {
    "svm": [0x66, 0x67, 0x6E, 0x70, 0x71, 0x75, 0x7E, 0x88, 0x8C, 0xA5],
    "vmx": [3, 4, 5, 6, 11, 17, 65, 66, 69, 76, 77],
}
# Defined and handled (an entry in the table), to check the class only.
HANDLED = {
    "svm": [0x00, 0x60, 0x61, 0x72, 0x78, 0x7B, 0x7C, 0x400, 0x403, UNDEF],
    "vmx": [0, 1, 10, 12, 30, 31, 32, 33, 34, 48, 49],
}


def defined(isa, s):
    """Reasons the SDM 325462-080US / APM 24593 rev. 3.41 tables define."""
    if isa == "vmx":
        return s < 78 and s not in (35, 38, 42, 71)
    return s < 0xA6 or 0x400 <= s <= 0x403 or s == UNDEF


def skip(msg):
    print("SKIP: " + msg)
    sys.exit(77)


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def preflight():
    if not os.access(EXITGEN, os.X_OK):
        skip(EXITGEN + " not built (make build/exitgen on the host)")
    if not os.path.exists("/dev/kvm"):
        skip("no /dev/kvm")
    if os.environ.get("EXITTOP_KVM", "patched") != "patched":
        skip("needs the patched KVM (testbed header kvm=patched)")


def exitgen_cmd(args):
    return [EXITGEN] + [str(a) for a in args]


def run_exitgen(args, name, timeout=300):
    """Run exitgen, save its JSON under $EXITTOP_RESULTS/NAME.json, return it."""
    p = subprocess.run(exitgen_cmd(args), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=timeout, check=False)
    save(name + ".json", p.stdout.decode(errors="replace"))
    if p.returncode != 0:
        fail("exitgen %s: exit %d: %s" % (" ".join(map(str, args)), p.returncode,
                                          p.stderr.decode(errors="replace").strip()))
    return json.loads(p.stdout)


def save(name, text):
    try:
        with open(os.path.join(RESULTS, name), "w") as f:
            f.write(text)
    except OSError:
        pass


def regs(x):
    """[eax, ebx, ecx, edx] of a full-format register object."""
    return [x["eax"], x["ebx"], x["ecx"], x["edx"]]


def per_reason(leaves):
    """[(subleaf, count regs, time regs)] in query order, either format."""
    out = []
    for e in leaves["per_reason"]:
        if isinstance(e, list):
            out.append((e[0], e[1:5], e[5:9]))
        else:
            out.append((e["subleaf"], regs(e["count"]), regs(e["time"])))
    return out


def check_leaves_present(d):
    if "leaves" not in d:
        fail("exitgen printed no 'leaves' (query options ignored?)")
    lv = d["leaves"]
    tf = lv["total_first"]
    t = regs(tf) if isinstance(tf, dict) else tf
    if t == [0, 0, 0, 0]:
        fail("CPUID 0x4fffffff returned all zeroes: is this the patched KVM?")


def dmesg_splats():
    """Kernel WARN/BUG/Oops lines in the log."""
    try:
        log = subprocess.run(["dmesg"], stdout=subprocess.PIPE, check=False,
                             timeout=30).stdout.decode(errors="replace")
    except (OSError, subprocess.SubprocessError):
        return []
    pat = re.compile(r"WARNING:|BUG:|Oops|general protection|KASAN|UBSAN|Call Trace")
    return [line for line in log.splitlines() if pat.search(line)]
