#!/bin/bash
# The server sends Stop-Control-Connection-Request: we answer with a
# Stop-Control-Connection-Reply, the tunnel goes down, last_error says so.
. "$(dirname "$0")/../lib.sh"
lib_init 5
fake_conf "tx_frames 2"
session --stop-after 1 --stop-reason 2

tunnel_up 15
ok $? "tunnel reaches ppp (or up) (state: $STATE)"
wait_state "failed down waiting" 15
ok $? "tunnel goes down after the server's stop (state: $STATE)"
like -i "$(last_error)" "stop|server|shut" "last_error says the server stopped the connection"
wait_peer 10 ev=ctrl_rx type=StopCCRP
ok $? "we answered with Stop-Control-Connection-Reply"
daemon_alive; ok $? "daemon still running"
