#!/bin/sh
# The exporter's configuration from outside:
#  - a bad --listen (syntax: exit 2; a port in use: exit 1) and a bad
#    --web-config are reported by build/exittop before anything is loaded
#    into the kernel: no bpf(2) call at all (strace), as root;
#  - --web-config with TLS (a throw-away CA and server certificate from
#    openssl) and basic auth (a bcrypt hash from libcrypt through Python's
#    crypt module): curl --cacert with the right password gets the metrics;
#    a wrong password, an unknown user and no credentials get 401; plain
#    HTTP to the TLS port gets no metrics; TLS 1.1 is refused;
#  - a real Prometheus scrapes it over TLS with basic auth (up == 1, and
#    the synthetic source's series);
#  - over TLS with basic auth, 64 simultaneous requests all answered and 32
#    clients that never read a 4.4 MB response do not stop scrapes
#    (tests/host/export-attack.py, as export-attack.sh does in plain HTTP).
# Exit 0 pass, 77 skip, 1 fail.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/host/export-lib.sh
. tests/host/test-lib.sh

for t in curl gcc ss openssl python3 prometheus jq; do
	command -v $t >/dev/null || skip "$t not installed"
done
ex_setup config

# ---- errors before anything is loaded ----
# strace counts bpf(2) calls: the real exittop loads its programs with it
if [ "$(id -u)" = 0 ] && command -v strace >/dev/null && [ -x "$BUILD/exittop" ]; then
	nobpf() {	# EXPECTED_RC MESSAGE_PATTERN ARGS...
		_want=$1 _pat=$2
		shift 2
		timeout 20 strace -f -qq -e trace=bpf -o "$tmp/strace" "$BUILD/exittop" "$@" \
			>"$tmp/out" 2>&1
		_rc=$?
		_n=$(grep -c 'bpf(' "$tmp/strace")
		if [ $_rc = "$_want" ] && [ "$_n" = 0 ] && grep -q "$_pat" "$tmp/out"; then
			pass "exittop $*: exit $_rc, no bpf() call: $(grep -m1 "$_pat" "$tmp/out")"
		else
			fail "exittop $*: exit $_rc (want $_want), $_n bpf() calls: $(head -c 300 "$tmp/out")"
		fi
	}
	nobpf 2 "invalid --listen" --listen 127.0.0.1:99999
	nobpf 2 "invalid --listen" --listen ::1:9567
	# a port in use: bind fails (this process holds it)
	python3 -c 'import socket,sys,time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
print(s.getsockname()[1], flush=True); time.sleep(60)' >"$tmp/port" &
	hold=$!
	i=0
	while [ ! -s "$tmp/port" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	nobpf 1 "cannot listen" --listen "127.0.0.1:$(cat "$tmp/port")"
	kill $hold 2>/dev/null
	printf 'tls_server_config:\n  cert_file: nope.pem\n  key_file: nope.key\n' >"$tmp/bad1.yml"
	nobpf 1 "bad1.yml:2: cert_file: cannot read" --listen 127.0.0.1:0 --web-config "$tmp/bad1.yml"
	printf 'basic_auth_users:\n  alice: secret\n' >"$tmp/bad2.yml"
	nobpf 1 "bad2.yml:2: user 'alice'.*bcrypt" --listen 127.0.0.1:0 --web-config "$tmp/bad2.yml"
	printf 'tls_server_config:\n  client_auth_type: RequireAndVerifyClientCert\n' >"$tmp/bad3.yml"
	nobpf 1 "client_auth_type' is not supported" --listen 127.0.0.1:0 --web-config "$tmp/bad3.yml"
	printf 'basic_auth_users: [a\n' >"$tmp/bad4.yml"
	nobpf 1 "bad4.yml:.*YAML" --listen 127.0.0.1:0 --web-config "$tmp/bad4.yml"
else
	echo "SKIP (part) errors before loading: needs root, strace and $BUILD/exittop"
fi

# ---- TLS and basic auth ----
cd "$tmp" || exit 1
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=exittop test CA" \
	-keyout ca.key -out ca.pem >/dev/null 2>&1 &&
openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout server.key \
	-out server.csr >/dev/null 2>&1 &&
printf 'subjectAltName=IP:127.0.0.1\n' >san.ext &&
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
	-extfile san.ext -out server.pem >/dev/null 2>&1 ||
	{ cd - >/dev/null; fail "openssl could not make the test certificates"; exit 1; }
hash=$(python3 -W ignore -c 'import crypt; print(crypt.crypt("s3cret pass", crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1 << 10)))' 2>/dev/null)
cd - >/dev/null || exit 1
case "$hash" in
'$2'?'$'*) ;;
*) skip "no bcrypt hash from python3's crypt module (got '$hash')" ;;
esac
# relative paths: relative to the file's directory
cat >"$tmp/web.yml" <<EOF
# exittop test web config
tls_server_config:
  cert_file: server.pem
  key_file: server.key
basic_auth_users:
  prom: '$hash'
  other: '$hash'
EOF

timeout 300 "$drv" --fake --listen 127.0.0.1:0 --interval 0.5 --web-config "$tmp/web.yml" \
	>"$tmp/drv.log" 2>&1 &
dpid=$!
i=0
addr=""
while [ -z "$addr" ] && [ $i -lt 100 ]; do
	addr=$(sed -n 's|.*serving metrics on https://\([^ ]*\)/metrics.*|\1|p' "$tmp/drv.log" | head -1)
	[ -n "$addr" ] || sleep 0.1
	i=$((i + 1))
done
[ -n "$addr" ] || { fail "driver did not start: $(cat "$tmp/drv.log")"; exit 1; }
grep -q "(basic auth)" "$tmp/drv.log" && pass "startup line: $(head -1 "$tmp/drv.log")" ||
	fail "startup line does not say basic auth: $(head -1 "$tmp/drv.log")"
url="https://$addr/metrics"
get() { curl -s --max-time 10 --cacert "$tmp/ca.pem" -o "$tmp/body" -w '%{http_code}' "$@"; }

c=$(get -u 'prom:s3cret pass' "$url")
[ "$c" = 200 ] && grep -q '^exittop_exits_total{pid="1001"' "$tmp/body" &&
	pass "TLS (curl --cacert) + right password: 200 with metrics" ||
	fail "TLS + right password: $c"
c=$(get -u 'other:s3cret pass' -H 'Accept-Encoding: gzip' --compressed "$url")
[ "$c" = 200 ] && grep -q '^exittop_polls_total ' "$tmp/body" &&
	pass "second user, gzip over TLS: 200" || fail "second user: $c"
c=$(get -u 'prom:wrong' -D "$tmp/hdr" "$url")
[ "$c" = 401 ] && ! grep -q '^exittop_' "$tmp/body" && grep -qi '^WWW-Authenticate: Basic' "$tmp/hdr" &&
	pass "wrong password: 401 with WWW-Authenticate, no metrics" || fail "wrong password: $c"
c=$(get -u 'nobody:s3cret pass' "$url")
[ "$c" = 401 ] && pass "unknown user: 401" || fail "unknown user: $c"
c=$(get "$url")
[ "$c" = 401 ] && pass "no credentials: 401" || fail "no credentials: $c"
c=$(curl -s --max-time 10 -o "$tmp/body" -w '%{http_code}' -u 'prom:s3cret pass' "http://$addr/metrics")
if grep -q 'exittop_' "$tmp/body" 2>/dev/null; then
	fail "plain HTTP to the TLS port got metrics"
else
	pass "plain HTTP to the TLS port: no metrics (HTTP code '$c')"
fi
c=$(get -u 'prom:s3cret pass' --tlsv1.0 --tls-max 1.1 "$url")
[ "$c" != 200 ] && pass "TLS 1.1 refused (code '$c')" || fail "TLS 1.1 accepted"
c=$(get -u 'prom:s3cret pass' --tlsv1.3 "$url")
[ "$c" = 200 ] && pass "TLS 1.3: 200" || fail "TLS 1.3: $c"
c=$(get -k -u 'prom:s3cret pass' "https://$addr/nope")
[ "$c" = 404 ] && pass "TLS + auth, other path: 404" || fail "other path: $c"

# ---- a real Prometheus over TLS with basic auth ----
EX_PROM_SCRAPE_EXTRA="    scheme: https
    tls_config:
      ca_file: $tmp/ca.pem
    basic_auth:
      username: prom
      password: 's3cret pass'"
if ex_prom_start "$addr" "$tmp/prom"; then
	if ex_wait_value 'up{job="exittop"}' 1 30; then
		pass "Prometheus scrapes over TLS with basic auth: up == 1"
	else
		fail "Prometheus: up != 1 ($(ex_prom_query 'up' | head -c 300))"
	fi
	# the synthetic source: 10 CPUID exits per poll on vCPU 0 of pid 1001
	v=$(ex_prom_value 'exittop_exits_total{pid="1001",vcpu="0",reason="CPUID"} % 10')
	[ "$v" = 0 ] && pass "Prometheus sees the series (CPUID count a multiple of 10)" ||
		fail "Prometheus series: '$v'"
	v=$(ex_prom_value 'exittop_http_unauthorized_responses_total')
	[ -n "$v" ] && [ "$v" -ge 3 ] && pass "exittop_http_unauthorized_responses_total = $v" ||
		fail "unauthorized counter: '$v'"
else
	fail "prometheus did not start: $(tail -5 "$tmp/prom/prometheus.log" 2>/dev/null)"
fi

ex_stop_driver
rc=$ex_rc
[ "$rc" = 0 ] && pass "SIGTERM: exit 0" || fail "SIGTERM: exit $rc"
kill "$EX_PROM_PID" 2>/dev/null
wait "$EX_PROM_PID" 2>/dev/null
EX_PROM_PID=""

# ---- the attacks over TLS with basic auth (4.4 MB responses) ----
timeout 300 "$drv" --fake --rows 1000 --listen 127.0.0.1:0 --interval 1 --web-config "$tmp/web.yml" \
	>"$tmp/drv2.log" 2>&1 &
dpid=$!
i=0
addr=""
while [ -z "$addr" ] && [ $i -lt 100 ]; do
	addr=$(sed -n 's|.*serving metrics on https://\([^ ]*\)/metrics.*|\1|p' "$tmp/drv2.log" | head -1)
	[ -n "$addr" ] || sleep 0.1
	i=$((i + 1))
done
if [ -n "$addr" ]; then
	export EXPORT_ATTACK_CA="$tmp/ca.pem" EXPORT_ATTACK_AUTH='prom:s3cret pass'
	timeout 60 python3 tests/host/export-attack.py burst "${addr%:*}" "${addr##*:}" 64 ||
		fails=$((fails + 1))
	timeout 60 python3 tests/host/export-attack.py nonreaders "${addr%:*}" "${addr##*:}" 32 3 ||
		fails=$((fails + 1))
	ex_stop_driver
	[ "$ex_rc" = 0 ] && pass "SIGTERM after the TLS attacks: exit 0" || fail "SIGTERM: exit $ex_rc"
else
	fail "TLS driver with 1000 rows did not start: $(cat "$tmp/drv2.log")"
fi
echo "export-config: $fails failure(s)"
[ $fails = 0 ]
