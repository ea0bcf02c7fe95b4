#!/bin/bash
# `pptpctl down`: the peer sees Call-Clear-Request, then
# Stop-Control-Connection-Request; pppd is terminated; state down.
. "$(dirname "$0")/../lib.sh"
lib_init 8
fake_conf "tx_frames 2"
session

tunnel_up 15
ok $? "tunnel reaches ppp (or up) (state: $STATE)"
ctl down "$TUN" >/dev/null 2>&1
ok $? "pptpctl down exits 0"
wait_state down 15
ok $? "state is down (state: $STATE)"
wait_peer 10 ev=ctrl_rx type=StopCCRQ
peer_order CCR StopCCRQ
ok $? "peer got Call-Clear-Request, then Stop-Control-Connection-Request"
is "$(peer_field call_id ev=ctrl_rx type=CCR)" "$(peer_field call_id ev=ctrl_rx type=OCRQ)" \
    "Call-Clear-Request names our call id"
wait_stat 10 exit_status -ge 0
is "$(fake_stat done)" true "pppd was terminated"
is "$(last_error)" "" "no last_error after a requested down"
daemon_alive; ok $? "daemon still running"
