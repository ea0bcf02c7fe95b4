#!/bin/bash
# The peer sends GRE out of order (pairs swapped): the reorder buffer puts
# them back, gre_rx_out_of_order counts them, pppd gets every frame in order.
. "$(dirname "$0")/../lib.sh"
lib_init 10
fake_conf "tx_frames 2"
session --gre-count 40 --gre-pattern reorder --gre-interval 0.005

tunnel_up 15
ok $? "tunnel reaches ppp (or up) (state: $STATE)"
wait_peer 10 ev=gre_plan
ok $? "the peer started its reorder stream"
# the stream is handled once its last frame (39) has reached fakepppd:
# every packet before it was counted (or dropped) by then
wait_stat 10 rx_P.last -ge 39

cmp_ok "$(counter gre_rx_out_of_order)" -gt 0 "gre_rx_out_of_order counted"
is "$(fake_stat rx_P.frames)" 40 "all 40 frames delivered"
is "$(fake_stat rx_P.out_of_order)" 0 "delivered in order"
is "$(fake_stat rx_P.missing)" 0 "none lost"
is "$(counter gre_rx_lost)" 0 "gre_rx_lost stays 0"
is "$(fake_stat rx_poison)" 0 "nothing that should have been dropped reached pppd"
is "$(fake_stat rx_bad_fcs)" 0 "no bad FCS towards pppd"
like -i "$(state)" "^(ppp|up)$" "call still up"
