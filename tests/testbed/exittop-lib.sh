# Shell helpers of the testbed tests that run exittop in batch mode in the
# background (sourced; POSIX sh; cwd = repo root).
#
#   xt_reports FILE               reports exittop has written to FILE so far:
#                                 JSON lines, text tables (a header line
#                                 "exittop <time>" each) or CSV (the seq
#                                 column of the last row)
#   xt_wait_reports K SECS FILE...
#                                 wait until every FILE (a path without
#                                 blanks) has K more reports than at the
#                                 call; 1 after SECS seconds
#
# After a VM ends, the first report may come from a refresh that read its
# counters before the VM's last exits; the second one's refresh began after
# the VM ended, found it so and read it a last time. Waiting for reports,
# not for a fixed time, does not depend on how fast the emulated CPUs run.

xt_reports() {
	awk -F, '/^\{/ || /^exittop / { n++ }
		/^[0-9.]+,[0-9]+,/ { if ($2 + 0 > n) n = $2 + 0 }
		END { print n + 0 }' "$1" 2>/dev/null || echo 0
}

xt_wait_reports() {
	_k=$1 _t=$(($2 * 5))
	shift 2
	_pairs=""	# want=file (test output paths: no blanks)
	for _f; do
		_pairs="$_pairs $(($(xt_reports "$_f") + _k))=$_f"
	done
	while :; do
		_left=0
		for _p in $_pairs; do
			[ "$(xt_reports "${_p#*=}")" -ge "${_p%%=*}" ] || _left=1
		done
		[ $_left = 0 ] && return 0
		[ "$_t" -gt 0 ] || return 1
		sleep 0.2
		_t=$((_t - 1))
	done
}
