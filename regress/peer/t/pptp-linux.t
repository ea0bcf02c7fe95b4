#!/bin/bash
# The scripted peer checked against an independent client: pptp-linux
# (`pptp --nolaunchpppd`) with fakepppd on its tty. pptp-linux does the
# control handshake with pptp-peer, carries fakepppd's HDLC frames over
# GRE, the peer reflects them and adds its own (damaged) stream. This
# validates the peer, fakepppd's HDLC and the damage patterns at once.
. "$(dirname "$0")/../../host/lib.sh"
lib_init 22
need pptp
netns_setup

# run_pptp UNTIL PEER_OPTIONS...: one session, ended once the shell
# command UNTIL succeeds (what the session is for has happened); the peer
# is stopped after the session's last word has reached it.
run_pptp() {
	local until=$1 lastword=ev=tcp_close
	shift
	: >"$PEER_LOG"
	rm -f "$FAKE_STATS"
	peer_start "$@"
	fake_conf "tx_frames 40" "tx_size 200" "tx_interval_ms 5"
	pair_start "pptp $SRV_IP --nolaunchpppd --debug" \
	    "$FAKEPPPD fakepppd-conf $FAKE_CONF fakepppd-stats $FAKE_STATS"
	wait_for 20 eval "$until" ||
		diag "session ($*) did not reach: $until"
	pair_stop
	wait_peer 10 "$lastword"
	_kill_wait "$PEER_PID"
}
stat_ge() { local v; v=$(fake_stat "$1"); [ -n "$v" ] && [ "$v" -ge "$2" ]; }
# the peer's stream of 40 frames has reached fakepppd, up to its last one
stream_in() { stat_ge rx_P.last 39; }

# pptp-linux clears the call when fakepppd, its pppd, goes away (the
# session is ended by stopping both): the CCR is its last word here
run_pptp 'stat_ge rx_F.frames 40 && stat_ge rx_P.frames 30' --gre-count 30
is "$(peer_field version ev=ctrl_rx type=SCCRQ)" 256 "normal: SCCRQ protocol version 1.0"
is "$(peer_count ev=ctrl_rx type=OCRQ)" 1 "normal: one Outgoing-Call-Request"
is "$(peer_count ev=gre_rx src_tag=F)" 40 "normal: peer got fakepppd's 40 frames over GRE"
is "$(fake_stat rx_F.in_order)" 40 "normal: fakepppd got its 40 frames back in order"
is "$(fake_stat rx_P.in_order)" 30 "normal: fakepppd got the peer's 30 frames in order"
is "$(fake_stat rx_bad_fcs)" 0 "normal: no bad FCS either way"
is "$(fake_stat rx_F.bad_payload)" 0 "normal: payloads intact"
is "$(peer_count ev=ctrl_rx type=CCR)" 1 "normal: pptp-linux cleared the call on hangup"

run_pptp stream_in --gre-count 40 --gre-pattern reorder
cmp_ok "$(peer_count ev=gre_tx what=stream)" -eq 40 "reorder: the peer sent 40 frames"
is "$(fake_stat rx_P.frames)" 40 "reorder: all 40 delivered through pptp-linux"
is "$(fake_stat rx_P.out_of_order)" 0 "reorder: pptp-linux put them back in order"
is "$(fake_stat rx_P.missing)" 0 "reorder: none missing"

run_pptp stream_in --gre-count 40 --gre-pattern gap
cmp_ok "$(fake_stat rx_P.missing)" -gt 0 "gap: frames the peer never sent are missing"
cmp_ok "$(fake_stat rx_P.frames)" -gt 25 "gap: the rest got through"

run_pptp stream_in --gre-count 40 --gre-pattern wrong-call
cmp_ok "$(peer_count ev=gre_tx what=wrong-call)" -gt 5 "wrong-call: poison sent with another call id"
is "$(fake_stat rx_poison)" 0 "wrong-call: pptp-linux delivered none of it"
is "$(fake_stat rx_P.in_order)" 40 "wrong-call: the good stream got through"

run_pptp stream_in --gre-count 40 --gre-pattern truncated
# pptp-linux drops a cut header but does not check the GRE payload length
# against the packet, so it delivers the 5 cut payloads (sent just before
# the good packet with the same sequence number). Ours must not: see
# regress/host/t/44-gre-truncated.t.
is "$(fake_stat rx_poison)" 5 "truncated: pptp-linux drops the 5 cut headers, delivers the 5 cut payloads"

# refused, pptp-linux tries three times and gives up: it has ended
run_pptp pair_done --sccrp 2 --close-after-refuse
is "$(peer_field result ev=ctrl_tx type=SCCRP)" 2 "refused: SCCRP with result 2 sent"
is "$(peer_count ev=ctrl_rx type=OCRQ)" 0 "refused: pptp-linux did not place a call"

# after the busy reply pptp-linux closes the control connection
run_pptp '[ "$(peer_count ev=tcp_close)" -gt 0 ]' --ocrp 4
is "$(peer_field result ev=ctrl_tx type=OCRP)" 4 "busy: OCRP result 4 sent"
is "$(peer_count ev=gre_rx)" 0 "busy: no GRE after a refused call"
