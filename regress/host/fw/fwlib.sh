# Shared by the fwtool tests (regress/host/t/20-firewall.t, 22-fw-nft.t):
# the two namespaces, what is sent through them, and the clean-up. Source
# it from the top of the checkout after regress/tap.sh, with NC and NS
# (namespace names, with the test's pid in them: the namespaces of another
# test, of another checkout, never meet ours) and VC and VS (the veth
# ends) set. It sets FW, PY, TMP (the test's temp directory, made by the
# test) and LISTENER (a pid to end at exit), and registers the clean-up.
#
#   client NC: veth VC 192.0.2.2/24 2001:db8:f::2/64, routes to beyond the
#              server; pptest0/pptest1, stand-ins for ppp interfaces
#   server NS: veth VS 192.0.2.1/24 2001:db8:f::1/64, and on lo 203.0.113.1
#              (beyond the server, not allowed) and 198.51.100.1 (allowed)

FW=$PWD/regress/host/bin/fwtool
# Debian's own python3: a version manager's shim takes a second to start
PY=/usr/bin/python3
[ -x $PY ] || PY=python3
TMP=
LISTENER=

fw_cleanup() {
	[ -n "$LISTENER" ] && kill "$LISTENER" 2>/dev/null
	ip netns del "$NC" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	[ -n "$TMP" ] && rm -rf "$TMP"
}
on_exit fw_cleanup

C() { ip netns exec "$NC" "$@"; }
S() { ip netns exec "$NS" "$@"; }

netns_up() {
	ip netns del "$NC" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	ip netns add "$NC" && ip netns add "$NS" || abort "ip netns add failed"
	ip link add "$VC" netns "$NC" type veth peer name "$VS" netns "$NS" ||
	    abort "veth pair failed (module veth)"
	C ip link set lo up
	S ip link set lo up
	C ip addr add 192.0.2.2/24 dev "$VC"
	C ip -6 addr add 2001:db8:f::2/64 dev "$VC" nodad
	C ip link set "$VC" up
	C ip route add 203.0.113.0/24 via 192.0.2.1
	C ip route add 198.51.100.0/24 via 192.0.2.1
	S ip addr add 192.0.2.1/24 dev "$VS"
	S ip -6 addr add 2001:db8:f::1/64 dev "$VS" nodad
	S ip addr add 203.0.113.1/32 dev lo
	S ip addr add 198.51.100.1/32 dev lo
	S ip link set "$VS" up
	C ip link add pptest0 type veth peer name pptest1 ||
	    abort "veth pair failed (module veth)"
}

tcp1723() {
	C timeout 3 $PY -c 'import socket; s = socket.create_connection(("192.0.2.1", 1723), timeout=1); s.close()'
}
ping4() { C ping -n -c 1 -W 2 "$1"; }
ping6() { C ping -6 -n -c 1 -W 2 2001:db8:f::1; }

# Raw GRE from the server side: count packets of 80 bytes of payload, so
# 100 bytes each on the wire as the firewall counts them (IP header
# included).
send_gre() {	# source count
	S $PY - "$1" "$2" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 47)
s.bind((sys.argv[1], 0))
pkt = bytes([0x30, 0x81, 0x88, 0x0b, 0, 72, 0, 7]) + bytes(72)
for i in range(int(sys.argv[2])):
    s.sendto(pkt, ("192.0.2.2", 0))
PY
}
