#!/bin/bash
# The server answers on TCP 1723 and connects the call, but no GRE comes
# back (a firewall or NAT on the way drops protocol 47, the classic PPTP
# hang at LCP). status must say so in words, and stop saying it once GRE
# flows.
. "$(dirname "$0")/../lib.sh"
lib_init 5
fake_conf "tx_frames 5" "tx_delay_ms 200"
session --gre-mode sink

tunnel_up 15
ok $? "tunnel reaches ppp (state: $STATE)"
# the daemon adds the note once the call has been connected for 3 s
# without GRE; 10 s is only the deadline for it to show
gre_note() { ctl -j status "$TUN" 2>/dev/null | json_field "$TUN" note; }
has_note() { [ -n "$(gre_note)" ]; }
wait_for 10 has_note
note=$(gre_note)
like -i "$note" "no GRE has arrived" "status -j note says no GRE has arrived: '$note'"
like -i "$note" "protocol 47" "the note names what to look for (protocol 47)"
like -i "$(ctl status "$TUN" 2>&1)" "no GRE has arrived" "plain status says it too"
cmp_ok "$(counter gre_tx_packets)" -ge 1 "our GRE went out (gre_tx_packets)"
