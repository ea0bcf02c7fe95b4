#!/bin/bash
# The server sets reserved fields (as Cisco PIX sets the header's
# Reserved0): every such message is accepted and counted in
# ctrl_reserved_set, nothing is malformed, the tunnel stays up and echoes
# and Set-Link-Info still work; what we send keeps them 0.
. "$(dirname "$0")/../lib.sh"
lib_init 11
TUNNEL_LINES=("echo-interval 1" "echo-timeout 3")
fake_conf "tx_frames 2"
session --reserved0 0x1234 --echo-request-interval 1.5 --sli-after 0.5

tunnel_up 10
ok $? "tunnel reaches ppp (or up) (state: $STATE)"
wait_counter 5 echo_rx -ge 1
cmp_ok "$(counter echo_rx)" -ge 1 "our echo was answered (reply with reserved set)"
wait_peer 3 ev=ctrl_rx type=EchoRP
ok $? "we answered the server's Echo-Request"
wait_counter 3 set_link_info -ge 1
is "$(counter set_link_info)" 1 "Set-Link-Info with reserved set was taken"
cmp_ok "$(counter ctrl_reserved_set)" -ge 4 "ctrl_reserved_set counts SCCRP, OCRP, echoes, SLI"
is "$(counter ctrl_malformed)" 0 "ctrl_malformed stays 0"
is "$(state)" "$STATE" "still $STATE"
is "$(last_error)" "" "no last_error"
is "$(peer_count ev=ctrl_rx type=EchoRP 'reserved0!=0')" 0 \
    "our replies have Reserved0 = 0"
ctl down "$TUN" >/dev/null 2>&1
wait_peer 5 ev=ctrl_rx type=StopCCRQ
ok $? "down still stops the control connection cleanly"
daemon_alive; ok $? "daemon still running"
