#!/bin/bash
# The wire check of regress/host/t/80-wire-tshark.t, itself checked: a
# pptp-linux session with pptp-peer and fakepppd must pass it (a known-good
# client), and tshark must flag the peer's malformed control message (so
# the check can fail).
. "$(dirname "$0")/../../host/lib.sh"
lib_init 14
need pptp tshark tcpdump
netns_setup
capture_start "$TMP/wire.pcap"
peer_start --gre-count 10 --echo-request-interval 0.5 --malformed-after 1.5 \
    --malformed bad-magic
fake_conf "tx_frames 10"
pair_start "pptp $SRV_IP --nolaunchpppd --debug" \
    "$FAKEPPPD fakepppd-conf $FAKE_CONF fakepppd-stats $FAKE_STATS"
# the session is over once the peer has sent its bad magic cookie and got
# fakepppd's 10 frames over GRE; stopped, pptp-linux clears the call and
# closes the connection: its FIN is the last packet the check needs
wait_for 20 eval '[ "$(peer_count ev=ctrl_tx_raw what=bad-magic)" -gt 0 ] &&
    [ "$(peer_count ev=gre_rx src_tag=F)" -ge 10 ]' ||
	diag "the session did not get as far as it should"
pair_stop
capture_wait 10 "src host $CLI_IP and tcp port 1723 and tcp[tcpflags] & tcp-fin != 0" ||
	diag "the capture has no FIN from pptp-linux"
capture_stop
wire_check "$TMP/wire.pcap" $CLI_IP 16962
bad=$(_tshark -r "$TMP/wire.pcap" -Y "ip.src==$SRV_IP && (_ws.malformed || _ws.expert.severity >= 0x00600000)" \
    -T fields -e frame.number | wc -l)
cmp_ok "$bad" -ge 1 "the same check flags the peer's bad magic cookie"
cmp_ok "$(peer_count ev=ctrl_tx_raw what=bad-magic)" -eq 1 "the peer did send it"
