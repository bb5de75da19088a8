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
#  - afterwards the server still answers, its open fds are back to what
#    they were and its RSS has not grown by more than 4 MiB; exit 0 on
#    SIGTERM.
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
curl -s --max-time 10 -o /dev/null -H 'Accept-Encoding: gzip' "$url"
# the exporter itself (dpid is timeout(1)'s pid): fds and memory before and after
xpid=$(pgrep -P "$dpid" | head -1)
fds() { ls "/proc/$xpid/fd" 2>/dev/null | wc -l; }
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$xpid/status" 2>/dev/null; }
fd0=$(fds) rss0=$(rss_kb)

timeout 60 python3 tests/host/export-attack.py burst "$host" "$port" 64 || fails=$((fails + 1))
timeout 60 python3 tests/host/export-attack.py flood "$host" "$port" 400 || fails=$((fails + 1))
timeout 60 python3 tests/host/export-attack.py nonreaders "$host" "$port" 32 5 || fails=$((fails + 1))

[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$url")" = 200 ] &&
	pass "still serving after the attacks" || fail "not serving after the attacks"
# every connection gone: the fds back to where they were, memory not grown
i=0
while [ "$(fds)" -gt "$fd0" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
fd1=$(fds) rss1=$(rss_kb)
[ "$fd1" = "$fd0" ] && pass "open fds after the attacks: $fd1 (before: $fd0)" ||
	fail "open fds after the attacks: $fd1, before: $fd0"
[ "${rss1:-999999}" -le $((rss0 + 4096)) ] && pass "RSS after the attacks: $rss1 kB (before: $rss0 kB)" ||
	fail "RSS grew from $rss0 kB to $rss1 kB"
ex_stop_driver
rc=$ex_rc
[ "$rc" = 0 ] && pass "SIGTERM: exit 0" || fail "SIGTERM: exit $rc"

echo "export-attack: $fails failure(s)"
[ $fails = 0 ]
