#!/bin/bash
# The server sends its first frames (as a server's first LCP
# Configure-Request) a few ms after the Outgoing-Call-Reply, while pppd is
# still starting: fakepppd, like pppd, discards what waits on its tty when
# it sets it up (start_ms). The engine holds frames towards pppd until
# pppd has sent its own first frame, so none is lost.
. "$(dirname "$0")/../lib.sh"
lib_init 7
fake_conf "start_ms 500" "tx_frames 2"
session --gre-count 5 --gre-start-after 0.005

tunnel_up 10
ok $? "tunnel reaches ppp (or up) (state: $STATE)"
wait_peer 3 ev=gre_tx what=stream pseq=4
ok $? "the peer sent its 5 frames right after the call connected"
wait_stat 5 rx_P.frames -ge 5
is "$(fake_stat rx_P.frames)" 5 "all 5 reached fakepppd after its start-up"
is "$(fake_stat rx_P.in_order)" 5 "in order"
is "$(counter ppp_queue_drops)" 0 "ppp_queue_drops is 0"
wait_stat 5 rx_F.frames -ge 2
is "$(fake_stat rx_F.frames)" 2 "fakepppd's own frames came back through the peer"
is "$(last_error)" "" "no last_error"
