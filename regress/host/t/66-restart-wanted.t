#!/bin/bash
# A daemon killed with SIGKILL and started again brings back the tunnel a
# person had brought up, and leaves down the one they had taken down: the
# wish is kept in a small root-owned file beside the control socket.
. "$(dirname "$0")/../lib.sh"
lib_init 9
fake_conf "tx_frames 2"
session
WANTED=$SOCK.wanted

# the daemon's children, and the server's side of our old connection:
# the scripted server takes one connection at a time, so the restarted
# daemon must not meet the old one still open
children_of() { cat /proc/"$1"/task/*/children 2>/dev/null; }
server_conns() { in_srv ss -Htn state established sport = :1723 | wc -l; }
kill9_and_restart() {
	local old=$DAEMON_PID kids
	kids=$(children_of "$old")
	kill -9 "$old"
	wait "$old" 2>/dev/null
	# its children notice the lost channel and go; pppd its hung-up pty
	_gone() { local k; for k in $kids; do kill -0 "$k" 2>/dev/null && return 1; done; return 0; }
	wait_for 10 _gone || diag "children of $old still there: $kids"
	_closed() { [ "$(server_conns)" -eq 0 ]; }
	wait_for 10 _closed || diag "the server still has $(server_conns) connection(s)"
	daemon_start
}

tunnel_up 10
ok $? "tunnel reaches ppp (state: $STATE)"
is "$(cat "$WANTED" 2>/dev/null)" "up $TUN" "the wanted-state file names it"
like "$(stat -c '%U %a' "$WANTED" 2>/dev/null)" "^root 600$" "root's, mode 0600"

kill9_and_restart
# the restored tunnel may have got there before the monitor started:
# its state is read as it is (and the monitor's record shown if not)
in_ppp() { STATE=$(state); [ "$STATE" = ppp ] || [ "$STATE" = up ]; }
if wait_for 10 in_ppp; then
	pass "after SIGKILL and a restart it comes back by itself (state: $STATE)"
else
	fail "after SIGKILL and a restart it comes back by itself (state: $STATE)"
	diag "monitor (snapshot $SNAP_STATE):" "$(cat "$MON_FILE")" \
	    "daemon log:" "$(cat "$TMP/daemon.log")"
fi
grep -q "was wanted up before the restart" "$TMP/daemon.log"
ok $? "the log says why it came up"

ctl down "$TUN" >/dev/null 2>&1
is "$(cat "$WANTED" 2>/dev/null)" "" "after down the file names no tunnel"
kill9_and_restart
# the restore runs before the daemon answers: down now means it stays down
is "$(state)" down "after SIGKILL and a restart, what was taken down stays down"

# a file others may write is not believed
echo "up $TUN" >"$WANTED"; chmod 0666 "$WANTED"
kill9_and_restart
is "$(state)" down "a wanted file that others may write is ignored"
grep -q "not a root-owned file that only root may write" "$TMP/daemon.log"
ok $? "and the log says so"
