# Shell helpers of the exporter tests (sourced by tests/host/export-*.sh and
# tests/testbed/exporter-prometheus.test). POSIX sh. Expects cwd = repo root.
#
#   ex_build_driver OUT          build tests/host/export-driver.c (make) and copy it to OUT
#   ex_free_port                 print a free TCP port on 127.0.0.1
#   ex_wait_addr LOG [SECS]      wait for "serving metrics on http://ADDR/metrics"
#                                in LOG, print ADDR
#   ex_prom_start ADDR DIR [SECS] start prometheus on 127.0.0.1 (free port) scraping
#                                ADDR every second; sets EX_PROM (base URL) and
#                                EX_PROM_PID; waits until ready. Lines in
#                                $EX_PROM_SCRAPE_EXTRA are added to the scrape
#                                config (scheme, tls_config, basic_auth)
#                                (EX_PROM_RULES=FILE: load that rules file too)
#   ex_prom_query QUERY          instant query, prints the JSON answer
#   ex_prom_value QUERY          the value of the first series ("" if none)
#   ex_wait_value QUERY WANT S   poll until ex_prom_value = WANT or S seconds pass

ex_build_driver() {
	_b=${BUILD:-build}
	# the Makefile builds it (and `make test-testbed` before the testbed,
	# whose view of build/ is read-only)
	if [ -w "$_b" ] || [ ! -e "$_b" ]; then
		timeout 300 make -s "$_b/tests/export-driver" >/dev/null || return 1
	fi
	[ -x "$_b/tests/export-driver" ] || return 1
	[ "$1" -ef "$_b/tests/export-driver" ] || cp "$_b/tests/export-driver" "$1"
}

ex_setup() {
	tmp=$(mktemp -d "/tmp/exittop-$1.XXXXXX") || exit 1
	drv=${BUILD:-build}/tests/export-driver
	mkdir -p "${BUILD:-build}/tests"
	ex_build_driver "$drv" || { echo "FAIL build $drv"; exit 1; }
	dpid="" EX_PROM_PID=""
	trap ex_cleanup EXIT
	trap 'exit 130' INT TERM
}

ex_cleanup() {
	[ -n "$dpid" ] && kill "$dpid" 2>/dev/null
	[ -n "$EX_PROM_PID" ] && kill "$EX_PROM_PID" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
}

ex_stop_driver() {
	kill "$dpid"
	wait "$dpid"
	ex_rc=$?
	dpid=""
}

# A port outside the kernel's ephemeral range (ip_local_port_range): a port
# inside it may be taken between the check and the bind by any connect() on
# the host (CI once lost Prometheus's port to one). No socket in any state
# may hold it: a connected socket's local port also makes bind() fail.
ex_free_port() {
	read -r _lo _hi </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || _lo=32768 _hi=60999
	if [ "$_lo" -gt 11024 ]; then
		_base=10000 _span=$((_lo - 10000))
	else
		_base=$((_hi + 1)) _span=$((65535 - _hi))
	fi
	[ "$_span" -gt 0 ] || return 1
	_i=0
	while [ $_i -lt 50 ]; do
		_r=$(date +%N | sed 's/^0*//;s/^$/0/')
		_p=$((_base + ($$ * 7 + _i * 131 + _r) % _span))
		if ! ss -Htan "sport = :$_p" 2>/dev/null | grep -q .; then
			echo "$_p"
			return 0
		fi
		_i=$((_i + 1))
	done
	return 1
}

ex_wait_addr() {
	_n=$((${2:-20} * 10))
	while [ "$_n" -gt 0 ]; do
		_a=$(sed -n 's|.*serving metrics on http://\([^ ]*\)/metrics.*|\1|p' "$1" 2>/dev/null | head -1)
		if [ -n "$_a" ]; then
			echo "$_a"
			return 0
		fi
		sleep 0.1
		_n=$((_n - 1))
	done
	return 1
}

ex_prom_start() {
	# a port taken between ex_free_port and Prometheus's bind: try another
	for _try in 1 2 3; do
		ex_prom_try "$@" && return 0
		grep -q 'address already in use' "$2/prometheus.log" 2>/dev/null || return 1
		wait "$EX_PROM_PID" 2>/dev/null
		EX_PROM_PID=""
	done
	return 1
}

ex_prom_try() {
	_target=$1 _dir=$2 _secs=${3:-60}
	_pp=$(ex_free_port) || return 1
	mkdir -p "$_dir/data" || return 1
	cat >"$_dir/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: exittop
${EX_PROM_SCRAPE_EXTRA:-}
    static_configs:
      - targets: ['$_target']
EOF
	# EX_PROM_RULES=FILE (absolute path): also load these recording/alerting rules
	[ -z "${EX_PROM_RULES:-}" ] || printf "rule_files: ['%s']\n" "$EX_PROM_RULES" >>"$_dir/prometheus.yml"
	timeout "${EX_PROM_TIMEOUT:-600}" prometheus --config.file="$_dir/prometheus.yml" \
		--storage.tsdb.path="$_dir/data" --web.listen-address="127.0.0.1:$_pp" \
		--storage.tsdb.retention.time=1h --log.level=warn >"$_dir/prometheus.log" 2>&1 &
	EX_PROM_PID=$!
	EX_PROM="http://127.0.0.1:$_pp"
	_n=$((_secs * 5))
	while [ $_n -gt 0 ]; do
		curl -sf --max-time 2 "$EX_PROM/-/ready" >/dev/null 2>&1 && return 0
		kill -0 "$EX_PROM_PID" 2>/dev/null || return 1
		sleep 0.2
		_n=$((_n - 1))
	done
	return 1
}

ex_prom_query() {
	curl -sf --max-time 10 "$EX_PROM/api/v1/query" --data-urlencode "query=$1"
}

ex_prom_value() {
	ex_prom_query "$1" | jq -r '.data.result[0].value[1] // empty' 2>/dev/null
}

ex_wait_value() {
	_n=$(($3 * 2))
	while [ $_n -gt 0 ]; do
		_v=$(ex_prom_value "$1")
		[ "$_v" = "$2" ] && return 0
		sleep 0.5
		_n=$((_n - 1))
	done
	echo "last value of $1: '${_v:-}'" >&2
	return 1
}
