#!/bin/bash
# A normal session against the scripted peer: the control connection and
# the call come up, PPP frames flow both ways through the daemon (fakepppd
# stands in for pppd), echo keepalive works, the password reaches pppd only
# through passwordfd.
. "$(dirname "$0")/../lib.sh"
lib_init 23
TUNNEL_LINES=("echo-interval 1" "echo-timeout 3")
fake_conf "tx_frames 30" "tx_size 120" "tx_interval_ms 10"
session --gre-count 20

tunnel_up 15
ok $? "tunnel reaches ppp (or up) (state: $STATE)"
wait_stat 10 rx_F.frames -ge 30
is "$(fake_stat rx_F.in_order)" 30 "fakepppd's 30 frames came back through the peer in order"
wait_stat 10 rx_P.frames -ge 20
is "$(fake_stat rx_P.in_order)" 20 "the peer's 20 frames reached fakepppd in order"
is "$(fake_stat rx_bad_fcs)" 0 "fakepppd saw no bad FCS from the daemon"
is "$(fake_stat rx_F.bad_payload)$(fake_stat rx_P.bad_payload)" 00 "payloads intact"
is "$(peer_count ev=gre_rx src_tag=F)" 30 "the peer got fakepppd's 30 frames over GRE"
is "$(peer_count ev=gre_rx_malformed)" 0 "the peer found no malformed GRE from us"
is "$(peer_count ev=ctrl_rx_malformed)" 0 "the peer found no malformed control message from us"
cmp_ok "$(counter gre_tx_packets)" -ge 30 "gre_tx_packets counts what we sent"
cmp_ok "$(counter gre_rx_packets)" -ge 50 "gre_rx_packets counts what we received"
cmp_ok "$(counter gre_tx_bytes)" -ge 3000 "gre_tx_bytes"
cmp_ok "$(counter gre_rx_bytes)" -ge 3000 "gre_rx_bytes"
cmp_ok "$(counter ctrl_tx)" -ge 2 "ctrl_tx: at least SCCRQ and OCRQ"
cmp_ok "$(counter ctrl_rx)" -ge 2 "ctrl_rx: at least SCCRP and OCRP"
wait_counter 10 echo_rx -ge 1
cmp_ok "$(counter echo_rx)" -ge 1 "echo keepalive answered (echo_rx)"
cmp_ok "$(peer_count ev=ctrl_rx type=EchoRQ)" -ge 1 "the peer got our Echo-Request"
is "$(state)" "$STATE" "still $STATE after the echoes"
is "$(last_error)" "" "no last_error on a healthy tunnel"
is "$(ctl -j status "$TUN" 2>/dev/null | json_field "$TUN" note)" "" \
    "no note about missing GRE while GRE flows"
is "$(fake_stat ipparam)" "$TUN" "pppd got ipparam = tunnel name"
is "$(fake_stat password)" "secret-$$" "pppd got the password through passwordfd"
is "$(fake_stat password_in_argv)" false "password not in pppd's argv"
is "$(fake_stat password_in_env)" false "password not in pppd's environment"
