#!/bin/bash
# The peer leaves gaps in its GRE sequence: after the reorder wait the gap
# counts as lost (gre_rx_lost) and the frames behind it are delivered.
. "$(dirname "$0")/../lib.sh"
lib_init 9
fake_conf "tx_frames 2"
session --gre-count 40 --gre-pattern gap --gre-interval 0.005

tunnel_up 15
ok $? "tunnel reaches ppp (or up) (state: $STATE)"
wait_peer 10 ev=gre_plan
ok $? "the peer started its gap stream"
# the stream is handled once its last frame (39) has reached fakepppd:
# every packet before it was counted (or dropped) by then
wait_stat 10 rx_P.last -ge 39

cmp_ok "$(counter gre_rx_lost)" -ge 8 "gre_rx_lost counts the 8 gaps"
is "$(fake_stat rx_P.frames)" 32 "the 32 frames sent were delivered"
is "$(fake_stat rx_P.out_of_order)" 0 "in order"
is "$(fake_stat rx_P.missing)" 8 "pppd misses exactly the 8 never sent"
is "$(fake_stat rx_poison)" 0 "nothing that should have been dropped reached pppd"
is "$(fake_stat rx_bad_fcs)" 0 "no bad FCS towards pppd"
like -i "$(state)" "^(ppp|up)$" "call still up"
