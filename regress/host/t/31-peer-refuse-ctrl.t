#!/bin/bash
# The server refuses the control connection (SCCRP result 2, general
# error): the tunnel fails with a clear last_error, no call is placed.
. "$(dirname "$0")/../lib.sh"
lib_init 5
session --sccrp 2 --sccrp-error 0 --close-after-refuse

ctl up "$TUN" >/dev/null 2>&1
wait_state failed 15
ok $? "tunnel fails (state: $STATE)"
like -i "$(last_error)" "refus|reject|start-control|control connection|general error" \
    "last_error says the control connection was refused"
is "$(peer_count ev=ctrl_rx type=OCRQ)" 0 "no call placed"
daemon_alive; ok $? "daemon still running"
ctl status >/dev/null 2>&1; ok $? "daemon answers status"
