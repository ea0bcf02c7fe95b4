#!/bin/bash
# A client that floods the control socket with requests the daemon refuses
# and never reads the replies (issue item 4): the control process must
# drop that client without harming itself. Before the fix it freed the
# client while still reading its requests (a use-after-free that
# `make SANITIZE=1 check` shows as a dead, restarted control process).
. "$(dirname "$0")/../daemon/lib.sh"

FLOOD=$REPO/regress/host/daemon/ctlflood.py
dl_init 6
dl_need "$FLOOD"
dl_netns
dl_conf
dl_start
CONTROL=$(child_pid control)

for round in 1 2 3; do
	out=$("$PYTHON" "$FLOOD" "$SOCK" 10000 2>&1)
	[ "$round" = 1 ] && like "$out" "closed after" \
	    "a client that never reads its replies is dropped ($out)"
done
# the control process may already be dead, or be restarted by the parent:
# either way its pid changes; give a restart time to happen (the parent
# restarts a dead child at once, 3 s is plenty)
wait_new_child control "$CONTROL" 3 >/dev/null
is "$(child_pid control)" "$CONTROL" \
    "the control process survived three floods (same pid)"
out=$(grep -E 'killed by signal|exited with status|AddressSanitizer' "$LOG")
is "$out" "" "the daemon log reports no child death and no sanitizer error"
out=$(ctl status 2>&1)
is "$?" 0 "pptpctl status still answers: exit 0"
tunnels_listed
ok $? "... and lists every tunnel"
like "$(grep -c 'reply queue full' "$LOG")" "^[1-9]" \
    "the log says why the flooding client was dropped"
