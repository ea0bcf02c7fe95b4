#!/bin/bash
# Set-Link-Info and WAN-Error-Notify from the server are counted and do
# not disturb the call; frames keep flowing after Set-Link-Info changed
# the ACCM.
. "$(dirname "$0")/../lib.sh"
lib_init 7
fake_conf "tx_frames 20" "tx_delay_ms 1500" "tx_size 100"
session --sli-after 0.5 --sli-send-accm 0 --sli-recv-accm 0 --wen-after 0.7

tunnel_up 15
ok $? "tunnel reaches ppp (or up) (state: $STATE)"
wait_counter 10 wan_errors -ge 1
is "$(counter set_link_info)" 1 "set_link_info counted"
is "$(counter wan_errors)" 1 "wan_errors counted"
wait_stat 10 rx_F.frames -ge 20
is "$(fake_stat rx_F.in_order)" 20 "frames still flow in order after Set-Link-Info"
is "$(fake_stat rx_bad_fcs)" 0 "no bad FCS with the new ACCM"
# the engine's HDLC towards pppd follows the ACCM: 0 escapes no control
# character (every frame starts FF 03, so there are some)
cmp_ok "$(fake_stat rx_ctrl_raw)" -gt 0 "Set-Link-Info's ACCM 0 is applied: control characters reach pppd unescaped"
like -i "$(state)" "^(ppp|up)$" "call still up"
