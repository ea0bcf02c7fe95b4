#!/bin/bash
# The server refuses the call as busy (OCRP result 4): failed, last_error
# mentions busy, and the control connection is closed cleanly.
. "$(dirname "$0")/../lib.sh"
lib_init 5
session --ocrp 4

ctl up "$TUN" >/dev/null 2>&1
wait_state failed 15
ok $? "tunnel fails (state: $STATE)"
like -i "$(last_error)" "busy" "last_error mentions busy"
wait_peer 10 ev=ctrl_rx type=StopCCRQ
ok $? "control connection stopped with Stop-Control-Connection-Request"
is "$(peer_count ev=gre_rx)" 0 "no GRE sent for a refused call"
daemon_alive; ok $? "daemon still running"
