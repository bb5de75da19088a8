#!/bin/sh
# The exporter's HTTP server under the attacks of issue 13, from outside the
# process (the synthetic source of tests/host/export-driver, no BPF needed),
# with the default limits (32 requests at once, 10 s deadlines):
#  - 64 clients connect, then each sends a complete GET at the same moment;
#    400 clients each connect and send at once: every one gets 200 or 503,
#    none is closed or reset without a response;
#  - 32 clients ask for a 4.4 MB /metrics (1000 rows) and never read: five
#    scrapes, one a second, each get a complete 200 within 2 s, and the
#    kernel holds less than 1 MiB for each non-reader;
#  - afterwards the server still answers and exits 0 on SIGTERM.
# The clients are tests/host/export-attack.py. Exit 0 pass, 77 skip, 1 fail.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/host/export-lib.sh
. tests/host/test-lib.sh

for t in curl gcc ss python3; do
	command -v $t >/dev/null || skip "$t not installed"
done
ex_setup attack

timeout 300 "$drv" --fake --rows 1000 --listen 127.0.0.1:0 --interval 1 >"$tmp/drv.log" 2>&1 &
dpid=$!
addr=$(ex_wait_addr "$tmp/drv.log") || { echo "FAIL driver: $(cat "$tmp/drv.log")"; exit 1; }
host=${addr%:*} port=${addr##*:}
url="http://$addr/metrics"

sz=$(curl -s --max-time 10 -o /dev/null -w '%{size_download}' "$url")
[ "${sz:-0}" -gt 4000000 ] && pass "response of $sz bytes" || fail "response of ${sz:-0} bytes, want > 4 MB"

timeout 60 python3 tests/host/export-attack.py burst "$host" "$port" 64 || fails=$((fails + 1))
timeout 60 python3 tests/host/export-attack.py flood "$host" "$port" 400 || fails=$((fails + 1))
timeout 60 python3 tests/host/export-attack.py nonreaders "$host" "$port" 32 5 || fails=$((fails + 1))

[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$url")" = 200 ] &&
	pass "still serving after the attacks" || fail "not serving after the attacks"
ex_stop_driver
rc=$ex_rc
[ "$rc" = 0 ] && pass "SIGTERM: exit 0" || fail "SIGTERM: exit $rc"

echo "export-attack: $fails failure(s)"
[ $fails = 0 ]
