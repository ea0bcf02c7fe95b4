#!/bin/bash
# The wire check of regress/host/t/80-wire-tshark.t, itself checked: a
# pptp-linux session with pptp-peer and fakepppd must pass it (a known-good
# client), and tshark must flag the peer's malformed control message (so
# the check can fail).
. "$(dirname "$0")/../../host/lib.sh"
need pptp tshark tcpdump
lib_init 14
netns_setup
PAIR=$REPO/regress/peer/stdio-pair
capture_start "$TMP/wire.pcap"
peer_start --gre-count 10 --echo-request-interval 0.5 --malformed-after 1.5 \
    --malformed bad-magic
fake_conf "tx_frames 10"
in_cli "$PAIR" --time 3 "pptp $SRV_IP --nolaunchpppd --debug" \
    "$FAKEPPPD fakepppd-conf $FAKE_CONF fakepppd-stats $FAKE_STATS" >/dev/null 2>&1
capture_stop
wire_check "$TMP/wire.pcap" $CLI_IP 16962
bad=$(_tshark -r "$TMP/wire.pcap" -Y "ip.src==$SRV_IP && (_ws.malformed || _ws.expert.severity >= 0x00600000)" \
    -T fields -e frame.number | wc -l)
cmp_ok "$bad" -ge 1 "the same check flags the peer's bad magic cookie"
cmp_ok "$(peer_count ev=ctrl_tx_raw what=bad-magic)" -eq 1 "the peer did send it"
