#!/bin/bash
# A refused password (pppd exits 19) is final with persist yes, and tried
# again with persist always.
. "$(dirname "$0")/../lib.sh"
lib_init 4
fake_conf "tx_frames 2" "exit_status 19" "exit_after_ms 300"
TUNNEL_LINES=("persist yes")
session

ctl up "$TUN" >/dev/null 2>&1
wait_state "failed waiting" 10
is "$STATE" failed "persist yes: a refused password ends in failed"
like "$(last_error)" "auth" "last_error says authentication failed"

ctl down "$TUN" >/dev/null 2>&1
sed -i 's/persist yes/persist always/' "$CONF"
ctl reload >/dev/null 2>&1
ctl up "$TUN" >/dev/null 2>&1
wait_state "failed waiting" 10
is "$STATE" waiting "persist always: even that is tried again"
like "$(last_error)" "auth" "and status says why it waits"
