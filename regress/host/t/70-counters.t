#!/bin/bash
# `pptpctl show counters` has every key of the contract, in JSON and as
# text, and `clear counters` zeroes them.
. "$(dirname "$0")/../lib.sh"
KEYS="ctrl_tx ctrl_rx echo_tx echo_rx echo_rtt_ms gre_tx_packets gre_tx_bytes
gre_rx_packets gre_rx_bytes gre_rx_out_of_order gre_rx_lost gre_rx_duplicate
gre_tx_acks gre_rx_acks fw_gre_packets fw_gre_bytes reconnects uptime_s"
lib_init 24
fake_conf "tx_frames 20" "tx_interval_ms 5"
session

tunnel_up 15
ok $? "tunnel reaches ppp (or up) (state: $STATE)"
wait_stat 10 rx_F.frames -ge 20
json=$(ctl -j show counters "$TUN")
ok $? "pptpctl -j show counters exits 0"
for k in $KEYS; do
	v=$(printf '%s' "$json" | json_field "$TUN" "$k")
	cmp_ok "$v" -ge 0 "counter $k present"
done
ctl show counters "$TUN" | grep -q gre_rx_packets
ok $? "text output names gre_rx_packets"
# zeroed counters must stay zero: nothing may still be on its way
wait_for 10 gre_settled
ok $? "the GRE exchange is over (our ack of the peer's last packet reached it)"
ctl clear counters "$TUN" >/dev/null 2>&1
ok $? "pptpctl clear counters exits 0"
is "$(counter gre_tx_packets)$(counter gre_rx_packets)" 00 "GRE packet counters zeroed"
