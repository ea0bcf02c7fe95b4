#!/bin/bash
# A client that floods the control socket with requests the daemon refuses
# and never reads the replies (issue item 4): the control process must
# drop that client without harming itself. Before the fix it freed the
# client while still reading its requests: a use-after-free that the
# normal build survives by luck (the freed client reads as idle) and the
# AddressSanitizer build (regress/host/bin/pptpd-client-asan) reports,
# killing the control process. So the flood is run against both.
. "$(dirname "$0")/../daemon/lib.sh"

FLOOD=$REPO/regress/host/daemon/ctlflood.py
ASAN_DAEMON=$REPO/regress/host/bin/pptpd-client-asan
dl_init 12
need "$FLOOD" "$ASAN_DAEMON"
dl_netns
dl_conf
# a report, not leak checks at exit, is what this test is after
export ASAN_OPTIONS=detect_leaks=0

flood_checks() {	# flood_checks LABEL: 6 TAP lines
	local label=$1 out control round
	control=$(child_pid control)
	for round in 1 2 3; do
		out=$("$PYTHON" "$FLOOD" "$SOCK" 10000 2>&1)
		[ "$round" = 1 ] && like "$out" "closed after" \
		    "$label: a client that never reads its replies is dropped ($out)"
	done
	# a dead control process is restarted by the parent within about
	# a second, with a new pid; 3 s is plenty for that to show
	wait_new_child control "$control" 3 >/dev/null
	is "$(child_pid control)" "$control" \
	    "$label: the control process survived three floods (same pid)"
	out=$(grep -E 'killed by signal|exited with status|Sanitizer' "$LOG")
	is "$out" "" "$label: the log reports no child death and no sanitizer error"
	out=$(ctl status 2>&1)
	is "$?" 0 "$label: pptpctl status still answers: exit 0"
	tunnels_listed
	ok $? "$label: ... and lists every tunnel"
	like "$(grep -c 'reply queue full' "$LOG")" "^[1-9]" \
	    "$label: the log says why the flooding client was dropped"
}

dl_start
flood_checks "normal build"
_kill_wait "$DPID"
DPID=

DAEMON=$ASAN_DAEMON
dl_start
flood_checks "ASan build"
