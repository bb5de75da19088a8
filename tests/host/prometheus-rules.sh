#!/bin/sh
# Prometheus rules of packaging/prometheus/ with promtool:
#  1. `promtool check rules` accepts exittop-rules.yml;
#  2. `promtool test rules` passes exittop-rules.test.yml;
#  3. every alert of the rules file has, in the tests, a case where it fires
#     (exp_alerts with an entry) and one where it must not (exp_alerts: []).
#     A new alert without both fails here.
# (tests/testbed/grafana-queries.test evaluates the same expressions against
# a real exporter.) Exit 0 pass, 77 skip (with the reason), 1 fail.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/host/test-lib.sh

command -v promtool >/dev/null || skip "promtool not installed (apt-get install prometheus)"
dir=packaging/prometheus
rules=$dir/exittop-rules.yml
tests=$dir/exittop-rules.test.yml

if out=$(promtool check rules "$rules" 2>&1); then
	pass "promtool check rules: $(echo "$out" | grep -o '[0-9]* rules found')"
else
	fail "promtool check rules: $out"
fi
if out=$(cd "$dir" && timeout 120 promtool test rules "${tests##*/}" 2>&1); then
	pass "promtool test rules $tests"
else
	fail "promtool test rules: $out"
fi

alerts=$(sed -n 's/^ *- alert: *\([A-Za-z0-9_]*\).*/\1/p' "$rules")
[ -n "$alerts" ] || fail "no alert found in $rules"
# per alert_rule_test case: its alertname, then whether exp_alerts is empty
cases=$(awk '
	/^ *alertname:/ { name = $2 }
	/^ *exp_alerts:/ { print name, ($2 == "[]" ? "quiet" : "fires") }
' "$tests")
for a in $alerts; do
	f=$(echo "$cases" | grep -c "^$a fires$")
	q=$(echo "$cases" | grep -c "^$a quiet$")
	if [ "$f" -gt 0 ] && [ "$q" -gt 0 ]; then
		pass "$a: $f firing and $q non-firing case(s)"
	else
		fail "$a: $f firing and $q non-firing case(s) in $tests (need both)"
	fi
done

echo "prometheus-rules: $fails failure(s)"
[ $fails = 0 ]
