#!/bin/bash
# The server sends a control message with a bad magic cookie: counted in
# ctrl_malformed, the control connection is ended cleanly with a
# Stop-Control-Connection-Request, the daemon keeps running.
. "$(dirname "$0")/../lib.sh"
lib_init 7
fake_conf "tx_frames 2"
session --malformed-after 1 --malformed bad-magic

tunnel_up 15
ok $? "tunnel reaches ppp (or up) (state: $STATE)"
wait_state "failed down waiting" 15
ok $? "tunnel leaves ppp/up after the malformed message (state: $STATE)"
is "$(counter ctrl_malformed)" 1 "ctrl_malformed is 1"
wait_peer 10 ev=ctrl_rx type=StopCCRQ
ok $? "the peer got a Stop-Control-Connection-Request"
like -i "$(last_error)" "malformed|magic|invalid|bad" "last_error says the server sent something malformed"
daemon_alive; ok $? "daemon still running"
ctl status >/dev/null 2>&1; ok $? "daemon answers status"
