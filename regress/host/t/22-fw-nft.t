#!/bin/bash
# The parent's firewall with the nftables backend (privsep/parent/
# fw_nftables*.c), driven by fwtool, in network namespaces of our own: the
# host's real ruleset is never touched. The same checks as 20-firewall.t
# makes of iptables, then what only nftables has: the host's own table
# with a drop policy that our accept cannot override (we must say so),
# `nft list ruleset` exactly as before once we are gone, and which
# backend `firewall auto` picks.
#
# The namespaces are regress/host/fw/fwlib.sh's; the client's also has
# table inet host, input policy drop but loopback and ICMP.
set -u
cd "$(dirname "$0")/../../.." || exit 1
. regress/tap.sh
NC=nftc$$
NS=nfts$$
VC=nfv0
VS=nfv1
. regress/host/fw/fwlib.sh
. regress/host/fw/nftlib.sh
N() { C "$FW" -b nftables "$@"; }

need root ip nft "$FW" $PY ping iptables-legacy
TMP=$(mktemp -d /tmp/fwnft.XXXXXX) || abort "mktemp failed"

# The host's own table: input drops what it does not know.
host_table() {
	C nft -f - <<'EOF' || abort "nft -f of the host's table failed"
table inet host {
	chain input {
		type filter hook input priority 0; policy drop;
		iif "lo" accept
		meta l4proto { icmp, ipv6-icmp } accept
	}
}
EOF
}

# What a user compares; counters left out.
ruleset() { C nft -s list ruleset; }

ks_drops() { nft_ks_drops "$NC"; }
# A ping that gets no answer because our kill switch dropped it.
blocked() {	# 4|6 address
	local before after
	before=$(ks_drops)
	if C ping -"$1" -n -c 1 -W 0.5 "$2"; then
		echo "ping $2 got an answer"
		return 1
	fi
	after=$(ks_drops)
	echo "kill switch drops: $before before, $after after"
	[ "$after" -gt "$before" ]
}

counters() {	# tunnel -> "PKTS BYTES"
	N counters "$1" |
	    awk '/fw_gre_packets/ { p = $2 } /fw_gre_bytes/ { b = $2 } END { print p, b }'
}

same_as_before() {	# NAME
	local now
	now=$(ruleset)
	ok "$([ "$before" = "$now" ]; echo $?)" "$1"
	[ "$before" = "$now" ] || diff <(echo "$before") <(echo "$now") | sed 's/^/#   /'
}

T=lab,server=192.0.2.1,ks=yes,allow=198.51.100.0/24
TI=$T,if=pptest0,forward=1
W=work,server=198.51.100.7,ks=yes

netns_up
host_table
ip netns exec "$NS" $PY -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("192.0.2.1", 1723)); s.listen(16)
while True: s.accept()[0].close()' >/dev/null 2>&1 &
LISTENER=$!
before=$(ruleset)
host_before=$(C nft -s list table inet host)

is "$(N init)" nftables "fw_init takes the nftables backend"
is "$(C "$FW" -b pick init)" nftables \
    "firewall auto picks nftables where the host's ruleset is in nftables"
same_as_before "fw_init leaves nothing behind (its probe included)"
check "before up, ping beyond the server works" ping4 203.0.113.1
check "before up, IPv6 ping works" ping6
refute "before up, TCP 1723 is refused by the host's policy drop" tcp1723

check "up" N up "$T"
check "GRE accept, counted, from the server" bash -c \
    "ip netns exec $NC nft list chain inet pptpd-client in-lab |
     grep -q 'ip saddr 192.0.2.1 ip protocol gre counter name \"gre-lab\" accept'"
# coexistence: our accept cannot beat the host's drop, and we say so
refute "the host's drop still wins over our accept: TCP 1723 refused" tcp1723
w=$(N hostcheck "$T")
like "$w" "inet host input drops GRE and TCP 1723 replies from 192.0.2.1" \
    "hostcheck names the host's chain and what it drops"
# the rules it tells a person to add, run as they are written
n=0
while read -r cmd; do
	C $cmd && n=$((n + 1))
done < <(advice_rules "$w")
is "$n" 2 "both rules it names can be added as written"
is "$(N hostcheck "$T")" "" "with them, hostcheck says nothing"
check "and TCP 1723 to the server works" tcp1723
C nft flush chain inet host input
C nft add rule inet host input iif lo accept
C nft add rule inet host input meta l4proto '{ icmp, ipv6-icmp }' accept
is "$(C nft -s list table inet host)" "$host_before" \
    "(the host's table restored for the rest)"
check "up again (idempotent)" N up "$T"

check "kill switch drops a ping beyond the server" blocked 4 203.0.113.1
check "kill switch lets the allowed prefix through" ping4 198.51.100.1
check "kill switch drops IPv6" blocked 6 2001:db8:f::1
is "$(N held "$T")" "held 1" "held reports the kill switch"

# GRE counters: exactly the GRE from the server, though the host drops it
N zero "$T"
send_gre 192.0.2.1 5
is "$(counters lab)" "5 500" "counters count 5 GRE packets, 500 bytes"
send_gre 203.0.113.1 3
is "$(counters lab)" "5 500" "GRE from another source is not counted"
check "zero counters" N zero "$T"
is "$(counters lab)" "0 0" "counters are zero after zero"
send_gre 192.0.2.1 2
is "$(counters lab)" "2 200" "and grow again"

check "iface" N iface "$T,if=pptest0"
check "kill switch lets the tunnel interface out (IPv4)" bash -c \
    "ip netns exec $NC nft list chain inet pptpd-client ks-out-lab |
     grep -q 'meta nfproto ipv4 oifname \"pptest0\" accept'"
check "forwarded traffic may leave by the tunnel" bash -c \
    "ip netns exec $NC nft list chain inet pptpd-client ks-fwd-lab |
     grep -q 'oifname \"pptest0\" accept'"
refute "no forwarding rules without forward yes" bash -c \
    "ip netns exec $NC nft list ruleset | grep -q -e masquerade -e maxseg"
is "$(counters lab)" "2 200" "iface keeps the counters"

check "a second tunnel up" N up "$W"
N iface "$W,if=pptest1"
work1=$(C nft list chain inet pptpd-client ks-out-work)
check "down keeping the kill switch (pppd died)" N down-keep "$T,if=pptest0"
refute "GRE rules gone" bash -c \
    "ip netns exec $NC nft list table inet pptpd-client | grep -q -e in-lab -e gre-lab"
check "the kill switch still drops a ping beyond the server" \
    blocked 4 203.0.113.1
refute "no longer lets the old interface out" bash -c \
    "ip netns exec $NC nft list chain inet pptpd-client ks-out-lab | grep -q pptest0"
check "down" N down "$T"
work2=$(C nft list chain inet pptpd-client ks-out-work)
ok "$([ -n "$work1" ] && [ "$work1" = "$work2" ]; echo $?)" \
    "the other tunnel's rules are untouched"
check "the other tunnel's kill switch still holds" blocked 4 203.0.113.1
check "the other tunnel down" N down "$W"
same_as_before "after down, nft list ruleset is as before up"
refute "our table is gone" C nft list table inet pptpd-client
check "after down, ping beyond the server works again" ping4 203.0.113.1
check "after down, IPv6 works again" ping6

check "up and iface with forward yes" bash -c \
    "ip netns exec $NC $FW -b nftables up $TI && ip netns exec $NC $FW -b nftables iface $TI"
check "forward: masquerade out of the tunnel" bash -c \
    "ip netns exec $NC nft list chain inet pptpd-client nat-lab |
     grep -q 'oifname \"pptest0\" masquerade'"
c=$(C nft list chain inet pptpd-client mss-lab | grep -c 'maxseg size set rt mtu')
is "$c" 2 "forward: MSS clamp both ways"
check "down with forward yes" N down "$TI"
same_as_before "after down, not even an empty nat table is left"

# kill-switch always: from daemon start, through down, until config
A=lab,server=192.0.2.1,ks=always
check "start with kill-switch always" N cleanup "$A"
check "always blocks before the first up" blocked 4 203.0.113.1
check "always blocks IPv6 before the first up" blocked 6 2001:db8:f::1
N up "$A" && N down "$A"
check "always still blocks after down" blocked 4 203.0.113.1
check "clean daemon stop" N shutdown "$A"
check "always still blocks after the daemon stopped" blocked 4 203.0.113.1
check "restart with kill-switch no in the config" N cleanup lab,server=192.0.2.1
same_as_before "the always block is gone, and the table with it"

# crash: everything left behind, a stray jump added by hand, a restart
N up "$T"
N iface "$TI"
N up old,server=203.0.113.9,ks=always
C nft add rule inet pptpd-client killswitch-out jump ks-out-lab
check "restart after a crash" N cleanup "$T"
once=$(C nft list table inet pptpd-client)
c=$(echo "$once" | grep -c 'jump ks-out-lab')
is "$c" 1 "exactly one kill-switch jump for the tunnel"
c=$(echo "$once" | grep -c 'chain ks-out-lab {')
is "$c" 1 "exactly one copy of the tunnel's kill switch"
unlike "$once" "in-lab|gre-lab|nat-lab|mss-lab|-old" \
    "the GRE, forwarding and removed tunnel's rules are gone"
check "the kill switch of a yes tunnel holds across the crash" \
    blocked 4 203.0.113.1
N cleanup "$T"
ok "$([ "$once" = "$(C nft list table inet pptpd-client)" ]; echo $?)" \
    "a second restart changes nothing"
check "explicit down after the restart" N down "$T"
same_as_before "nothing of ours is left"

# names
L1=a-very-long-tunnel-name-number1 L2=a-very-long-tunnel-name-number2
N up "$L1,server=192.0.2.1" && N up "$L2,server=192.0.2.1"
c=$(C nft list table inet pptpd-client | grep -c 'chain in-a-very-long-tunnel-name-number')
is "$c" 2 "two long names give two chains"
N down "$L1,server=192.0.2.1"
c=$(C nft list table inet pptpd-client | grep -c 'chain in-a-very-long-tunnel-name-number')
is "$c" 1 "removing one keeps the other"
N down "$L2,server=192.0.2.1"
refute "a tunnel name with a space is refused" N up 'a b,server=192.0.2.1'
refute "a tunnel name with a newline is refused" \
    N up "$(printf 'a\nadd table ip x'),server=192.0.2.1"
same_as_before "and left no rule"

kill "$LISTENER"
wait "$LISTENER" 2>/dev/null
LISTENER=

# --- which backend firewall auto takes ---------------------------------------
netns_up
C iptables-legacy -w 10 -A INPUT -s 192.0.2.99 -j DROP
is "$(C "$FW" -b pick init)" iptables-legacy \
    "firewall auto: a ruleset in iptables-legacy -> iptables"
netns_up
d=$(readlink -f "$(command -v iptables)")
case $d in *nft*) d=nftables ;; *) d=iptables-legacy ;; esac
is "$(C "$FW" -b pick init)" "$d" \
    "firewall auto: no ruleset at all -> what iptables points to ($d)"
is "$(C nft list ruleset)" "" "and the choice left nothing in nftables"

# --- what the other backend left, from a run before the choice changed --------
netns_up
C "$FW" -b legacy up "$T"
C "$FW" -b legacy cleanup lab,server=192.0.2.1,ks=always
check "(iptables-legacy chains of an earlier run)" bash -c \
    "ip netns exec $NC iptables-legacy-save | grep -q PPTPC-KS-OUT"
check "an nftables start" N cleanup "$T"
refute "removes the iptables backend's chains" bash -c \
    "ip netns exec $NC iptables-legacy-save | grep -q PPTPC-"
N up "$T"
check "an iptables start" C "$FW" -b legacy cleanup lab,server=192.0.2.1
is "$(C nft list ruleset)" "" "removes the nftables backend's table"

done_testing
