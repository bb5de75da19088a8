# Result helpers of the host test scripts (sourced; POSIX sh): ok/FAIL lines,
# a failure count for the script's exit status, and SKIP (exit 77).
BUILD=${BUILD:-build}
fails=0
pass() { echo "ok   $*"; }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }
skip() { echo "SKIP $*"; exit 77; }
