#!/bin/bash
# Towards the server, the GRE window is the server's to set: with a window
# of 4 and pppd (fakepppd) writing flat out, the daemon stops reading the
# pty while the window is full and goes on as acks open it. Nothing is
# lost: every frame reaches the server, in order, and comes back (the
# peer reflects, its reflection carrying the ack), and gre_tx_window_full
# (frames dropped for a full window) stays 0.
. "$(dirname "$0")/../lib.sh"
lib_init 10
# (after the call opened: the first frames are held until then)
fake_conf "tx_frames 600" "tx_size 200" "tx_interval_ms 0" "tx_delay_ms 2000"
session --window 4

tunnel_up 15
ok $? "tunnel reaches ppp (or up) (state: $STATE)"
# the daemon's part: every frame pppd wrote is read and sent, none dropped
wait_counter 30 ppp_rx_frames -ge 600
wait_counter 10 gre_tx_packets -ge 600
cmp_ok "$(counter ppp_rx_frames)" -ge 600 "the daemon read all 600 frames from pppd"
cmp_ok "$(counter gre_tx_packets)" -ge 600 "and sent them over GRE"
wait_stat 30 rx_F.frames -ge 600
is "$(fake_stat rx_F.frames)" 600 "fakepppd's 600 frames all came back through the peer"
is "$(fake_stat rx_F.in_order)" 600 "in order"
is "$(fake_stat rx_F.missing)" 0 "none missing"
is "$(peer_count ev=gre_rx src_tag=F)" 600 "the peer got all 600 over GRE"
is "$(counter gre_tx_window_full)" 0 "gre_tx_window_full: no frame dropped for a full window"
is "$(fake_stat rx_bad_fcs)" 0 "fakepppd saw no bad FCS from the daemon"
like -i "$(state)" "^(ppp|up)$" "call still up"
