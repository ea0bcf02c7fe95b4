#!/bin/bash
# The server's Call-Disconnect-Notify carries our call id instead of its
# own: it is still the server ending our call. last_error says so with
# the result, ctrl_malformed stays 0, the control connection is stopped.
. "$(dirname "$0")/../lib.sh"
lib_init 6
fake_conf "tx_frames 2"
session --cdn-after 1 --cdn-result 3 --cdn-call-id client

tunnel_up 10
ok $? "tunnel reaches ppp (or up) (state: $STATE)"
wait_state "failed down waiting" 6
ok $? "tunnel goes down after Call-Disconnect-Notify (state: $STATE)"
like "$(last_error)" "^server disconnected the call: administrative shutdown" \
    "last_error: the server disconnected the call, with its result"
is "$(counter ctrl_malformed)" 0 "ctrl_malformed stays 0"
wait_peer 3 ev=ctrl_rx type=StopCCRQ
ok $? "control connection stopped after the call went away"
daemon_alive; ok $? "daemon still running"
