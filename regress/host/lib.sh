# Shared helpers of the host-kernel tests (regress/host/t/*.t,
# regress/peer/t/*.t). Source it, then call lib_init. Every test gets two
# network namespaces of its own, pcsrv-$$ (192.0.2.1) and pccli-$$
# (192.0.2.2) joined by a veth pair, a temp directory, and a trap that
# always removes everything it made: processes, namespaces, files.
#
#	. "$(dirname "$0")/../lib.sh"
#	lib_init 12			# TAP plan; needs root and the tools
#	netns_setup
#	peer_start --ocrp 4		# pptp-peer in the server namespace
#	conf_write [tunnel lines...]	# then daemon_start; ctl up "$TUN"
#	wait_state "$TUN" "ppp up" 10
#
# TAP: ok COND NAME, is GOT WANT NAME, cmp_ok GOT OP WANT NAME, diag MSG.
# A helper that finds something missing FAILS (bail), never skips.

set -u

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DAEMON=$REPO/pptpd-client/pptpd-client
PPTPCTL=$REPO/pptpctl/pptpctl
PEER=$REPO/regress/peer/pptp-peer
FAKEPPPD=$REPO/regress/host/fakepppd/fakepppd
NS_SRV=pcsrv-$$
NS_CLI=pccli-$$
VETH_SRV=pcs$$
VETH_CLI=pcc$$
SRV_IP=192.0.2.1
CLI_IP=192.0.2.2
TUN=t$$				# tunnel name, also fakepppd's ipparam
TMP=
CONF=
SOCK=
FAKEPPPD_DIR=/tmp/fakepppd
FAKE_CONF=
FAKE_STATS=
PEER_LOG=
PEER_PID=
CAPTURE_PID=
# The interpreter itself, resolved once: a wrapper such as pyenv's shim
# forks (then $! would not be the peer) and costs a few hundred ms a call.
PYTHON=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null)
[ -n "$PYTHON" ] || PYTHON=python3
DAEMON_PID=
_tap_n=0
_tap_failed=0
_bg_pids=

# --- TAP ---------------------------------------------------------------------

ok() {	# ok STATUS NAME: STATUS is a command's exit status (0 = pass)
	_tap_n=$((_tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $_tap_n - $2"
	else
		echo "not ok $_tap_n - $2"
		_tap_failed=$((_tap_failed + 1))
	fi
}
is() {	# is GOT WANT NAME
	if [ "$1" = "$2" ]; then ok 0 "$3"; else
		ok 1 "$3"; diag "  got: '$1'"; diag "  expected: '$2'"; fi
}
cmp_ok() {	# cmp_ok GOT OP WANT NAME (integer -gt -ge -eq -lt -le -ne)
	if [ -n "$1" ] && [ "$1" -eq "$1" ] 2>/dev/null && [ "$1" "$2" "$3" ]
	then ok 0 "$4"; else
		ok 1 "$4"; diag "  got: '$1', expected: $2 $3"; fi
}
like() {	# like GOT REGEX NAME (grep -E, case-insensitive)
	if printf '%s\n' "$1" | grep -Eiq -- "$2"; then ok 0 "$3"; else
		ok 1 "$3"; diag "  got: '$1'"; diag "  expected to match: /$2/"
	fi
}
diag() { echo "# $*" >&2; }
bail() { echo "Bail out! $*"; exit 255; }

# --- set-up and clean-up ------------------------------------------------------

need() {	# need PROGRAM...: fail (not skip) when something is missing
	local p
	for p in "$@"; do
		command -v "$p" >/dev/null 2>&1 || [ -x "$p" ] ||
			bail "missing: $p (build it with make, or install it)"
	done
}

lib_init() {	# lib_init PLAN
	[ "$(id -u)" -eq 0 ] || bail "host tests need root (network namespaces, raw GRE)"
	need ip nsenter python3 "$PEER"
	echo "1..$1"
	TMP=$(mktemp -d /tmp/pc-host.XXXXXX) || bail "mktemp failed"
	CONF=$TMP/pptpd-client.conf
	SOCK=$TMP/sock
	PEER_LOG=$TMP/peer.log
	mkdir -p "$FAKEPPPD_DIR"
	FAKE_CONF=$FAKEPPPD_DIR/$TUN.conf
	FAKE_STATS=$FAKEPPPD_DIR/$TUN.stats.json
	trap lib_cleanup EXIT
	trap 'exit 130' INT TERM HUP
}

_kill_wait() {	# _kill_wait PID: SIGTERM, then SIGKILL after 3 s
	local pid=$1 i
	kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null
	for i in $(seq 30); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
}

lib_cleanup() {
	local rc=$? pid ns
	trap - EXIT
	if [ "$_tap_failed" -gt 0 ] && [ -n "$TMP" ]; then
		for f in "$TMP"/daemon.log "$PEER_LOG" "$TMP"/peer.err "$FAKE_STATS"; do
			[ -s "$f" ] || continue
			diag "--- $f (last 40 lines)"
			tail -n 40 "$f" | sed 's/^/# /' >&2
		done
	fi
	[ -n "$DAEMON_PID" ] && _kill_wait "$DAEMON_PID"
	for pid in $_bg_pids $PEER_PID $CAPTURE_PID; do _kill_wait "$pid"; done
	# whatever is still alive in our own namespaces (e.g. fakepppd left
	# by a daemon that died) is ours too
	for ns in "$NS_CLI" "$NS_SRV"; do
		ip netns pids "$ns" 2>/dev/null | while read -r pid; do
			kill -KILL "$pid" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done
	ip link del "$VETH_CLI" 2>/dev/null
	rm -f "$FAKE_CONF" "$FAKE_STATS" "$FAKE_STATS.tmp"
	[ -n "$TMP" ] && rm -rf "$TMP"
	[ "$_tap_failed" -gt 0 ] && [ "$rc" -eq 0 ] && rc=1
	exit "$rc"
}

netns_setup() {
	ip netns add "$NS_SRV" || bail "ip netns add $NS_SRV failed"
	ip netns add "$NS_CLI" || bail "ip netns add $NS_CLI failed"
	ip link add "$VETH_CLI" type veth peer name "$VETH_SRV" ||
		bail "cannot create a veth pair (veth module missing?)"
	ip link set "$VETH_SRV" netns "$NS_SRV"
	ip link set "$VETH_CLI" netns "$NS_CLI"
	ip -n "$NS_SRV" addr add $SRV_IP/24 dev "$VETH_SRV"
	ip -n "$NS_CLI" addr add $CLI_IP/24 dev "$VETH_CLI"
	ip -n "$NS_SRV" link set lo up
	ip -n "$NS_CLI" link set lo up
	ip -n "$NS_SRV" link set "$VETH_SRV" up
	ip -n "$NS_CLI" link set "$VETH_CLI" up
}

# nsenter execs in place (ip netns exec forks). In the background call
# nsenter itself, not these functions: `func &` forks a subshell, and $!
# would not be the program.
in_srv() { nsenter --net="/run/netns/$NS_SRV" "$@"; }
in_cli() { nsenter --net="/run/netns/$NS_CLI" "$@"; }

bg() {	# bg CMD...: run in the background, killed by the cleanup
	"$@" &
	_bg_pids="$_bg_pids $!"
	BG_PID=$!
}

# --- the scripted server -------------------------------------------------------

peer_start() {	# peer_start [pptp-peer options]: in the server namespace
	local i
	rm -f "$TMP/peer.ready"
	nsenter --net="/run/netns/$NS_SRV" "$PYTHON" "$PEER" --addr $SRV_IP --log "$PEER_LOG" \
	    --ready-file "$TMP/peer.ready" "$@" 2>"$TMP/peer.err" &
	PEER_PID=$!
	for i in $(seq 50); do
		if [ -s "$TMP/peer.ready" ]; then
			PEER_PID=$(cat "$TMP/peer.ready")
			return 0
		fi
		kill -0 "$PEER_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$TMP/peer.err" >&2
	bail "pptp-peer did not start"
}

# peer_count FILTER...: number of log records matching every key=value
# (values compared as strings; ev=ctrl_rx type=StopCCRQ ...)
peer_count() {
	"$PYTHON" - "$PEER_LOG" "$@" <<'EOF'
import json, sys
n = 0
want = [a.split("=", 1) for a in sys.argv[2:]]
try:
    for line in open(sys.argv[1]):
        r = json.loads(line)
        if all(str(r.get(k)) == v for k, v in want):
            n += 1
except FileNotFoundError:
    pass
print(n)
EOF
}

# peer_field FIELD FILTER...: FIELD of the first matching record
peer_field() {
	local field=$1; shift
	"$PYTHON" - "$PEER_LOG" "$field" "$@" <<'EOF'
import json, sys
want = [a.split("=", 1) for a in sys.argv[3:]]
for line in open(sys.argv[1]):
    r = json.loads(line)
    if all(str(r.get(k)) == v for k, v in want):
        print(r.get(sys.argv[2], ""))
        break
EOF
}

# peer_order EV_TYPE...: 0 if the client's control messages of these types
# appear in the log in this order (e.g. CCR StopCCRQ)
peer_order() {
	"$PYTHON" - "$PEER_LOG" "$@" <<'EOF'
import json, sys
want = sys.argv[2:]
got = [json.loads(l).get("type") for l in open(sys.argv[1])
       if json.loads(l).get("ev") == "ctrl_rx"]
i = 0
for t in got:
    if i < len(want) and t == want[i]:
        i += 1
sys.exit(0 if i == len(want) else 1)
EOF
}

# --- fakepppd -------------------------------------------------------------------

fake_conf() {	# fake_conf "key value"...: what fakepppd does for $TUN
	printf '%s\n' "$@" >"$FAKE_CONF"
}

fake_stat() {	# fake_stat KEY[.SUB]: from fakepppd's stats file
	"$PYTHON" - "$FAKE_STATS" "$1" <<'EOF'
import json, sys
try:
    v = json.load(open(sys.argv[1]))
except (FileNotFoundError, ValueError):
    sys.exit(0)
for k in sys.argv[2].split("."):
    v = v.get(k, "") if isinstance(v, dict) else ""
print(str(v).lower() if isinstance(v, bool) else v)
EOF
}

# --- the daemon -------------------------------------------------------------------

# conf_write [LINE...]: a config with one tunnel $TUN to the peer; extra
# lines go inside the tunnel block. Root-owned, 0600, like the daemon wants.
conf_write() {
	local l
	umask 077
	printf 'secret-%s\n' "$$" >"$TMP/password"
	{
		echo "firewall none"
		echo "pppd \"$FAKEPPPD\""
		echo "control-socket \"$SOCK\""
		echo "tunnel \"$TUN\" {"
		echo "	server $SRV_IP"
		echo "	username \"alice\""
		echo "	password-file \"$TMP/password\""
		for l in "$@"; do echo "	$l"; done
		echo "}"
	} >"$CONF"
	chmod 600 "$CONF" "$TMP/password"
	umask 022
}

ctl() { "$PPTPCTL" -s "$SOCK" "$@"; }

daemon_start() {
	local i
	need "$DAEMON" "$PPTPCTL" "$FAKEPPPD"
	nsenter --net="/run/netns/$NS_CLI" "$DAEMON" -d -v -f "$CONF" -s "$SOCK" >"$TMP/daemon.log" 2>&1 &
	DAEMON_PID=$!
	for i in $(seq 50); do
		[ -S "$SOCK" ] && ctl status >/dev/null 2>&1 && return 0
		kill -0 "$DAEMON_PID" 2>/dev/null || break
		sleep 0.1
	done
	diag "daemon log:"; sed 's/^/# /' "$TMP/daemon.log" >&2
	bail "pptpd-client did not start or does not answer on $SOCK"
}

daemon_alive() { kill -0 "$DAEMON_PID" 2>/dev/null; }

# json_field NAME KEY: read JSON on stdin, find tunnel NAME's object (a
# dict with "name": NAME anywhere, or the value of a key NAME) and print
# KEY from it, searching nested objects of the tunnel too. Prints nothing
# if absent.
json_field() {
	"$PYTHON" -c '
import json, sys
name, key = sys.argv[1], sys.argv[2]
try:
    doc = json.load(sys.stdin)
except ValueError:
    sys.exit(0)
def tunnels(v):
    if isinstance(v, dict):
        if v.get("name") == name or v.get("tunnel") == name:
            yield v
        for k, x in v.items():
            if k == name and isinstance(x, dict):
                yield x
            yield from tunnels(x)
    elif isinstance(v, list):
        for x in v:
            yield from tunnels(x)
def find(v):
    if isinstance(v, dict):
        if key in v and not isinstance(v[key], (dict, list)):
            return v[key]
        for x in v.values():
            r = find(x)
            if r is not None:
                return r
    elif isinstance(v, list):
        for x in v:
            r = find(x)
            if r is not None:
                return r
    return None
for t in tunnels(doc):
    r = find(t)
    if r is not None:
        print(str(r).lower() if isinstance(r, bool) else r)
        break
' "$1" "$2"
}

state() { ctl -j status "$TUN" 2>/dev/null | json_field "$TUN" state; }
last_error() { ctl -j status "$TUN" 2>/dev/null | json_field "$TUN" last_error; }
counter() { ctl -j show counters "$TUN" 2>/dev/null | json_field "$TUN" "$1"; }

# wait_state "STATE..." SECONDS: until the tunnel is in one of the states;
# 0 if reached, 1 on timeout (the last state seen is in $STATE)
wait_state() {
	local want=$1 deadline s
	deadline=$(($(date +%s%N) / 1000000 + ${2:-10} * 1000))
	while :; do
		STATE=$(state)
		for s in $want; do [ "$STATE" = "$s" ] && return 0; done
		[ "$(($(date +%s%N) / 1000000))" -ge "$deadline" ] && return 1
		sleep 0.1
	done
}

# wait_for SECONDS CMD...: until CMD succeeds; 0 if it did, 1 on timeout
wait_for() {
	local deadline
	deadline=$(($(date +%s%N) / 1000000 + $1 * 1000)); shift
	until "$@"; do
		[ "$(($(date +%s%N) / 1000000))" -ge "$deadline" ] && return 1
		sleep 0.1
	done
}

# tunnel_up: start the tunnel and wait until the call is connected and
# PPP is running (with fakepppd there is no interface, so `ppp` is as far
# as it gets; `up` is accepted too)
tunnel_up() {
	ctl up "$TUN" >/dev/null 2>&1
	wait_state "ppp up" "${1:-10}"
}

# session PEER_OPTIONS...: namespaces, the peer with those options, a
# config with the tunnel lines in the array TUNNEL_LINES (may be unset),
# and the daemon. The tunnel is not started.
session() {
	netns_setup
	peer_start "$@"
	conf_write ${TUNNEL_LINES+"${TUNNEL_LINES[@]}"}
	daemon_start
}

# wait_stat SECONDS KEY OP VALUE: until fakepppd's stat KEY OP VALUE
wait_stat() {
	local t=$1 k=$2 op=$3 v=$4
	_stat_ok() { local g; g=$(fake_stat "$k"); [ -n "$g" ] && [ "$g" "$op" "$v" ]; }
	wait_for "$t" _stat_ok
}

# wait_counter SECONDS KEY OP VALUE: until the daemon's counter KEY OP VALUE
wait_counter() {
	local t=$1 k=$2 op=$3 v=$4
	_ctr_ok() { local g; g=$(counter "$k"); [ -n "$g" ] && [ "$g" "$op" "$v" ]; }
	wait_for "$t" _ctr_ok
}

# wait_peer SECONDS FILTER...: until the peer logged a matching record
wait_peer() {
	local t=$1; shift
	_peer_ok() { [ "$(peer_count "$@")" -gt 0 ]; }
	wait_for "$t" _peer_ok "$@"
}

# --- wire check with Wireshark's dissector ---------------------------------------

capture_start() {	# capture_start FILE: tcpdump on the client's veth
	need tcpdump
	nsenter --net="/run/netns/$NS_CLI" tcpdump --immediate-mode -i "$VETH_CLI" -w "$1" -U -s 0 2>"$TMP/tcpdump.err" &
	CAPTURE_PID=$!
	wait_for 5 grep -q listening "$TMP/tcpdump.err" ||
		bail "tcpdump did not start: $(cat "$TMP/tcpdump.err")"
}

capture_stop() {
	sleep 0.3
	_kill_wait "$CAPTURE_PID"
}

_tshark() { tshark -o gui.column.format:'"No.","%m"' "$@" 2>/dev/null; }

# wire_check FILE SRC PEER_CALL_ID: 12 TAP tests on what SRC sent: nothing
# Wireshark calls malformed or warns about, and the decoded fields of the
# Start-Control-Connection-Request, Outgoing-Call-Request and GRE.
wire_check() {
	local f=$1 src=$2 peer_cid=$3 n bad v fr be
	need tshark
	n=$(_tshark -r "$f" -Y "ip.src==$src && pptp" -T fields -e frame.number | wc -l)
	cmp_ok "$n" -ge 2 "capture holds our PPTP control messages ($n)"
	# a TCP reset at the end of a session is the kernel's answer to a
	# peer that closed first: a TCP matter, not a malformed message
	bad=$(_tshark -r "$f" -Y "ip.src==$src && !tcp.flags.reset==1 && (_ws.malformed || _ws.expert.severity >= 0x00600000)" \
	    -T fields -e frame.number | tr '\n' ' ')
	is "$bad" "" "no packet we sent is malformed or gets an expert warning"
	if [ -n "$bad" ]; then
		_tshark -r "$f" -q -z expert | sed 's/^/# /' >&2
	fi
	n=$(_tshark -r "$f" -V -Y "ip.src==$src && !tcp.flags.reset==1" |
	    grep -Eci 'Malformed Packet|Expert Info \((Warning|Error)')
	is "$n" 0 "tshark -V shows no malformed packet or warning from us"

	v=$(_tshark -r "$f" -Y "ip.src==$src && pptp.control_message_type==1" -T fields \
	    -e pptp.protocol_version -e pptp.framing_capabilities \
	    -e pptp.bearer_capabilities -e pptp.magic_cookie | head -1)
	set -- $v
	is "${1:-}" 256 "SCCRQ protocol version 1.0 (0x0100)"
	fr=${2:-0}; be=${3:-0}
	[ "$fr" -ge 1 ] && [ "$fr" -le 3 ] && [ $((fr & 1)) -eq 1 ]
	ok $? "SCCRQ framing capabilities ($fr) include async, nothing unknown"
	[ "$be" -ge 1 ] && [ "$be" -le 3 ]
	ok $? "SCCRQ bearer capabilities ($be) analog and/or digital"

	v=$(_tshark -r "$f" -Y "ip.src==$src && pptp.control_message_type==7" -T fields \
	    -e pptp.call_id -e pptp.packet_receive_window_size \
	    -e pptp.framing_type -e pptp.bearer_type \
	    -e pptp.minimum_bps -e pptp.maximum_bps | head -1)
	set -- $v
	cmp_ok "${1:-0}" -ne 0 "OCRQ call id is nonzero (${1:-none})"
	[ "${2:-0}" -ge 1 ] && [ "${2:-0}" -le 64 ]
	ok $? "OCRQ packet receive window size ${2:-none} in 1..64"
	[ "${3:-0}" -ge 1 ] && [ "${3:-0}" -le 3 ]
	ok $? "OCRQ framing type ${3:-none} is async/sync"
	[ "${4:-0}" -ge 1 ] && [ "${4:-0}" -le 3 ]
	ok $? "OCRQ bearer type ${4:-none} is analog/digital/any"
	[ "${5:-x}" -le "${6:-0}" ] 2>/dev/null
	ok $? "OCRQ minimum BPS ${5:-none} <= maximum BPS ${6:-none}"

	v=$(_tshark -r "$f" -Y "ip.src==$src && ip.proto==47" -T fields \
	    -e gre.flags.version -e gre.proto -e gre.key.call_id | sort | uniq -c |
	    awk '{print $2, $3, $4}' | tr '\n' ';')
	is "$v" "1 0x880b $peer_cid;" "every GRE packet we sent: version 1, PPP, the peer's call id"
}
