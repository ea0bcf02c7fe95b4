# Shared helpers of the host-kernel tests (regress/host/t/*.t,
# regress/peer/t/*.t), on top of regress/tap.sh. Source it, then call
# lib_init. Every test gets two network namespaces of its own, pcsrv-$$
# (192.0.2.1) and pccli-$$ (192.0.2.2) joined by a veth pair, a temp
# directory, and a clean-up that always removes everything it made:
# processes, namespaces, files. Names carry the test's pid and the daemon
# gets a /run/pptpd-client of its own, so tests of two checkouts on one
# machine never meet.
#
#	. "$(dirname "$0")/../lib.sh"
#	lib_init 12			# TAP plan; root and the tools
#	netns_setup
#	peer_start --ocrp 4		# pptp-peer in the server namespace
#	conf_write [tunnel lines...]	# then daemon_start; ctl up "$TUN"
#	wait_state "ppp up" 10
#
# TAP (regress/tap.sh): ok STATUS NAME, is GOT WANT NAME, cmp_ok GOT OP
# WANT NAME, like GOT ERE NAME, diag MSG. Something missing is a failing
# test that names it (need), never a skip.
#
# Waiting is for events, never for a fixed time: the tunnel's states come
# from `pptpctl monitor` (every change, in order, even one that lasts a
# millisecond), the peer's doings from its log, fakepppd's from its stats
# file, the capture's from the capture file. Each wait has a deadline that
# only turns an event that never comes into a failure.

set -u
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DAEMON=$REPO/pptpd-client/pptpd-client
PPTPCTL=$REPO/pptpctl/pptpctl
PEER=$REPO/regress/peer/pptp-peer
FAKEPPPD=$REPO/regress/host/fakepppd/fakepppd
PAIR=$REPO/regress/peer/stdio-pair
PAIR_PID=
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
_bg_pids=
MON_FILE=
MON_PID=
MON_LINE=0
. "$REPO/regress/tap.sh"

# --- set-up and clean-up ------------------------------------------------------

lib_init() {	# lib_init PLAN
	plan "$1"
	need root ip nsenter unshare "$PYTHON" "$PEER"
	TMP=$(mktemp -d /tmp/pc-host.XXXXXX) || abort "mktemp failed"
	CONF=$TMP/pptpd-client.conf
	SOCK=$TMP/sock
	PEER_LOG=$TMP/peer.log
	MON_FILE=$TMP/monitor
	mkdir -p "$FAKEPPPD_DIR"
	FAKE_CONF=$FAKEPPPD_DIR/$TUN.conf
	FAKE_STATS=$FAKEPPPD_DIR/$TUN.stats.json
	on_exit lib_cleanup
}

now_ms() { _tap_now_ms; echo "$_tap_ms"; }

alive() { kill -0 "$1" 2>/dev/null; }
gone() { ! kill -0 "$1" 2>/dev/null; }

# _kill_wait PID: SIGTERM, and SIGKILL if it has not exited within 3 s
# (a process that ignores SIGTERM must not hang the clean-up)
_kill_wait() {
	local pid=$1
	alive "$pid" || return 0
	kill -TERM "$pid" 2>/dev/null
	wait_for 3 gone "$pid" || kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

lib_cleanup() {
	local pid ns f
	if [ "$TAP_FAILED" -gt 0 ] && [ -n "$TMP" ]; then
		for f in "$TMP"/daemon.log "$PEER_LOG" "$TMP"/peer.err "$FAKE_STATS" "$MON_FILE"; do
			[ -s "$f" ] || continue
			diag "--- $f (last 40 lines)" "$(tail -n 40 "$f")"
		done
	fi
	[ -n "$DAEMON_PID" ] && _kill_wait "$DAEMON_PID"
	for pid in $MON_PID $PAIR_PID $_bg_pids $PEER_PID $CAPTURE_PID; do _kill_wait "$pid"; done
	# whatever is still alive in our own namespaces (e.g. fakepppd left
	# by a daemon that died) is ours too
	for ns in "$NS_CLI" "$NS_SRV"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done
	ip link del "$VETH_CLI" 2>/dev/null
	rm -f "$FAKE_CONF" "$FAKE_STATS" "$FAKE_STATS.tmp"
	[ -n "$TMP" ] && rm -rf "$TMP"
}

netns_setup() {
	local ns
	# A namespace with our pid in its name that exists already was left
	# by a killed test that had the same pid: stale, not someone's.
	for ns in "$NS_SRV" "$NS_CLI"; do
		[ -e "/run/netns/$ns" ] && ip netns del "$ns" 2>/dev/null
		ip netns add "$ns" || abort "ip netns add $ns failed"
	done
	ip link del "$VETH_CLI" 2>/dev/null
	ip link add "$VETH_CLI" type veth peer name "$VETH_SRV" ||
		abort "cannot create a veth pair (veth module missing?)"
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

# pair_start [stdio-pair options] 'A' 'B': stdio-pair in the client
# namespace, in a mount namespace of its own with an empty /run: pptp-linux
# keeps a socket per server in /run/pptp, and would otherwise meet the
# pptp of another test (of another checkout) talking to the same address.
# pair_stop ends both sides (and returns stdio-pair's status).
pair_start() {
	nsenter --net="/run/netns/$NS_CLI" unshare -m sh -c \
	    'mount -t tmpfs -o mode=0755 tmpfs /run && mkdir /run/pptp && exec "$0" "$@"' \
	    "$PAIR" "$@" >>"$TMP/pair.log" 2>&1 &
	PAIR_PID=$!
}
pair_stop() {
	kill -TERM "$PAIR_PID" 2>/dev/null
	wait "$PAIR_PID"
}
pair_done() { gone "$PAIR_PID"; }

bg() {	# bg CMD...: run in the background, killed by the cleanup
	"$@" &
	_bg_pids="$_bg_pids $!"
	BG_PID=$!
}

# --- the scripted server -------------------------------------------------------

peer_start() {	# peer_start [pptp-peer options]: in the server namespace
	rm -f "$TMP/peer.ready"
	nsenter --net="/run/netns/$NS_SRV" "$PYTHON" "$PEER" --addr $SRV_IP --log "$PEER_LOG" \
	    --ready-file "$TMP/peer.ready" "$@" 2>"$TMP/peer.err" &
	PEER_PID=$!
	# the peer writes its pid to the ready file once it listens
	wait_for 10 _peer_up_or_gone
	if [ -s "$TMP/peer.ready" ]; then
		PEER_PID=$(cat "$TMP/peer.ready")
		return 0
	fi
	abort "pptp-peer did not start: $(cat "$TMP/peer.err")"
}
_peer_up_or_gone() { [ -s "$TMP/peer.ready" ] || gone "$PEER_PID"; }

# peer_count FILTER...: number of log records matching every key=value
# and key!=value (values compared as strings; ev=ctrl_rx type=StopCCRQ
# ...). A property of every record of a kind is one count that must be 0
# (type=EchoRP reserved0!=0): comparing two counts races with records
# the peer writes between them.
peer_count() {
	"$PYTHON" - "$PEER_LOG" "$@" <<'EOF'
import json, re, sys
n = 0
want = [re.match(r"([^!=]+)(!?=)(.*)", a).groups() for a in sys.argv[2:]]
try:
    for line in open(sys.argv[1]):
        r = json.loads(line)
        if all((str(r.get(k)) == v) == (op == "=") for k, op, v in want):
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

# gre_settled: the GRE exchange is over: we have acknowledged the last
# packet the peer sent (in an ack-only packet or on data). The peer sends
# no ack-only packets of its own, so after this, with fakepppd done
# sending, nothing more moves and the counters hold still.
gre_settled() {
	"$PYTHON" - "$PEER_LOG" <<'EOF'
import json, sys
last, acked = None, None
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r.get("ev") == "gre_tx" and r.get("seq") is not None:
        last = r["seq"] if last is None else max(last, r["seq"])
    elif r.get("ev") == "gre_rx" and r.get("ack") is not None:
        acked = r["ack"] if acked is None else max(acked, r["ack"])
sys.exit(0 if last is not None and acked is not None and acked >= last else 1)
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

# daemon_start: the daemon in the client namespace, and `pptpctl monitor`
# recording every state change of the tunnel in $MON_FILE (see wait_state)
daemon_start() {
	need "$DAEMON" "$PPTPCTL" "$FAKEPPPD"
	# with a /run/pptpd-client of its own (a mount namespace): nothing
	# it keeps there meets another test's daemon; nsenter, unshare and sh
	# exec in place, so $! is the daemon
	mkdir -p /run/pptpd-client
	nsenter --net="/run/netns/$NS_CLI" unshare -m sh -c \
	    'mount -t tmpfs -o mode=0755 tmpfs /run/pptpd-client && exec "$0" "$@"' \
	    "$DAEMON" -d -v -f "$CONF" -s "$SOCK" >"$TMP/daemon.log" 2>&1 &
	DAEMON_PID=$!
	wait_for 10 _daemon_answers_or_gone
	if ! daemon_alive || ! _daemon_answers; then
		abort "pptpd-client did not start or does not answer on $SOCK: $(cat "$TMP/daemon.log")"
	fi
	"$PPTPCTL" -s "$SOCK" monitor >"$MON_FILE" 2>"$TMP/monitor.err" &
	MON_PID=$!
	MON_LINE=0
	# the monitor's first line for the tunnel is its snapshot: a daemon
	# that brings a tunnel back by itself may be there already
	wait_for 10 _mon_seek "down connecting calling ppp up stopping waiting failed" ||
		abort "pptpctl monitor shows no snapshot of $TUN: $(cat "$MON_FILE" "$TMP/monitor.err")"
	SNAP_STATE=$_mon_state
}
_daemon_answers() { [ -S "$SOCK" ] && ctl status >/dev/null 2>&1; }
_daemon_answers_or_gone() { _daemon_answers || ! daemon_alive; }

daemon_alive() { kill -0 "$DAEMON_PID" 2>/dev/null; }

# The monitor's lines are "DATE TIME NAME STATE[: last error]" (or, for
# up, "NAME up IFACE LOCAL -> REMOTE"). MON_LINE counts the lines already
# used: a wait finds the first line after them with a wanted state and
# uses it, so each change is seen once and in order. Only whole lines
# count: pptpctl writes each with one flush.
_mon_seek() {	# _mon_seek "STATE...": sets _mon_state
	local -a lines
	local i d t name st rest w
	mapfile -s "$MON_LINE" lines <"$MON_FILE" || return 1
	for ((i = 0; i < ${#lines[@]}; i++)); do
		[[ ${lines[i]} == *$'\n' ]] || break
		read -r d t name st rest <<<"${lines[i]}"
		[ "$name" = "$TUN" ] || continue
		st=${st%:}
		_mon_last=$st
		for w in $1; do
			[ "$st" = "$w" ] || continue
			MON_LINE=$((MON_LINE + i + 1))
			_mon_state=$st
			return 0
		done
	done
	return 1
}

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

# wait_state "STATE..." SECONDS: until the monitor shows the tunnel
# entering one of the states (after the change used by the last wait);
# 0 if it did, 1 if not within SECONDS. $STATE is the state reached, or
# the last one seen.
wait_state() {
	_mon_last=
	if wait_for "${2:-10}" _mon_seek "$1"; then
		STATE=$_mon_state
		return 0
	fi
	STATE=${_mon_last:-$(state)}
	alive "$MON_PID" ||
		diag "pptpctl monitor has ended: $(cat "$TMP/monitor.err")"
	return 1
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

# capture_start FILE: tcpdump on the client's veth. --immediate-mode:
# without it libpcap hands packets over in blocks, at the latest after a
# second, and a capture stopped in between loses the last ones; -U then
# writes each packet to FILE as it comes.
capture_start() {
	need tcpdump
	CAPTURE_FILE=$1
	nsenter --net="/run/netns/$NS_CLI" tcpdump --immediate-mode -i "$VETH_CLI" \
	    -w "$1" -U -s 0 2>"$TMP/tcpdump.err" &
	CAPTURE_PID=$!
	wait_for 10 grep -q listening "$TMP/tcpdump.err" ||
		abort "tcpdump did not start: $(cat "$TMP/tcpdump.err")"
}

# captured FILTER: is a packet matching the pcap FILTER in the capture?
captured() { [ -n "$(tcpdump -n -r "$CAPTURE_FILE" -c 1 "$1" 2>/dev/null)" ]; }

# capture_wait SECONDS FILTER: until such a packet is in the capture file
capture_wait() { wait_for "$1" captured "$2"; }

# capture_stop: tcpdump ends on SIGTERM with every packet it has written
# (see capture_start); the caller has waited for the packets it needs.
capture_stop() { _kill_wait "$CAPTURE_PID"; CAPTURE_PID=; }

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
