#!/bin/bash
# Other malformed control messages from the server, mid-session.
# Passed over: a header that still frames the message (length within
# bounds, magic cookie right) on a type that changes nothing we depend
# on: an Echo-Request of the wrong length, an undefined message type, a
# PPTP message type that is not 1. Each is counted in ctrl_malformed, the
# tunnel stays, last_error stays empty, and the next messages are read
# (the server's echoes are still answered).
# Ending the connection with Stop-Control-Connection-Request: a length
# shorter than the header, a length that lies (the next header is then
# out of place), a Call-Disconnect-Notify of the wrong length.
. "$(dirname "$0")/../lib.sh"
lib_init 37
fake_conf "tx_frames 2"
netns_setup
conf_write
first=1
next_round() {
	peer_start --malformed-after 0.5 --malformed "$1" "${@:2}"
	[ $first = 1 ] && daemon_start
	first=0
	ctl clear counters "$TUN" >/dev/null 2>&1
}
end_round() {
	ctl down "$TUN" >/dev/null 2>&1
	wait_state "down failed" 6
	_kill_wait "$PEER_PID"
	: >"$PEER_LOG"
}
for kind in bad-length unknown-type bad-msgtype; do
	next_round $kind --echo-request-interval 0.4
	tunnel_up 15
	ok $? "$kind: tunnel reaches ppp (or up) (state: $STATE)"
	wait_peer 3 ev=ctrl_tx_raw what=$kind
	ok $? "$kind: the peer sent it"
	_echo3() { [ "$(peer_count ev=ctrl_rx type=EchoRP)" -ge 3 ]; }
	wait_for 4 _echo3
	ok $? "$kind: the server's later echoes are still answered"
	is "$(counter ctrl_malformed)" 1 "$kind: ctrl_malformed is 1"
	is "$(state)" "$STATE" "$kind: still $STATE"
	is "$(last_error)" "" "$kind: no last_error"
	is "$(peer_count ev=ctrl_rx type=StopCCRQ)" 0 "$kind: no Stop-Control-Connection-Request"
	end_round
done
for kind in short lying-length cdn-bad-length; do
	next_round $kind
	tunnel_up 15
	ok $? "$kind: tunnel reaches ppp (or up) (state: $STATE)"
	wait_state "failed down waiting" 15
	ok $? "$kind: tunnel leaves ppp/up (state: $STATE)"
	wait_peer 10 ev=ctrl_rx type=StopCCRQ
	ok $? "$kind: ended with Stop-Control-Connection-Request"
	# the lying one counts twice: passed over, then its successor
	want=1; [ $kind = lying-length ] && want=2
	is "$(counter ctrl_malformed)" $want "$kind: ctrl_malformed is $want"
	like "$(last_error)" "malformed control message from server" "$kind: last_error says malformed"
	end_round
done
daemon_alive; ok $? "daemon still running"
