#!/bin/bash
# The server stops answering Echo-Requests: after echo-timeout the tunnel
# leaves ppp/up and last_error says why.
. "$(dirname "$0")/../lib.sh"
lib_init 6
TUNNEL_LINES=("echo-interval 1" "echo-timeout 1")
fake_conf "tx_frames 2"
session --echo drop

tunnel_up 15
ok $? "tunnel reaches ppp (or up) (state: $STATE)"
wait_state "failed down waiting" 15
ok $? "tunnel goes down when echoes are not answered (state: $STATE)"
like -i "$(last_error)" "echo" "last_error is about echo"
cmp_ok "$(counter echo_tx)" -ge 1 "echo_tx counted"
is "$(counter echo_rx)" 0 "echo_rx stays 0"
cmp_ok "$(peer_count ev=echo_dropped)" -ge 1 "the peer dropped our Echo-Request"
