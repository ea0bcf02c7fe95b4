#!/bin/bash
# A reload applies the difference: a tunnel whose settings did not change
# keeps its call (no new connection, counters kept), a changed one that is
# up is restarted with its new settings, one removed from the config is
# taken down and forgotten, a new one is added; reload no longer needs
# every tunnel down.
. "$(dirname "$0")/../lib.sh"
lib_init 14
fake_conf "tx_frames 2"
session
B=${TUN}b C=${TUN}c

# extra tunnels to an address nobody answers: they stay down
extra() {	# extra NAME [LINE...]
	local n=$1; shift
	{ echo "tunnel \"$n\" {"; echo "	server 192.0.2.99"
	  echo "	username \"bob\""; echo "	password-file \"$TMP/password\""
	  for l in "$@"; do echo "	$l"; done; echo "}"; } >>"$CONF"
}
json() { ctl -j status "$1" 2>/dev/null | json_field "$1" "$2"; }
accepts() { peer_count ev=tcp_accept; }

conf_write; extra "$B" "mtu 1400"
ctl reload >/dev/null 2>&1
ok $? "reload with a new tunnel while nothing is up"
tunnel_up 10
ok $? "tunnel reaches ppp (state: $STATE)"
since=$(json "$TUN" since)
wait_counter 5 ctrl_rx -ge 2
ctrl=$(counter ctrl_rx)

conf_write; extra "$B" "mtu 1300"; extra "$C"
ctl reload >/dev/null 2>&1
ok $? "reload while a tunnel is up succeeds"
is "$(state)" ppp "the unchanged tunnel is still up"
is "$(json "$TUN" since)" "$since" "and did not change state at all"
is "$(accepts)" 1 "the server saw no new connection"
cmp_ok "$(counter ctrl_rx)" -ge "$ctrl" "its counters were kept"
is "$(json "$C" state)" down "the new tunnel is there, down"

# persist: the scripted server takes one connection at a time, and may
# still be closing the old one when the new one comes
conf_write "echo-interval 30" "persist yes"; extra "$C"
ctl reload >/dev/null 2>&1
ok $? "reload with the up tunnel's settings changed"
more_accepts() { [ "$(accepts)" -ge 2 ]; }
wait_for 10 more_accepts
ok $? "the changed tunnel was connected again (connections: $(accepts))"
wait_state ppp 10
ok $? "and is up again with its new settings (state: $STATE)"
is "$(json "$B" name)" "" "the removed tunnel is gone"

conf_write; sed -i "/^tunnel/,\$d" "$CONF"; extra "$C"
ctl reload >/dev/null 2>&1
gone() { [ -z "$(json "$TUN" name)" ]; }
wait_for 10 gone
ok $? "a tunnel removed while up is taken down and forgotten"
wait_peer 5 ev=ctrl_rx type=StopCCRQ
ok $? "the server was told (Stop-Control-Connection-Request)"
