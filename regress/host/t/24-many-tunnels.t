#!/bin/bash
# Sixteen tunnels asked up with one `pptpctl up`: the parent hands the
# engine three descriptors per tunnel in one turn of its loop, more than
# its queue held (the engine was killed: "cannot queue M_FD_PTY"). All
# sixteen must reach ppp on the one engine, and go down again.
. "$(dirname "$0")/../lib.sh"
lib_init 6
N=16
fake_conf "tx_frames 2"
netns_setup
peer_start
conf_write
# fifteen more tunnels, each to a scripted server of its own (one serves
# one call) on an address of its own; fakepppd's defaults for each
srv() { echo "192.0.2.$((100 + $1))"; }
for i in $(seq 2 $N); do
	ip -n "$NS_SRV" addr add "$(srv $i)/24" dev "$VETH_SRV" || abort "cannot add $(srv $i)"
	bg nsenter --net="/run/netns/$NS_SRV" "$PYTHON" "$PEER" --addr "$(srv $i)" \
		--log "$TMP/peer-$i.log" --ready-file "$TMP/peer-$i.ready" 2>"$TMP/peer-$i.err"
done
for i in $(seq 2 $N); do
	printf 'tunnel "%s-%d" {\n\tserver %s\n\tusername "alice"\n\tpassword-file "%s"\n}\n' \
		"$TUN" "$i" "$(srv $i)" "$TMP/password"
done >>"$CONF"
peers_ready() { local i; for i in $(seq 2 $N); do [ -s "$TMP/peer-$i.ready" ] || return 1; done; }
wait_for 20 peers_ready || abort "the scripted servers did not all start"
daemon_start
engine() { pgrep -f -P "$DAEMON_PID" 'engine' | head -n 1; }
e0=$(engine)

states() { ctl -j status 2>/dev/null | "$PYTHON" -c '
import json, sys
print(" ".join(sorted(t["state"] for t in json.load(sys.stdin)["tunnels"])))'; }
all_in() { [ "$(states | tr ' ' '\n' | sort -u)" = "$1" ]; }

ctl up >/dev/null 2>&1
ok $? "pptpctl up (every tunnel) exits 0"
wait_for 30 all_in ppp
ok $? "all $N tunnels reach ppp (states: $(states))" ||
	diag "$(ctl status 2>&1 | grep -m 3 'last error')"
is "$(engine)" "$e0" "on the same engine: it was not killed"
refute "the parent queued every descriptor" grep -q "cannot queue" "$TMP/daemon.log"
ctl down >/dev/null 2>&1
ok $? "pptpctl down (every tunnel) exits 0"
wait_for 20 all_in down
ok $? "all $N tunnels are down again (states: $(states))"
