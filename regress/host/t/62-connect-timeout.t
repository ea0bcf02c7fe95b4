#!/bin/bash
# The server accepts TCP but never answers the Start-Control-Connection-
# Request: after connect-timeout the tunnel fails with a timeout error.
. "$(dirname "$0")/../lib.sh"
lib_init 4
TUNNEL_LINES=("connect-timeout 2")
session --sccrp ignore

start=$(date +%s)
ctl up "$TUN" >/dev/null 2>&1
wait_state failed 8
ok $? "tunnel fails (state: $STATE)"
took=$(($(date +%s) - start))
cmp_ok "$took" -le 5 "within about connect-timeout (${took}s)"
like "$(last_error)" "time|within|answer" "last_error says the server did not answer in time"
cmp_ok "$(peer_count ev=ctrl_rx type=SCCRQ)" -ge 1 "the peer got our SCCRQ"
