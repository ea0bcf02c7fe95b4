#!/bin/bash
# Wire check with an independent decoder: a session between the daemon and
# the scripted peer (handshake, data, echo, down) captured on the client's
# veth; Wireshark must not find anything malformed or worth a warning in
# what we sent, and decodes our SCCRQ and OCRQ fields as RFC 2637 wants.
. "$(dirname "$0")/../lib.sh"
lib_init 18
need tshark tcpdump
TUNNEL_LINES=("echo-interval 1" "echo-timeout 3")
fake_conf "tx_frames 20" "tx_size 200" "tx_interval_ms 20"
netns_setup
capture_start "$TMP/wire.pcap"
peer_start --gre-count 10 --echo-request-interval 0.7
conf_write "${TUNNEL_LINES[@]}"
daemon_start

tunnel_up 15
ok $? "tunnel reaches ppp (or up) (state: $STATE)"
wait_stat 10 rx_F.frames -ge 20
# What the wire check is to cover must have happened: our Echo-Reply to
# the peer's Echo-Request and an ack-only GRE packet of ours. (The peer's
# echoes come every 0.7 s, so ours, after 1 s of silence, never do.)
wait_peer 10 ev=ctrl_rx type=EchoRP
ok $? "the peer got our Echo-Reply"
wait_peer 10 ev=gre_rx payload_len=0
ok $? "the peer got an ack-only GRE packet from us"
ctl down "$TUN" >/dev/null 2>&1
wait_state down 15
ok $? "tunnel down (state: $STATE)"
# The last packet we send is our FIN on TCP 1723, after the Call-Clear-
# and Stop-Control-Connection-Request: once the capture file holds it,
# it holds everything we sent before.
capture_wait 10 "src host $CLI_IP and tcp port 1723 and tcp[tcpflags] & tcp-fin != 0"
ok $? "the capture holds the end of our control connection"
capture_stop
wire_check "$TMP/wire.pcap" $CLI_IP 16962
n=$(_tshark -r "$TMP/wire.pcap" -Y "ip.src==$CLI_IP && pptp.control_message_type==12" \
    -T fields -e frame.number | wc -l)
is "$n" 1 "Call-Clear-Request on the wire"
