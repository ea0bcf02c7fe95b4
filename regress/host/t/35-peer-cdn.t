#!/bin/bash
# The server sends Call-Disconnect-Notify (result 1, lost carrier):
# last_error carries the cause; the control connection is then stopped.
. "$(dirname "$0")/../lib.sh"
lib_init 5
fake_conf "tx_frames 2"
session --cdn-after 1 --cdn-result 1 --cdn-cause 7

tunnel_up 15
ok $? "tunnel reaches ppp (or up) (state: $STATE)"
wait_state "failed down waiting" 15
ok $? "tunnel goes down after Call-Disconnect-Notify (state: $STATE)"
like -i "$(last_error)" "carrier|disconnect" "last_error gives the cause (lost carrier)"
wait_peer 10 ev=ctrl_rx type=StopCCRQ
ok $? "control connection stopped after the call went away"
daemon_alive; ok $? "daemon still running"
