#!/bin/sh
# Run every exporter host test (tests/host/export-*.sh but this one and the
# library): exit 0 if all passed or skipped and at least one passed, 77 if all
# skipped, 1 if any failed. One line to hook into tests/host/run.sh or
# `make test-host`:  tests/host/export-all.sh
set -u
cd "$(dirname "$0")/../.." || exit 1
pass=0 failn=0 skipn=0
for t in tests/host/export-prometheus.sh tests/host/export-http.sh tests/host/export-attack.sh \
	tests/host/export-config.sh \
	tests/host/export-install.sh; do
	echo "== $t"
	timeout 900 "$t"
	rc=$?
	case $rc in
	0) pass=$((pass + 1)) ;;
	77) skipn=$((skipn + 1)) ;;
	*) failn=$((failn + 1)); echo "== $t: FAILED (exit $rc)" ;;
	esac
done
echo "== exporter host tests: $pass passed, $failn failed, $skipn skipped"
[ $failn -gt 0 ] && exit 1
[ $pass = 0 ] && exit 77
exit 0
