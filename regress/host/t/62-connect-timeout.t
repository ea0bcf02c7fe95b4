#!/bin/bash
# The server accepts TCP but never answers the Start-Control-Connection-
# Request: after connect-timeout the tunnel fails with a timeout error.
. "$(dirname "$0")/../lib.sh"
lib_init 4
TUNNEL_LINES=("connect-timeout 2")
session --sccrp ignore

start=$(now_ms)
ctl up "$TUN" >/dev/null 2>&1
# failed is the settled state: pppd and the engine are both done with
wait_state failed 15
ok $? "tunnel fails (state: $STATE)"
took=$(($(now_ms) - start))
# What is tested is a time: the failure comes from the 2 s timer, not
# sooner (a timer that fires early), and not much later (the timer is not
# forgotten). The 4 s of slack above it are for a loaded machine.
[ "$took" -ge 1900 ] && [ "$took" -le 6000 ]
ok $? "fails after connect-timeout 2 s, within 4 s more (${took} ms)"
like -i "$(last_error)" "time|within|answer" "last_error says the server did not answer in time"
cmp_ok "$(peer_count ev=ctrl_rx type=SCCRQ)" -ge 1 "the peer got our SCCRQ"
