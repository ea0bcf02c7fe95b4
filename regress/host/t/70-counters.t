#!/bin/bash
# `pptpctl show counters` has every key of the contract in JSON and with
# -v, a short block for people, the Prometheus text format with -o
# prometheus (the same numbers), and `clear counters` zeroes them.
. "$(dirname "$0")/../lib.sh"
KEYS="ctrl_tx ctrl_rx echo_tx echo_rx echo_rtt_ms gre_tx_packets gre_tx_bytes
gre_rx_packets gre_rx_bytes gre_rx_out_of_order gre_rx_lost gre_rx_duplicate
gre_tx_acks gre_rx_acks fw_gre_packets fw_gre_bytes reconnects uptime_s
ctrl_last_rx_time"
lib_init 41
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
now=$(date +%s)
t=$(printf '%s' "$json" | json_field "$TUN" ctrl_last_rx_time)
cmp_ok "$t" -ge $((now - 60)) "ctrl_last_rx_time is the server's last word, a moment ago ($t, now $now)"
cmp_ok "$t" -le "$now" "ctrl_last_rx_time is not in the future"

verbose=$(ctl show counters -v "$TUN")
ok $? "pptpctl show counters -v exits 0"
missing=
for k in $KEYS; do
	grep -q "^ *$k: " <<<"$verbose" || missing="$missing $k"
done
is "$missing" "" "show counters -v names every key of the JSON"

short=$(ctl show counters "$TUN")
ok $? "pptpctl show counters exits 0"
rx=$(printf '%s' "$json" | json_field "$TUN" gre_rx_packets)
like "$short" "packets: +[0-9]+ received, [0-9]+ sent" "the short block has packets received and sent"
like "$short" "transfer: +[0-9.]+ (B|KiB|MiB) received, [0-9.]+ (B|KiB|MiB) sent" "the short block has transfer in human units"
like "$short" "server last heard: +([0-9]+ seconds?|1 minute(, [0-9]+ seconds?)?) ago" "the short block says when the server was last heard"
like "$short" "loss: +[0-9]+ lost, [0-9]+ reordered, [0-9]+ duplicate" "the short block has loss and reordering"
unlike "$short" "gre_tx_acks" "the short block leaves the rest to -v"

prom=$(ctl show counters -o prometheus "$TUN")
ok $? "pptpctl show counters -o prometheus exits 0"
bad=$(grep -v '^# \(HELP\|TYPE\) pptp_[a-z_]* ' <<<"$prom" |
	grep -Ev '^pptp_[a-z_]+\{tunnel="[^"]*"\} [0-9]+(\.[0-9]+)?$')
is "$bad" "" "every line is a HELP, a TYPE or a sample with a tunnel label"
# fakepppd makes no interface: the tunnel stays in ppp, not up
st=$(state)
want=0; [ "$st" = up ] && want=1
like "$prom" "pptp_up\\{tunnel=\"$TUN\"\\} $want" "pptp_up is $want for the tunnel, which is $st"
# the samples and the JSON come from two requests: nothing flows now
p_rx=$(sed -n "s/^pptp_gre_rx_packets_total{tunnel=\"$TUN\"} //p" <<<"$prom")
is "$p_rx" "$(counter gre_rx_packets)" "pptp_gre_rx_packets_total is gre_rx_packets"
types=$(grep -c '^# TYPE ' <<<"$prom")
helps=$(grep -c '^# HELP ' <<<"$prom")
is "$types" "$helps" "each metric has its HELP and TYPE ($types)"
cmp_ok "$types" -ge 30 "a metric for every counter and pptp_up ($types)"
like "$prom" "# TYPE pptp_echo_rtt_seconds gauge" "the echo round trip is a gauge in seconds"
# zeroed counters must stay zero: nothing may still be on its way
wait_for 10 gre_settled
ok $? "the GRE exchange is over (our ack of the peer's last packet reached it)"
ctl clear counters "$TUN" >/dev/null 2>&1
ok $? "pptpctl clear counters exits 0"
is "$(counter gre_tx_packets)$(counter gre_rx_packets)" 00 "GRE packet counters zeroed"
