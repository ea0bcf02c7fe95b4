#!/bin/bash
# The parent's firewall (privsep/parent/firewall.c), driven by fwtool, in
# network namespaces of our own: the host's real ruleset is never touched.
# Every check runs with both iptables flavours (legacy and nft), then the
# flavour detection is checked, the lab's "nft does not work" included.
#
#   client ns: veth 192.0.2.2/24 2001:db8:f::2/64, INPUT policy DROP
#   server ns: veth 192.0.2.1/24 2001:db8:f::1/64, and on lo 203.0.113.1
#              (beyond the server, not allowed) and 198.51.100.1 (allowed)
set -u
cd "$(dirname "$0")/../../.." || exit 1
. regress/tap.sh
# pids in the names: the namespaces of another test, of another
# checkout, never meet ours
NC=fwc$$
NS=fws$$
VC=fwv0
VS=fwv1
. regress/host/fw/fwlib.sh

# --- what the test needs: missing pieces fail it, by name -------------------
need root ip "$FW" $PY ping iptables-legacy iptables-legacy-save \
    iptables-legacy-restore ip6tables-legacy-save iptables-nft \
    iptables-nft-save iptables-nft-restore ip6tables-nft-save
TMP=$(mktemp -d /tmp/fwtest.XXXXXX) || abort "mktemp failed"

# The host's own ruleset: INPUT drops what it does not know, so TCP 1723
# works only through our rules.
host_rules() {	# flavour
	printf '*filter\n:INPUT DROP [0:0]\n-A INPUT -i lo -j ACCEPT
-A INPUT -p icmp -j ACCEPT\n-A OUTPUT -o lo -j ACCEPT\nCOMMIT\n' |
	    C "iptables-$1-restore" -w 10 || abort "iptables-$1-restore failed"
	printf '*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p ipv6-icmp -j ACCEPT
COMMIT\n' | C "ip6tables-$1-restore" -w 10 || abort "ip6tables-$1-restore failed"
}

# What a user compares: both families, dates and counters left out.
rules() {	# flavour
	{ C "iptables-$1-save"; C "ip6tables-$1-save"; } 2>/dev/null |
	    grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]/[0:0]/'
}

# Leaves out tables with no rule and every policy ACCEPT: the nat and
# mangle tables that forward yes brought into being stay, empty.
strip_empty() {
	awk '/^\*/ { blk = $0 "\n"; keep = 0; next }
	     /^COMMIT/ { if (keep) printf "%s%s\n", blk, $0; blk = ""; next }
	     { blk = blk $0 "\n" }
	     /^-A / || (/^:/ && $2 != "ACCEPT" && $2 != "-") { keep = 1 }'
}

# Packets our kill switch dropped so far (IPv4 or IPv6), for flavour $F.
ks_drops() {	# 4|6
	local v=iptables
	[ "$1" = 6 ] && v=ip6tables
	C "$v-$F-save" -c 2>/dev/null |
	    awk '/-A PPTPC-KS-OUT .*-j DROP/ { sub(/^\[/, "", $1); split($1, a, ":"); n += a[1] }
	         END { print n + 0 }'
}
# A ping that gets no answer because our kill switch dropped it (its DROP
# counter grew), not merely one that got lost.
blocked() {	# 4|6 address
	local before after
	before=$(ks_drops "$1")
	if C ping -"$1" -n -c 1 -W 0.5 "$2"; then
		echo "ping $2 got an answer"
		return 1
	fi
	after=$(ks_drops "$1")
	echo "kill switch drops: $before before, $after after"
	[ "$after" -gt "$before" ]
}

counters() {	# flavour tunnel -> "PKTS BYTES"
	C "$FW" -b "$1" counters "$2" |
	    awk '/fw_gre_packets/ { p = $2 } /fw_gre_bytes/ { b = $2 } END { print p, b }'
}

# --- every check, once per flavour -------------------------------------------
T=lab,server=192.0.2.1,ks=yes,allow=198.51.100.0/24
TI=$T,if=pptest0,forward=1

run_flavour() {
	local F=$1 before after c
	netns_up
	host_rules "$F"
	# ip netns exec execs the program, so $! is the listener itself
	ip netns exec "$NS" $PY -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("192.0.2.1", 1723)); s.listen(16)
while True: s.accept()[0].close()' >/dev/null 2>&1 &
	LISTENER=$!
	before=$(rules "$F")

	check "$F: fw_init takes the forced flavour" \
	    bash -c "[ \"\$(ip netns exec $NC $FW -b $F init)\" = iptables-$F ]"
	check "$F: before up, ping beyond the server works" ping4 203.0.113.1
	check "$F: before up, IPv6 ping works" ping6
	refute "$F: before up, TCP 1723 is refused by the host's INPUT DROP" \
	    tcp1723

	check "$F: up" C "$FW" -b "$F" up "$T"
	check "$F: our jump is the first rule of INPUT" bash -c \
	    "ip netns exec $NC iptables-$F -S INPUT | sed -n 2p |
	     grep -q -- '-j PPTPC-IN-lab'"
	check "$F: GRE accept rule from the server" bash -c \
	    "ip netns exec $NC iptables-$F-save | grep -- '-A PPTPC-IN-lab' |
	     grep -- '-s 192.0.2.1/32 -p gre'"
	check "$F: with INPUT policy DROP, TCP 1723 to the server works" tcp1723
	check "$F: kill switch drops a ping beyond the server" \
	    blocked 4 203.0.113.1
	check "$F: kill switch lets the allowed prefix through" \
	    ping4 198.51.100.1
	check "$F: kill switch drops IPv6" blocked 6 2001:db8:f::1
	check "$F: held reports the kill switch" bash -c \
	    "[ \"\$(ip netns exec $NC $FW -b $F held $T)\" = 'held 1' ]"

	# GRE counters: exactly the GRE from the server
	C "$FW" -b "$F" zero "$T"
	send_gre 192.0.2.1 5
	c=$(counters "$F" "$T")
	is "$c" "5 500" \
	    "$F: counters count 5 GRE packets, 500 bytes, from the server (got $c)"
	send_gre 203.0.113.1 3
	c=$(counters "$F" "$T")
	is "$c" "5 500" \
	    "$F: GRE from another source is not counted (got $c)"
	check "$F: zero counters" C "$FW" -b "$F" zero "$T"
	c=$(counters "$F" "$T")
	is "$c" "0 0" "$F: counters are zero after zero (got $c)"
	send_gre 192.0.2.1 2
	c=$(counters "$F" "$T")
	is "$c" "2 200" "$F: and grow again (got $c)"

	check "$F: iface" C "$FW" -b "$F" iface "$T,if=pptest0"
	check "$F: kill switch lets the tunnel interface out" bash -c \
	    "ip netns exec $NC iptables-$F -S PPTPC-KS-OUT | grep -q -- '-o pptest0 .*-j RETURN'"
	check "$F: forwarded traffic may leave by the tunnel" bash -c \
	    "ip netns exec $NC iptables-$F -S PPTPC-KS-FWD | grep -q -- '-o pptest0 .*-j RETURN'"
	refute "$F: no forwarding rules without forward yes" bash -c \
	    "ip netns exec $NC iptables-$F-save | grep -q -e MASQUERADE -e TCPMSS"
	c=$(counters "$F" "$T")
	is "$c" "2 200" "$F: iface keeps the counters (got $c)"

	# a second tunnel with a kill switch must not be hurt by the first
	check "$F: a second tunnel up" C "$FW" -b "$F" up work,server=198.51.100.7,ks=yes
	C "$FW" -b "$F" iface work,server=198.51.100.7,ks=yes,if=pptest1 2>/dev/null
	local work1 work2
	work1=$(rules "$F" | grep 'pptpd-client:work')

	check "$F: down keeping the kill switch (pppd died)" \
	    C "$FW" -b "$F" down-keep "$T,if=pptest0"
	refute "$F: GRE rules gone" bash -c \
	    "ip netns exec $NC iptables-$F-save | grep -q PPTPC-IN-lab"
	check "$F: the kill switch still drops a ping beyond the server" \
	    blocked 4 203.0.113.1
	refute "$F: no longer lets the old interface out" bash -c \
	    "ip netns exec $NC iptables-$F -S PPTPC-KS-OUT | grep -q -- '-o pptest0'"
	check "$F: down" C "$FW" -b "$F" down "$T"
	work2=$(rules "$F" | grep 'pptpd-client:work')
	ok "$([ -n "$work1" ] && [ "$work1" = "$work2" ]; echo $?)" \
	    "$F: the other tunnel's rules are untouched"
	check "$F: the other tunnel's kill switch still holds" \
	    blocked 4 203.0.113.1
	check "$F: the other tunnel down" C "$FW" -b "$F" down work,server=198.51.100.7,ks=yes
	after=$(rules "$F")
	ok "$([ "$before" = "$after" ]; echo $?)" \
	    "$F: after down, iptables-save and ip6tables-save are as before up"
	[ "$before" = "$after" ] || diff <(echo "$before") <(echo "$after") | sed 's/^/#   /'
	check "$F: after down, ping beyond the server works again" \
	    ping4 203.0.113.1
	check "$F: after down, IPv6 works again" ping6

	# forward yes: the nat and mangle tables come into being (iptables
	# cannot remove a table), empty again after down
	check "$F: up and iface with forward yes" bash -c \
	    "ip netns exec $NC $FW -b $F up $TI && ip netns exec $NC $FW -b $F iface $TI"
	check "$F: forward: masquerade out of the tunnel" bash -c \
	    "ip netns exec $NC iptables-$F -t nat -S PPTPC-NAT-lab | grep -q -- '-o pptest0 .*MASQUERADE'"
	check "$F: forward: MSS clamp both ways" bash -c \
	    "[ \$(ip netns exec $NC iptables-$F -t mangle -S PPTPC-MSS-lab | grep -c -- 'clamp-mss-to-pmtu') = 2 ]"
	check "$F: forward: jumps first in POSTROUTING and mangle FORWARD" bash -c \
	    "ip netns exec $NC iptables-$F -t nat -S POSTROUTING | sed -n 2p | grep -q PPTPC-NAT-lab &&
	     ip netns exec $NC iptables-$F -t mangle -S FORWARD | sed -n 2p | grep -q PPTPC-MSS-lab"
	check "$F: down with forward yes" C "$FW" -b "$F" down "$TI"
	after=$(rules "$F" | strip_empty)
	ok "$([ "$(echo "$before" | strip_empty)" = "$after" ]; echo $?)" \
	    "$F: after down, only empty nat and mangle tables differ"

	# kill-switch always: from daemon start, through down, until config
	local A=lab,server=192.0.2.1,ks=always
	check "$F: start with kill-switch always" C "$FW" -b "$F" cleanup "$A"
	check "$F: always blocks before the first up" blocked 4 203.0.113.1
	check "$F: always blocks IPv6 before the first up" blocked 6 2001:db8:f::1
	C "$FW" -b "$F" up "$A" && C "$FW" -b "$F" down "$A"
	check "$F: always still blocks after down" blocked 4 203.0.113.1
	check "$F: clean daemon stop" C "$FW" -b "$F" shutdown "$A"
	check "$F: always still blocks after the daemon stopped" \
	    blocked 4 203.0.113.1
	check "$F: restart with kill-switch no in the config" \
	    C "$FW" -b "$F" cleanup lab,server=192.0.2.1
	after=$(rules "$F" | strip_empty)
	ok "$([ "$(echo "$before" | strip_empty)" = "$after" ]; echo $?)" "$F: the always block is gone"

	# crash: rules left behind, half a change repeated, then a restart
	C "$FW" -b "$F" up "$T"
	C "$FW" -b "$F" iface "$TI"
	C "$FW" -b "$F" up old,server=203.0.113.9,ks=always
	C "iptables-$F" -w 10 -I OUTPUT -m comment --comment pptpd-client/kill-switch -j PPTPC-KS-OUT
	C "iptables-$F" -w 10 -I INPUT -m comment --comment pptpd-client:lab -j PPTPC-IN-lab
	check "$F: restart after a crash" C "$FW" -b "$F" cleanup "$T"
	local once
	once=$(rules "$F")
	c=$(echo "$once" | grep -c -- '-A OUTPUT .*-j PPTPC-KS-OUT')
	is "$c" "2" "$F: exactly one kill-switch jump per family (got $c)"
	c=$(echo "$once" | grep -c -- '-A PPTPC-KS-OUT -o lo .*pptpd-client:lab')
	is "$c" "2" "$F: exactly one copy of the tunnel's kill switch per family (got $c)"
	refute "$F: the GRE, forwarding and removed tunnel's rules are gone" \
	    bash -c "echo '$once' | grep -e PPTPC-IN- -e PPTPC-NAT- -e PPTPC-MSS- -e pptpd-client:old"
	check "$F: the kill switch of a yes tunnel holds across the crash" \
	    blocked 4 203.0.113.1
	C "$FW" -b "$F" cleanup "$T"
	ok "$([ "$once" = "$(rules "$F")" ]; echo $?)" \
	    "$F: a second restart changes nothing"
	check "$F: explicit down after the restart" C "$FW" -b "$F" down "$T"
	after=$(rules "$F" | strip_empty)
	ok "$([ "$(echo "$before" | strip_empty)" = "$after" ]; echo $?)" "$F: nothing of ours is left"

	# names
	local L1=a-very-long-tunnel-name-number1 L2=a-very-long-tunnel-name-number2
	C "$FW" -b "$F" up "$L1,server=192.0.2.1" &&
	    C "$FW" -b "$F" up "$L2,server=192.0.2.1"
	c=$(C "iptables-$F-save" | grep -c '^:PPTPC-IN-a-very-lo~')
	is "$c" "2" "$F: two long names give two distinct chains (got $c)"
	C "$FW" -b "$F" down "$L1,server=192.0.2.1"
	c=$(C "iptables-$F-save" | grep -c '^:PPTPC-IN-a-very-lo~')
	is "$c" "1" "$F: removing one keeps the other (got $c)"
	C "$FW" -b "$F" down "$L2,server=192.0.2.1"
	refute "$F: a tunnel name with a space is refused" \
	    C "$FW" -b "$F" up 'a b,server=192.0.2.1'
	refute "$F: a tunnel name with a newline is refused" \
	    C "$FW" -b "$F" up "$(printf 'a\n-A INPUT -j DROP'),server=192.0.2.1"
	after=$(rules "$F" | strip_empty)
	ok "$([ "$(echo "$before" | strip_empty)" = "$after" ]; echo $?)" "$F: and left no rule"

	kill "$LISTENER"
	wait "$LISTENER" 2>/dev/null
	LISTENER=
}

run_flavour legacy
run_flavour nft

# --- flavour detection -------------------------------------------------------
netns_up
C iptables-legacy -w 10 -A INPUT -s 192.0.2.99 -j DROP
c=$(C "$FW" init)
is "$c" "iptables-legacy" \
    "detection: rules only in legacy -> iptables-legacy (got $c)"
netns_up
C iptables-nft -w 10 -A INPUT -s 192.0.2.99 -j DROP
c=$(C "$FW" init)
is "$c" "iptables-nft" \
    "detection: rules only in nft -> iptables-nft (got $c)"
netns_up
c=$(C "$FW" init)
d=$(readlink -f "$(command -v iptables)")
case $d in *nft*) d=iptables-nft ;; *) d=iptables-legacy ;; esac
is "$c" "$d" \
    "detection: no rules anywhere -> what iptables points to, $d (got $c)"

# The lab: nf_tables lacks IPv4, nft can list but not add (or not even
# list); the default flavour is nft. Detection must land on legacy.
for variant in add list; do
	netns_up
	D=$TMP/tools-$variant
	mkdir -p "$D"
	for t in iptables ip6tables; do
		for s in "" -save -restore; do
			ln -s "$(command -v $t-legacy$s)" "$D/$t-legacy$s"
			printf '#!/bin/sh\necho "%s v1.8.9 (nf_tables): TABLE_ADD failed (Operation not supported)" >&2\nexit 4\n' \
			    "$t-nft$s" >"$D/$t-nft$s"
			chmod +x "$D/$t-nft$s"
		done
		[ $variant = add ] && printf '#!/bin/sh\nexit 0\n' >"$D/$t-nft-save"
		ln -s "$t-nft" "$D/$t"
	done
	c=$(C "$FW" -T "$D" init 2>&1)
	is "$c" "iptables-legacy" \
	    "detection: nft fails to $variant (as in the lab) -> iptables-legacy (got $c)"
	refute "detection: forcing nft there fails" C "$FW" -T "$D" -b nft init
	check "detection: and the legacy flavour picked there works" \
	    C "$FW" -T "$D" up "$T"
done

# firewall none touches nothing
netns_up
before=$(rules legacy; rules nft)
check "firewall none: up succeeds" C "$FW" -b none up "$T"
after=$(rules legacy; rules nft)
ok "$([ "$before" = "$after" ]; echo $?)" "firewall none: no rule added"

done_testing
