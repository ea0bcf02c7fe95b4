#!/bin/bash
# Other malformed control messages from the server (a length that does not
# match the type, an unknown message type, a PPTP message type that is not
# 1, a length shorter than the header): each is counted, ends the control
# connection with Stop-Control-Connection-Request, and the daemon survives.
. "$(dirname "$0")/../lib.sh"
lib_init 16
fake_conf "tx_frames 2"
netns_setup
conf_write
first=1
for kind in bad-length unknown-type bad-msgtype short; do
	peer_start --malformed-after 0.5 --malformed $kind
	[ $first = 1 ] && daemon_start
	first=0
	ctl clear counters "$TUN" >/dev/null 2>&1
	tunnel_up 15
	ok $? "$kind: tunnel reaches ppp (or up) (state: $STATE)"
	wait_state "failed down waiting" 15
	ok $? "$kind: tunnel leaves ppp/up (state: $STATE)"
	wait_peer 10 ev=ctrl_rx type=StopCCRQ
	ok $? "$kind: ended with Stop-Control-Connection-Request"
	is "$(counter ctrl_malformed)" 1 "$kind: ctrl_malformed is 1"
	_kill_wait "$PEER_PID"
	: >"$PEER_LOG"
done
