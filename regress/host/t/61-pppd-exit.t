#!/bin/bash
# pppd exits with status 19 (authentication failed): the tunnel fails,
# last_error says authentication, the call and control connection are
# torn down cleanly.
. "$(dirname "$0")/../lib.sh"
lib_init 5
fake_conf "tx_frames 2" "exit_status 19" "exit_after_ms 1000"
session

ctl up "$TUN" >/dev/null 2>&1
wait_state failed 15
ok $? "tunnel fails when pppd exits 19 (state: $STATE)"
like -i "$(last_error)" "auth" "last_error says authentication failed"
wait_peer 10 ev=ctrl_rx type=StopCCRQ
ok $? "control connection stopped"
is "$(peer_count ev=ctrl_rx type=CCR)" 1 "call cleared with Call-Clear-Request"
daemon_alive; ok $? "daemon still running"
