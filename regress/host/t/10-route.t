#!/bin/sh
# Routes, interface watching and the parent's sockets, on the host kernel in
# a network namespace of our own: privsep/parent/{route,sockets}.c
# driven through regress/host/bin/routetool, checked with ip(8) the way a
# user would look.  A tun device stands in for the ppp interface (the host
# kernel has no PPP): it is point-to-point, with a local and a peer address.
#
# Needs root, unshare(1), ip(8) and /dev/net/tun; without them it fails
# saying what is missing.

top=$(cd "$(dirname "$0")/../../.." && pwd)
T=$top/regress/host/bin/routetool
. "$top/regress/tap.sh"

if [ "${PC_IN_NETNS:-}" != 1 ]; then
	ready() {
		need root unshare ip "$T"
		[ -c /dev/net/tun ] || abort "missing: /dev/net/tun (the tun module)"
	}
	# tried quietly first: the plan is printed once, by the run in the
	# namespace, unless something is missing
	if ! (ready) >/dev/null 2>&1; then
		plan 34
		ready
	fi
	# The namespace and everything in it vanish when this process ends.
	PC_IN_NETNS=1 exec unshare -n -- "$0" "$@"
fi
plan 34

tmp=$(mktemp -d) || abort "mktemp failed"
srv=
on_exit '[ -n "$srv" ] && kill $srv 2>/dev/null; rm -rf "$tmp"'

# has "TEXT" COMMAND...: COMMAND succeeds and prints a line containing TEXT
has() {
	text=$1; shift
	out=$("$@" 2>&1) || { echo "command failed: $* -> $out"; return 1; }
	printf '%s\n' "$out" | grep -qF -- "$text" && return 0
	echo "expected \"$text\" from: $*"; printf '%s\n' "$out"; return 1
}
# lacks "TEXT" COMMAND...: COMMAND's output has no line containing TEXT
lacks() {
	text=$1; shift
	out=$("$@" 2>&1)
	printf '%s\n' "$out" | grep -qF -- "$text" || return 0
	echo "unexpected \"$text\" from: $*"; printf '%s\n' "$out"; return 1
}
# fails_with "TEXT" COMMAND...: COMMAND fails and says TEXT (any case)
fails_with() {
	text=$1; shift
	if out=$("$@" 2>&1); then
		echo "succeeded but should fail: $* -> $out"; return 1
	fi
	printf '%s\n' "$out" | grep -qiF -- "$text" && return 0
	echo "expected error \"$text\" from: $*"; printf '%s\n' "$out"; return 1
}
count() {	# count N "TEXT" COMMAND...: exactly N lines contain TEXT
	want=$1 text=$2; shift 2
	got=$("$@" 2>&1 | grep -cF -- "$text")
	[ "$got" = "$want" ] && return 0
	echo "expected $want lines with \"$text\", got $got from: $*"
	"$@"; return 1
}

ifindex() { ip -o link show dev "$1" | cut -d: -f1; }

# The LAN: v0 192.0.2.2/24 here; at its other end, in a namespace of its
# own, the PPTP server 192.0.2.1 and a stranger 192.0.2.3.  The gateway
# 192.0.2.254 exists only as a route.
ip link set lo up
# a process to hold the server's namespace, until the clean-up kills it
unshare -n sleep infinity &
srv=$!
S() { nsenter -t $srv -n "$@"; }
ip link add v0 type veth peer name v1
ip link set v1 netns $srv
ip addr add 192.0.2.2/24 dev v0
ip link set v0 up
S ip link set lo up
S ip addr add 192.0.2.1/24 dev v1
S ip addr add 192.0.2.3/24 dev v1
S ip link set v1 up

check "route_get: no route gives an error naming the server" \
	fails_with "no route to 203.0.113.5" $T get 203.0.113.5
# No route yet: a name lookup fails at once, and no query leaves.
check "sock_resolve4: a dotted quad" has "192.0.2.77" $T resolve 192.0.2.77
check "sock_resolve4: a failure names the server" \
	fails_with "cannot resolve server pptp.invalid" \
	$T resolve pptp.invalid

ip route add default via 192.0.2.254
check "route_get: server behind the gateway" \
	has "via 192.0.2.254 dev v0" $T get 203.0.113.5
check "route_get: server on the LAN is reached directly" \
	has "dev v0" $T get 192.0.2.9
check "route_get: refuses an address of this host" \
	fails_with "192.0.2.2 is an address of this host" $T get 192.0.2.2

# The stand-in for ppp0, as pppd leaves it once IPCP is up.
ip tuntap add dev pptp-lab mode tun
ip addr add 198.51.100.2 peer 198.51.100.1 dev pptp-lab
ip link set pptp-lab up

check "add-host: host route to the server via its gateway" \
	has "added" $T add-host 203.0.113.5
check "add-host: ip route shows it with our protocol 185" \
	has "203.0.113.5 via 192.0.2.254 dev v0" ip route show proto 185
check "add-host: a second add leaves one route and says it exists" \
	has "exists" $T add-host 203.0.113.5
check "add-host: still exactly one host route" \
	count 1 "203.0.113.5" ip route show 203.0.113.5/32
check "add-host: on-link server gets a link-scope route" \
	has "192.0.2.9 dev v0 proto 185 scope link" sh -c "$T add-host 192.0.2.9 && ip route"

# A user's own host route is theirs: we report it and never delete it.
ip route add 203.0.113.7 via 192.0.2.254
check "add-host: a user's existing host route is reported as existing" \
	has "exists" $T add-host 203.0.113.7
check "del-host: does not remove the user's host route" \
	has "203.0.113.7 via 192.0.2.254 dev v0" sh -c "$T del-host 203.0.113.7 && ip route"

check "default: /1 pair added through the tunnel" \
	$T add-default pptp-lab
check "default: 0.0.0.0/1 via the tunnel, ours" \
	has "0.0.0.0/1 dev pptp-lab scope link" ip route show proto 185
check "default: 128.0.0.0/1 via the tunnel, ours" \
	has "128.0.0.0/1 dev pptp-lab scope link" ip route show proto 185
check "default: other traffic now leaves through the tunnel" \
	has "dev pptp-lab" ip route get 203.0.113.99
check "default: the server itself is still reached via the LAN" \
	has "203.0.113.5 via 192.0.2.254 dev v0" ip route get 203.0.113.5
check "default: the user's default route is untouched" \
	has "default via 192.0.2.254 dev v0" ip route show default
check "default: removing the pair restores the old path" \
	has "via 192.0.2.254 dev v0" sh -c "$T del-default pptp-lab && ip route get 203.0.113.99"

check "add-dev: 10.0.0.0/8 through the tunnel with metric 50" \
	has "10.0.0.0/8 dev pptp-lab proto 185 scope link metric 50" \
	sh -c "$T add-dev 10.0.0.0/8 pptp-lab 50 && ip route"
check "del-dev: removes it, and a second delete still succeeds" \
	lacks "10.0.0.0/8" sh -c "$T del-dev 10.0.0.0/8 pptp-lab 50 && $T del-dev 10.0.0.0/8 pptp-lab 50 && ip route"

# An interface that vanished took its routes: deleting them is no error.
ip tuntap add dev pptp-old mode tun
ip link set pptp-old up
old=$(ifindex pptp-old)
$T add-default pptp-old >/dev/null
ip link del pptp-old
check "del-default: succeeds after the interface is gone" \
	$T del-default @"$old"

# After a crash: ours in two tables, a user's routes beside them.
$T add-default pptp-lab >/dev/null
$T add-dev 10.0.0.0/8 pptp-lab 50 >/dev/null
ip route add 172.16.0.0/12 dev pptp-lab
ip route add 192.0.2.128/25 via 192.0.2.254 table 100
ip route add 203.0.113.64/26 via 192.0.2.254 table 100 proto 185
check "flush: removes exactly our 6 routes (host x2, /1 x2, dev, table 100)" \
	has "removed 6" $T flush
check "flush: nothing of ours is left in any table" \
	count 0 "" ip route show proto 185 table all
check "flush: the user's routes are all still there" \
	sh -c 'ip route | grep -q "^default via 192.0.2.254 dev v0" &&
	    ip route | grep -q "^172.16.0.0/12 dev pptp-lab" &&
	    ip route | grep -q "^203.0.113.7 via 192.0.2.254" &&
	    ip route show table 100 | grep -q "^192.0.2.128/25 via 192.0.2.254"'

check "ifaddr_query: local and peer address of the tunnel" \
	has "local 198.51.100.2 peer 198.51.100.1 ifindex $(ifindex pptp-lab)" \
	$T query pptp-lab
ip tuntap add dev pptp-new mode tun
check "ifaddr_query: an interface without an address yet" \
	fails_with "cannot assign requested address" $T query pptp-new
check "ifaddr_query: no such interface" \
	fails_with "no such device" $T query pptp-none

# The watch sees what pppd does to its interface: up, address, down, gone.
$T watch 1200 >"$tmp/watch" 2>&1 &
wpid=$!
wait_for 10 grep -q watching "$tmp/watch"
ip link set pptp-new up
ip addr add 198.51.100.10 peer 198.51.100.9 dev pptp-new
ip addr del 198.51.100.10 peer 198.51.100.9 dev pptp-new
ip link del pptp-new
wait $wpid
idx_re='ifindex [0-9][0-9]*'
check "ifaddr_watch: link up, address added and removed, link gone" \
	sh -c "grep -q '^newlink pptp-new $idx_re up' '$tmp/watch' &&
	    grep -q '^newaddr pptp-new $idx_re local 198.51.100.10 peer 198.51.100.9' '$tmp/watch' &&
	    grep -q '^deladdr pptp-new $idx_re local 198.51.100.10 peer 198.51.100.9' '$tmp/watch' &&
	    grep -q '^dellink pptp-new ' '$tmp/watch' ||
	    { cat '$tmp/watch'; exit 1; }"

check "sock_tcp_connect: no listener gives connection refused, naming the server" \
	fails_with "192.0.2.1:1723: connection refused" $T connect 192.0.2.1 1723 2000
S $T listen 192.0.2.1 1723 3000 >"$tmp/listen" 2>&1 &
lpid=$!
wait_for 10 grep -q listening "$tmp/listen"
check "sock_tcp_connect: connects to a listening server" \
	has "connected" $T connect 192.0.2.1 1723 2000
wait $lpid

# GRE: the socket is connected, so GRE from anyone but the server is not
# delivered to it.
$T gre-recv 192.0.2.1 700 >"$tmp/gre" 2>&1 &
gpid=$!
wait_for 10 grep -q receiving "$tmp/gre"
S $T gre-send 192.0.2.3 192.0.2.2 >/dev/null
S $T gre-send 192.0.2.1 192.0.2.2 >/dev/null
wait $gpid
check "sock_gre_open: non-blocking, close-on-exec, buffers of 4 MiB or more" \
	sh -c "$T gre 192.0.2.1 | awk '{ print; exit !(\$5 >= 4194304 && \$7 >= 4194304 && \$9 == 1 && \$11 == 1) }'"
check "sock_gre_open: gets the server's GRE and nobody else's" \
	sh -c "grep -q '^gre from 192.0.2.1 len 36' '$tmp/gre' &&
	    ! grep -q '192.0.2.3' '$tmp/gre' || { cat '$tmp/gre'; exit 1; }"

