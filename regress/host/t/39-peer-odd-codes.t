#!/bin/bash
# Codes RFC 2637 does not list: a Start-Control-Connection-Reply with
# result 0 is success (some ADSL modems send it); a Stop-Control-Connection-
# Request with reason 0 is answered with a Stop-Control-Connection-Reply;
# a Call-Disconnect-Notify with result 0 ends the call. last_error shows
# the codes as numbers; nothing counts as malformed.
. "$(dirname "$0")/../lib.sh"
lib_init 12
fake_conf "tx_frames 2"
netns_setup
conf_write
peer_start --sccrp 0 --stop-after 1 --stop-reason 0
daemon_start

tunnel_up 10
ok $? "SCCRP result 0: tunnel reaches ppp (or up) (state: $STATE)"
wait_state "failed down waiting" 6
ok $? "tunnel goes down after the server's stop (state: $STATE)"
wait_peer 3 ev=ctrl_rx type=StopCCRP
ok $? "Stop-Control-Connection-Request with reason 0 answered with a reply"
is "$(peer_count ev=ctrl_rx type=StopCCRQ)" 0 "no stop request of our own"
like "$(last_error)" "server closed the control connection \(reason: reason code 0\)" \
    "last_error shows reason 0 as a number"
is "$(counter ctrl_malformed)" 0 "ctrl_malformed stays 0"

ctl down "$TUN" >/dev/null 2>&1
wait_state "down" 6
_kill_wait "$PEER_PID"
: >"$PEER_LOG"
ctl clear counters "$TUN" >/dev/null 2>&1
peer_start --cdn-after 1 --cdn-result 0 --cdn-cause 9
tunnel_up 10
ok $? "second call reaches ppp (or up) (state: $STATE)"
wait_state "failed down waiting" 6
ok $? "tunnel goes down after Call-Disconnect-Notify result 0 (state: $STATE)"
like "$(last_error)" "server disconnected the call: result code 0 \(cause code 9\)" \
    "last_error shows CDN result 0 as a number"
wait_peer 3 ev=ctrl_rx type=StopCCRQ
ok $? "control connection stopped after the call went away"
is "$(counter ctrl_malformed)" 0 "ctrl_malformed stays 0"
daemon_alive; ok $? "daemon still running"
