#!/bin/bash
# pppd's debug option logs the authentication exchange: -v on the
# daemon's command line (every host test runs it with -v) must not turn
# it on; pppd-debug yes in the config does.
. "$(dirname "$0")/../lib.sh"
lib_init 4
fake_conf "tx_frames 2"
session

argv_has_debug() { fake_stat argv | tr -d "[]',\"" | tr ' ' '\n' | grep -qx debug; }
tunnel_up 15
ok $? "tunnel reaches ppp with -v (state: $STATE)"
refute "pppd was not given debug for -v" argv_has_debug

ctl down "$TUN" >/dev/null 2>&1
sed -i '1i pppd-debug yes' "$CONF"
ctl reload >/dev/null 2>&1
tunnel_up 15
ok $? "tunnel reaches ppp with pppd-debug yes (state: $STATE)"
check "pppd was given debug for pppd-debug yes" argv_has_debug
