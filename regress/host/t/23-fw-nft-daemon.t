#!/bin/bash
# The daemon with `firewall auto` on a host whose ruleset is in nftables:
# the scripted PPTP server (pptp-peer) and fakepppd, in namespaces of this
# test. The client's host table drops input by policy, so our accept
# cannot let the server in: the daemon must say so (log, status) with
# rules that work as written. Then the firewall's whole life: counters
# that grow and clear, no process for the firewall at `up`, the kill
# switch letting nothing out in clear (and no IPv6) while the tunnel is
# down (capture on the underlay), one copy after SIGKILL and a restart,
# `kill-switch always` blocking before the first up, and `nft list
# ruleset` as before once the tunnel is down or the daemon stopped.
. "$(dirname "$0")/../lib.sh"
lib_init 35
. "$REPO/regress/host/fw/nftlib.sh"
need nft tcpdump strace ping
fake_conf "tx_frames 20" "tx_interval_ms 5"
netns_setup
# beyond the server (never allowed) and IPv6, for the kill switch
ip -n "$NS_SRV" addr add 203.0.113.1/32 dev lo
ip -n "$NS_CLI" route add 203.0.113.0/24 via $SRV_IP
ip -n "$NS_SRV" -6 addr add 2001:db8:e::1/64 dev "$VETH_SRV" nodad
ip -n "$NS_CLI" -6 addr add 2001:db8:e::2/64 dev "$VETH_CLI" nodad
in_cli nft -f - <<'EOF' || abort "cannot load the host's nftables table"
table inet host {
	chain input {
		type filter hook input priority 0; policy drop;
		iif "lo" accept
		meta l4proto ipv6-icmp accept
	}
}
EOF
ruleset() { in_cli nft -s list ruleset; }
before=$(ruleset)
peer_start
conf_write "kill-switch yes"
sed -i 's/^firewall none$/firewall auto/' "$CONF"
daemon_start

like "$(cat "$TMP/daemon.log")" \
    "firewall: nftables \(firewall auto: the host's ruleset is in nftables\)" \
    "start-up log: firewall auto took nftables, and says why"
is "$(ruleset)" "$before" "a start with no kill switch held adds nothing"

# --- the host's drop policy: said in the log and in status -------------------
WARN="inet host input drops GRE and TCP 1723 replies from $SRV_IP"
ctl up "$TUN" >/dev/null 2>&1
wait_for 10 grep -q "$WARN" "$TMP/daemon.log"
ok $? "the log says the host's table drops the server's replies"
note=$(ctl -j status "$TUN" 2>/dev/null | json_field "$TUN" note)
like "$note" "$WARN" "status -j: note says so"
ctl status "$TUN" 2>/dev/null | grep -q -- \
    "nft insert rule inet host input ip saddr $SRV_IP ip protocol gre accept"
ok $? "status shows the rule to add"
out=$(in_cli timeout 60 "$PPTPCTL" -s "$SOCK" check "$TUN" 2>&1)
is "$?" 1 "pptpctl check exits 1"
like "$out" "FAIL $TUN: the host's nftables chain inet host input drops GRE and TCP 1723 replies from $SRV_IP; add: nft insert rule" \
    "pptpctl check names the host's drop, with the rules to add"
ctl down "$TUN" >/dev/null 2>&1
wait_state "down failed" 15
ok $? "down (state: $STATE)"
n=0
while read -r cmd; do
	in_cli $cmd && n=$((n + 1))
done < <(advice_rules "$note")
is "$n" 2 "the two rules of the note, added as written"
before=$(ruleset)

# --- up, with no process for the firewall ------------------------------------
strace -e trace=clone,clone3,fork,vfork -p "$DAEMON_PID" -o "$TMP/strace" \
    2>"$TMP/strace.err" &
STRACE_PID=$!
_bg_pids="$_bg_pids $STRACE_PID"
wait_for 10 grep -q attached "$TMP/strace.err" ||
    abort "strace did not attach: $(cat "$TMP/strace.err")"
tunnel_up 15
ok $? "with the host's rules the tunnel reaches ppp (state: $STATE)"
kill "$STRACE_PID" 2>/dev/null
wait "$STRACE_PID" 2>/dev/null
c=$(grep -cE '^(clone|clone3|fork|vfork)\(.*= [0-9]+$' "$TMP/strace")
is "$c" 1 "the parent started one process for up: pppd, none for the firewall"
is "$(ctl -j status "$TUN" 2>/dev/null | json_field "$TUN" note)" "" \
    "no warning now"
check "the tunnel's rules are in our table" bash -c \
    "nsenter --net=/run/netns/$NS_CLI nft list chain inet pptpd-client in-$TUN |
     grep -q 'ip saddr $SRV_IP ip protocol gre counter name \"gre-$TUN\" accept'"

# --- counters -------------------------------------------------------------------
wait_stat 10 rx_F.frames -ge 20
ok $? "fakepppd's frames came back through the server"
wait_counter 10 fw_gre_packets -ge 20
ok $? "fw_gre_packets counts the GRE from the server ($(counter fw_gre_packets))"
cmp_ok "$(counter fw_gre_bytes)" -gt 0 "fw_gre_bytes too"
wait_for 10 gre_settled
ctl clear counters "$TUN" >/dev/null 2>&1
is "$(counter fw_gre_packets)/$(counter fw_gre_bytes)" "0/0" \
    "clear counters zeroes them"

# --- the kill switch while the tunnel is down: nothing in clear --------------
ks_drops() { nft_ks_drops "$NS_CLI"; }
blocked() {	# -4|-6 address: no answer, and our drop counted it
	local d
	d=$(ks_drops)
	! in_cli ping "$1" -n -c 1 -W 0.5 "$2" >/dev/null 2>&1 &&
	    [ "$(ks_drops)" -gt "$d" ]
}
pkill -KILL -P "$DAEMON_PID" -x fakepppd
wait_state "failed waiting down" 15
ok $? "pppd gone, the tunnel is no longer running (state: $STATE)"
# only what the client sends (-Q out), from the kill switch's point of view
nsenter --net="/run/netns/$NS_CLI" tcpdump --immediate-mode -Q out \
    -i "$VETH_CLI" -w "$TMP/leak.pcap" -U -s 0 2>"$TMP/tcpdump.err" &
CAPTURE_PID=$!
CAPTURE_FILE=$TMP/leak.pcap
wait_for 10 grep -q listening "$TMP/tcpdump.err" ||
    abort "tcpdump did not start: $(cat "$TMP/tcpdump.err")"
drops=$(ks_drops)
in_cli ping -n -c 2 -i 0.2 -W 0.5 203.0.113.1 >/dev/null 2>&1
in_cli "$PYTHON" -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for p in (53, 123, 4500):
    try: s.sendto(b"leak", ("203.0.113.1", p))
    except OSError: pass' 2>/dev/null
in_cli ping -6 -n -c 2 -i 0.2 -W 0.5 2001:db8:e::1 >/dev/null 2>&1
# what may pass must, so the capture is seen to work: TCP 1723 to the server
in_cli "$PYTHON" -c 'import socket
socket.create_connection(("'$SRV_IP'", 1723), timeout=3).close()' 2>/dev/null
capture_wait 10 "dst host $SRV_IP and tcp dst port 1723"
ok $? "the capture sees what the kill switch lets through (TCP 1723 to the server)"
capture_stop
cmp_ok "$(ks_drops)" -ge $((drops + 5)) "the kill switch dropped the leaks ($drops -> $(ks_drops))"
refute "nothing to beyond the server left in clear" \
    captured "dst net 203.0.113.0/24"
refute "nothing but TCP 1723 and GRE to the server left at all" \
    captured "ip and not (dst host $SRV_IP and (tcp port 1723 or ip proto 47))"
refute "no IPv6 left" captured "ip6"

# --- SIGKILL, then a restart: one copy, the kill switch kept ------------------
ctl up "$TUN" >/dev/null 2>&1
wait_state "ppp up" 15
ok $? "up again (state: $STATE)"
kill -KILL "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null
_kill_wait "$MON_PID"
like "$(in_cli nft list table inet pptpd-client 2>&1)" "chain in-$TUN" \
    "the killed daemon's rules are still there"
# the new daemon brings back the tunnel that was up (its socket's
# .wanted file); its start-up cleanup came first
daemon_start
running() { case $(state) in ppp | up) return 0 ;; esac; return 1; }
wait_for 15 running
ok $? "the restarted daemon brings the tunnel back (state: $(state))"
check "its kill switch holds (no interface: nothing but the server)" \
    blocked -4 203.0.113.1
once=$(in_cli nft list table inet pptpd-client 2>&1)
is "$(printf '%s\n' "$once" | grep -c "jump ks-out-$TUN")" 1 \
    "after the restart: exactly one kill-switch jump for the tunnel"
is "$(printf '%s\n' "$once" | grep -c -e "chain in-$TUN {" -e "counter gre-$TUN {")" 2 \
    "one copy of its GRE and 1723 chain and of its counter"
ctl down "$TUN" >/dev/null 2>&1
wait_state "down" 15
ok $? "down (state: $STATE)"
is "$(ruleset)" "$before" "after down, nft list ruleset is as before up"

# --- kill-switch always, and a clean stop -------------------------------------
_kill_wait "$DAEMON_PID"
_kill_wait "$MON_PID"
sed -i 's/kill-switch yes/kill-switch always/' "$CONF"
daemon_start
check "kill-switch always blocks before the first up" blocked -4 203.0.113.1
check "and IPv6" blocked -6 2001:db8:e::1
_kill_wait "$DAEMON_PID"
_kill_wait "$MON_PID"
check "the always block stays after a clean stop" blocked -4 203.0.113.1
sed -i 's/kill-switch always/kill-switch no/' "$CONF"
daemon_start
_kill_wait "$DAEMON_PID"
_kill_wait "$MON_PID"
is "$(ruleset)" "$before" "a config without it lifts it; a clean stop leaves no trace"
