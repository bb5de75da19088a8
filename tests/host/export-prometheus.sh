#!/bin/sh
# Exporter against the real tools, on the host:
#  1. promtool check metrics accepts the text output (synthetic source with
#     hostile VM names; then the real collector when root and KVM are there);
#  2. the OpenMetrics output ends with "# EOF" and is served when asked;
#  3. a real Prometheus server (temp config and data dir, loopback) scrapes
#     the exporter (it negotiates OpenMetrics); PromQL through /api/v1/query
#     returns the series with exact values, the escaped VM name round-trips,
#     histogram_quantile and rate work; an ended VM's series expires.
# Exit 0 pass, 77 skip (with the reason), 1 fail.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/host/export-lib.sh
. tests/host/test-lib.sh

for t in promtool prometheus curl jq gcc ss; do
	command -v $t >/dev/null || skip "$t not installed (apt-get install prometheus curl jq iproute2)"
done
ex_setup export

# ---- synthetic source ----
timeout 300 "$drv" --fake --listen 127.0.0.1:0 --interval 0.5 --grace 25 >"$tmp/drv.log" 2>&1 &
dpid=$!
addr=$(ex_wait_addr "$tmp/drv.log") || { fail "driver did not start: $(cat "$tmp/drv.log")"; exit 1; }
sleep 0.6
curl -sf "http://$addr/metrics" >"$tmp/text.prom" || fail "GET /metrics"
if out=$(promtool check metrics <"$tmp/text.prom" 2>&1); then
	pass "promtool check metrics: text format accepted${out:+ ($out)}"
else
	fail "promtool check metrics: $out"
fi
ctype=$(curl -sf -o "$tmp/om.prom" -w '%{content_type}' \
	-H 'Accept: application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5' \
	"http://$addr/metrics")
case "$ctype" in
application/openmetrics-text*) pass "OpenMetrics negotiated ($ctype)" ;;
*) fail "OpenMetrics not negotiated: $ctype" ;;
esac
[ "$(tail -n 1 "$tmp/om.prom")" = "# EOF" ] && pass "OpenMetrics ends with # EOF" ||
	fail "OpenMetrics does not end with # EOF"
grep -q '^# EOF' "$tmp/text.prom" && fail "# EOF in the 0.0.4 text format" ||
	pass "no # EOF in the 0.0.4 text format"

if ! ex_prom_start "$addr" "$tmp/prom" 60; then
	fail "prometheus did not start: $(tail -5 "$tmp/prom/prometheus.log")"
	exit 1
fi
echo "prometheus at $EX_PROM, pid $EX_PROM_PID"
if ex_wait_value 'up{job="exittop"}' 1 30; then
	pass "prometheus scrapes the exporter (up == 1)"
else
	fail "scrape: $(curl -s "$EX_PROM/api/v1/targets" | jq -c '.data.activeTargets[0] | {health, lastError}')"
fi
# VM 1003 ran 3 polls (7 HLT each) and ended with 1 more: exactly 22
if ex_wait_value 'exittop_exits_total{pid="1003",reason="HLT",vm="short"}' 22 30; then
	pass "PromQL: exittop_exits_total{pid=\"1003\",reason=\"HLT\"} == 22 (ended VM, final read)"
else
	fail "exittop_exits_total of the ended VM"
fi
v=$(ex_prom_value 'exittop_exits_total{pid="1001",vcpu="0",reason="CPUID",isa="svm",code="114"}')
[ -n "$v" ] && [ "$v" -gt 0 ] 2>/dev/null && pass "PromQL: CPUID counter of pid 1001 vcpu 0 = $v" ||
	fail "CPUID counter of pid 1001: '$v'"
name=$(ex_prom_query 'exittop_vm_up{pid="1002"}' | jq -r '.data.result[0].metric.vm')
want=$(printf 'evil"vm\\\nname\357\277\275')
[ "$name" = "$want" ] && pass "hostile VM name round-trips through Prometheus (quote, backslash, newline, U+FFFD)" ||
	fail "VM name via Prometheus: '$name'"
sleep 4	# rate() needs a few scrapes in its window
i=0 q=""
while [ -z "$q" ] && [ $i -lt 20 ]; do
	q=$(ex_prom_value 'histogram_quantile(0.5, rate(exittop_exit_latency_seconds_bucket{pid="1001",vcpu="0",reason="CPUID"}[10s]))')
	[ -n "$q" ] || sleep 0.5
	i=$((i + 1))
done
# all latencies of that row are in slot 10: [1024, 2048) ns
awk -v q="$q" 'BEGIN { exit !(q > 0.000001024 && q <= 0.000002048) }' &&
	pass "histogram_quantile(0.5) = $q s, inside slot 10 [1.024, 2.048) us" ||
	fail "histogram_quantile: '$q'"
# the source adds 10 CPUID exits per poll: rate(exits) / rate(polls) is 10
# whatever the window and the scrape jitter
r=$(ex_prom_value 'sum(rate(exittop_exits_total{pid="1001",vcpu="0",reason="CPUID"}[1m])) / sum(rate(exittop_polls_total[1m]))')
awk -v r="$r" 'BEGIN { exit !(r > 9.99 && r < 10.01) }' &&
	pass "rate(CPUID exits) / rate(polls) = $r (10 expected)" || fail "rate ratio: '$r'"
# grace 25 s after the VM ended at the 4th poll: gone from the exposition
i=0
while [ $i -lt 60 ] && curl -sf "http://$addr/metrics" | grep -q 'pid="1003"'; do
	sleep 0.5
	i=$((i + 1))
done
sleep 1.5	# one more scrape
if curl -sf "http://$addr/metrics" | grep -q 'pid="1003"'; then
	fail "series of the ended VM 1003 still exported after the grace period"
else
	pass "series of the ended VM expired after the grace period"
fi
v=$(ex_prom_value 'exittop_expired_vms_total')
[ "$v" = 1 ] && pass "exittop_expired_vms_total == 1" || fail "exittop_expired_vms_total: '$v'"
ex_stop_driver
rc=$ex_rc
[ "$rc" = 0 ] && pass "SIGTERM: exporter exits 0" || fail "SIGTERM: exit status $rc"
kill "$EX_PROM_PID" 2>/dev/null
wait "$EX_PROM_PID" 2>/dev/null
EX_PROM_PID=""

# ---- the real collector (root, KVM tracepoints) ----
if [ "$(id -u)" = 0 ] && [ -d /sys/kernel/tracing/events/kvm/kvm_exit ]; then
	timeout 120 "$drv" --listen '[::1]:0' --interval 0.5 >"$tmp/real.log" 2>&1 &
	dpid=$!
	if addr=$(ex_wait_addr "$tmp/real.log"); then
		sleep 1
		curl -sf -g "http://$addr/metrics" >"$tmp/real.prom"
		if out=$(promtool check metrics <"$tmp/real.prom" 2>&1); then
			pass "real collector on $addr: promtool accepts ($(grep -c '^exittop_exits_total{' "$tmp/real.prom") exit series)"
		else
			fail "real collector: promtool: $out"
		fi
		grep -q '^exittop_map_capacity [1-9]' "$tmp/real.prom" &&
			pass "map capacity found: $(grep '^exittop_map_capacity' "$tmp/real.prom")" ||
			fail "exittop_map_capacity missing"
	else
		fail "real collector: $(cat "$tmp/real.log")"
	fi
	kill "$dpid" 2>/dev/null
	wait "$dpid" 2>/dev/null
	dpid=""
else
	echo "note: not root or no KVM tracepoints: the real collector part is skipped"
fi

echo "export-prometheus: $fails failure(s)"
[ $fails = 0 ]
