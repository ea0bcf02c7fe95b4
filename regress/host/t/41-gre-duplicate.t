#!/bin/bash
# The peer sends some GRE packets twice: the duplicates are counted
# (gre_rx_duplicate) and dropped, pppd gets each frame once, in order.
. "$(dirname "$0")/../lib.sh"
lib_init 8
fake_conf "tx_frames 2"
session --gre-count 40 --gre-pattern duplicate --gre-interval 0.005

tunnel_up 15
ok $? "tunnel reaches ppp (or up) (state: $STATE)"
wait_peer 10 ev=gre_plan
ok $? "the peer started its duplicate stream"
# the stream is handled once its last frame (39) has reached fakepppd:
# every packet before it was counted (or dropped) by then
wait_stat 10 rx_P.last -ge 39

cmp_ok "$(counter gre_rx_duplicate)" -ge 8 "gre_rx_duplicate counts the 8 duplicates"
is "$(fake_stat rx_P.frames)" 40 "each frame delivered once"
is "$(fake_stat rx_P.out_of_order)" 0 "in order, no duplicate delivered"
is "$(fake_stat rx_poison)" 0 "nothing that should have been dropped reached pppd"
is "$(fake_stat rx_bad_fcs)" 0 "no bad FCS towards pppd"
like -i "$(state)" "^(ppp|up)$" "call still up"
