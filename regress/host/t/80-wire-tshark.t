#!/bin/bash
# Wire check with an independent decoder: a session between the daemon and
# the scripted peer (handshake, data, echo, down) captured on the client's
# veth; Wireshark must not find anything malformed or worth a warning in
# what we sent, and decodes our SCCRQ and OCRQ fields as RFC 2637 wants.
. "$(dirname "$0")/../lib.sh"
lib_init 15
need tshark tcpdump
TUNNEL_LINES=("echo-interval 1" "echo-timeout 3")
fake_conf "tx_frames 20" "tx_size 200" "tx_interval_ms 20"
netns_setup
capture_start "$TMP/wire.pcap"
peer_start --gre-count 10 --echo-request-interval 0.7
conf_write "${TUNNEL_LINES[@]}"
daemon_start

tunnel_up 10
ok $? "tunnel reaches ppp (or up) (state: $STATE)"
wait_stat 5 rx_F.frames -ge 20
sleep 1.5		# let echoes and ack-only packets happen
ctl down "$TUN" >/dev/null 2>&1
wait_state down 5
ok $? "tunnel down (state: $STATE)"
capture_stop
wire_check "$TMP/wire.pcap" $CLI_IP 16962
n=$(_tshark -r "$TMP/wire.pcap" -Y "ip.src==$CLI_IP && pptp.control_message_type==12" \
    -T fields -e frame.number | wc -l)
is "$n" 1 "Call-Clear-Request on the wire"
