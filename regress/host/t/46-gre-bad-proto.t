#!/bin/bash
# The peer mixes in GRE packets whose protocol type is not PPP (0x880B):
# they are counted as malformed (gre_rx_malformed) and never delivered.
. "$(dirname "$0")/../lib.sh"
lib_init 7
fake_conf "tx_frames 2"
session --gre-count 40 --gre-pattern bad-proto --gre-interval 0.005

tunnel_up 15
ok $? "tunnel reaches ppp (or up) (state: $STATE)"
wait_peer 10 ev=gre_plan
ok $? "the peer started its bad-proto stream"
# the stream is handled once its last frame (39) has reached fakepppd:
# every packet before it was counted (or dropped) by then
wait_stat 10 rx_P.last -ge 39

is "$(counter gre_rx_malformed)" 10 "gre_rx_malformed counts the 10 packets"
is "$(fake_stat rx_P.in_order)" 40 "the good stream is delivered whole and in order"
is "$(fake_stat rx_poison)" 0 "nothing that should have been dropped reached pppd"
is "$(fake_stat rx_bad_fcs)" 0 "no bad FCS towards pppd"
like -i "$(state)" "^(ppp|up)$" "call still up"
