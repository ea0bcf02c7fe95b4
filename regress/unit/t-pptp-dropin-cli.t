#!/bin/sh
# The drop-in pptp (pptpd-client/pptp-pptpd-client) as pppd, a peers file
# or a person runs it: exit statuses and messages for its command line,
# and, as root, a server that refuses the connection: a message naming
# it, status 1, and no engine left behind; --localbind and --rtmark on
# its sockets, SIGTERM and SIGKILL during the handshake; and an engine that sends what
# it must not (regress/unit/pptp-dropin-forge, whose engine forges on
# request): killed, named, status 1.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/regress/tap.sh"
pptp=${DROPIN:-$top/pptpd-client/pptp-pptpd-client}
forge=${DROPIN_FORGE:-$top/regress/unit/pptp-dropin-forge}
tmp=
rc=
on_exit '[ -n "$tmp" ] && rm -rf "$tmp"'

need "$pptp" "$forge" python3 unshare ip ss
tmp=$(mktemp -d /tmp/t-pptp-dropin.XXXXXX) || abort "mktemp failed"

# run ARGS...: the drop-in, output in $tmp/out and $tmp/err, status in $rc
run() {
	"$pptp" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
}
# refused WANT NAME: the last run exited 2 and its stderr holds WANT
refused() {
	if [ "$rc" -eq 2 ] && grep -qF -- "$1" "$tmp/err"; then
		pass "$2"
	else
		fail "$2" "rc=$rc, stderr:" "$(cat "$tmp/err")"
	fi
}

run 192.0.2.1 --nolaunchpppd --frobnicate
refused "unknown option --frobnicate" "an unknown option: exit 2, named"
run 192.0.2.1 --nolaunchpppd --frobnicate=yes
refused "unknown option --frobnicate" "an unknown option with a value: named without it"
run 192.0.2.1 --nolaunchpppd --phone 555
refused "--phone: a pptp-linux option this drop-in does not support" "pptp-linux's --phone: not supported, said so"
run 192.0.2.1 --nolaunchpppd --loglevel
refused "--loglevel: needs a value" "--loglevel without its value"
run 192.0.2.1 --nolaunchpppd --timeout 11
refused "--timeout: bad value '11'" "--timeout out of range"
run 192.0.2.1
refused "--nolaunchpppd is required" "without --nolaunchpppd (it never starts pppd)"
run --nolaunchpppd
refused "no server given" "no server"
is "$(wc -c <"$tmp/out")" 0 "nothing on standard output (it is pppd's pty)"
run --help
is "$rc" 0 "--help: exit 0"
like "$(cat "$tmp/out")" '--nolaunchpppd' "--help lists the options"

if [ "$(id -u)" = 0 ]; then
	# 127.0.0.1 port 1723: nothing listens there on a machine that runs
	# no PPTP server (checked first)
	if (exec 3<>/dev/tcp/127.0.0.1/1723) 2>/dev/null; then
		fail "127.0.0.1:1723 is free for the refused-connection test" "something listens there"
	else
		timeout 20 "$pptp" 127.0.0.1 --nolaunchpppd --log-stderr --loglevel 2 >"$tmp/out" 2>"$tmp/err" </dev/null &
		p=$!
		wait "$p"
		rc=$?
		is "$rc" 1 "connection refused: exit 1"
		like "$(cat "$tmp/err")" '127\.0\.0\.1:1723: Connection refused' "and the message names the server and the reason"
		e=$(sed -n 's/.*engine started, pid \([0-9][0-9]*\).*/\1/p' "$tmp/err")
		if [ -z "$e" ]; then
			fail "the engine was started (its pid logged)" "$(cat "$tmp/err")"
		else
			refute "the engine ($e) is gone with it" test -d "/proc/$e"
		fi
	fi

	# forged WHAT WANT: the forging engine, in a network namespace of its
	# own where something listens on 127.0.0.1:1723, sends WHAT
	forged() {
		unshare -n sh -c 'ip link set lo up && exec python3 -c "
import socket, subprocess, sys
s = socket.socket()
s.bind((\"127.0.0.1\", 1723))
s.listen(1)
sys.exit(subprocess.call(sys.argv[1:], stdin=subprocess.DEVNULL))
" "$@"' sh timeout 20 "$forge" 127.0.0.1 --nolaunchpppd --log-stderr \
			--loglevel 2 --logstring "forge-$1" >"$tmp/out" 2>"$tmp/err"
		rc=$?
		if [ "$rc" -eq 1 ] && grep -qF -- "$2" "$tmp/err" &&
		    grep -qF "; killing it" "$tmp/err"; then
			pass "an engine that sends $1: killed, said why, exit 1"
		else
			fail "an engine that sends $1: killed, said why, exit 1" \
				"rc=$rc, stderr:" "$(cat "$tmp/err")"
		fi
		e=$(sed -n 's/.*engine started, pid \([0-9][0-9]*\).*/\1/p' "$tmp/err")
		refute "and it ($e) is gone" test -z "$e" -o -d "/proc/$e"
	}
	forged generation "M_ENGINE_STATE about tunnel 1 call 2, which it was never given"
	forged tunnel "M_ENGINE_STATE about tunnel 2 call 1, which it was never given"
	forged counters "M_COUNTERS, which it was not asked for"
	forged length "M_ENGINE_STATE: length"

	# --localbind and --rtmark on the sockets it hands over, and SIGTERM
	# during the handshake: the listener (in a namespace of its own with
	# 127.0.0.2 on lo) takes the Start-Control-Connection-Request, which
	# proves the engine has the socket, lists the sockets, then signals
	cat >"$tmp/listen.py" <<'EOP'
import os, signal, socket, subprocess, sys
s = socket.socket()
s.bind(("127.0.0.1", 1723))
s.listen(1)
p = subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL)
c, peer = s.accept()
c.settimeout(15)
print("from %s, %d bytes" % (peer[0], len(c.recv(156))), flush=True)
subprocess.call(["ss", "-tne", "dst", "127.0.0.1:1723"])
subprocess.call(["cat", "/proc/net/raw"])
sys.stdout.flush()
p.send_signal(getattr(signal, os.environ.get("SIG", "SIGTERM")))
print("exit %d" % p.wait(timeout=10))
EOP
	unshare -n sh -c 'ip link set lo up && ip addr add 127.0.0.2/8 dev lo &&
		exec python3 "$0" "$@"' "$tmp/listen.py" timeout 20 "$pptp" \
		127.0.0.1 --nolaunchpppd --log-stderr --rtmark 0x2a \
		--localbind 127.0.0.2 >"$tmp/out" 2>"$tmp/err"
	out=$(cat "$tmp/out")
	like "$out" '^from 127\.0\.0\.2, 156 bytes$' "--localbind 127.0.0.2: the connection comes from there, and the engine sends its request"
	like "$out" '127\.0\.0\.2:[0-9]+ +127\.0\.0\.1:1723 .*fwmark:0x2a' "--rtmark 0x2a: the TCP socket carries the mark"
	like "$out" '^ *[0-9]+: 0200007F:002F 0100007F:0000 ' "the GRE socket is bound to 127.0.0.2 and connected to the server"
	like "$out" '^exit 0$' "SIGTERM during the handshake: exit 0"
	like "$(cat "$tmp/err")" 'SIGTERM: ending the call' "and it says why it ends"

	# SIGKILL: the engine loses its channel and ends by itself
	SIG=SIGKILL unshare -n sh -c 'ip link set lo up && ip addr add 127.0.0.2/8 dev lo &&
		exec python3 "$0" "$@"' "$tmp/listen.py" "$pptp" 127.0.0.1 \
		--nolaunchpppd --log-stderr --loglevel 2 >"$tmp/out" 2>"$tmp/err"
	like "$(cat "$tmp/out")" '^exit -9$' "SIGKILL in the handshake"
	e=$(sed -n 's/.*engine started, pid \([0-9][0-9]*\).*/\1/p' "$tmp/err")
	check "its engine ($e) ends by itself (5 s)" wait_for 5 eval "[ -n '$e' ] && [ ! -d /proc/$e ]"
else
	diag "not root: the connection, sockets and forgery tests are left out"
fi
done_testing
