#!/bin/bash
# The control socket and pptpctl (issue 2): who may change tunnels, garbage
# on the socket disturbing nobody else, errors users see, and the config
# check of pptpd-client -n.
. "$(dirname "$0")/../daemon/lib.sh"

dl_init 57
dl_netns
dl_users
dl_conf "control-group \"$CTLGROUP\""
dl_start
ENGINE=$(child_pid engine)
CONTROL=$(child_pid control)

# --- 3. permissions ----------------------------------------------------------------
is "$(stat -c '%a %U %G' "$SOCK")" "660 root $CTLGROUP" \
    "the control socket is 0660 root:control-group"

out=$(ctl_as "$U_OTHER" status 2>&1)
rc=$?
is "$rc" 3 "a user outside the group cannot open the 0660 socket: exit 3"
like -i "$out" "$SOCK" "... and the message names the socket path"

out=$(ctl_as "$U_MEMBER" up other 2>&1)
is "$?" 0 "a member of control-group (listed in /etc/group) may up: exit 0 ($out)"
out=$(ctl_as "$U_MEMBER" down other 2>&1)
is "$?" 0 "a member of control-group may down: exit 0 ($out)"
out=$(ctl_as "$U_PRIMARY" up other 2>&1)
is "$?" 0 "a user whose primary group is control-group may up: exit 0 ($out)"
ctl down other >/dev/null 2>&1
out=$(ctl_as "$U_MEMBER" status 2>&1)
is "$?" 0 "a member may read status"

# test-only: let everybody connect, to see that connecting is not enough
# to change anything
chmod 0666 "$SOCK"
out=$(ctl_as "$U_OTHER" status 2>&1)
is "$?" 0 "a non-member who can connect gets status: exit 0"
like -i "$out" "lab" "... listing the tunnels"
out=$(ctl_as "$U_OTHER" show counters 2>&1)
is "$?" 0 "a non-member gets show counters: exit 0"
for cmd in "up lab" "up" "down lab" "reload" "clear counters"; do
	out=$(ctl_as "$U_OTHER" $cmd 2>&1)
	rc=$?
	is "$rc" 3 "a non-member is refused '$cmd': exit 3"
	like -i "$out" "permission denied" "... with a message saying permission denied"
done
is "$(json_field lab state)" down "the refused up changed nothing: lab is down"

# --- 4. garbage on the socket ----------------------------------------------------------
fds_before=$(ls "/proc/$CONTROL/fd" | wc -l)
: >"$TMP/good.rc"
# A good client runs pptpctl status again and again while the garbage
# comes; the pause between its runs only keeps it from eating a core.
(
	while [ ! -e "$TMP/garbage.done" ]; do
		ctl status >/dev/null 2>>"$TMP/good.err"
		echo $? >>"$TMP/good.rc"
		sleep 0.05
	done
) &
GOOD=$!
good_runs() { wc -l <"$TMP/good.rc"; }
# good_ran_since N: the good client finished a run after it had done N
good_ran_since() { [ "$(good_runs)" -gt "$1" ]; }
for kind in random oversized just-over wrong-length truncated version \
    command name daemon-type fd-flag fds huge zeros; do
	out=$("$PYTHON" "$GARBAGE" "$SOCK" "$kind" 2>&1)
	ok $? "garbage '$kind': the connection is closed or refused ($out)"
	# the good client is served between two kinds of garbage
	wait_for 10 good_ran_since "$(good_runs)"
done
# the helper itself can tell an answered request from a refused one
out=$("$PYTHON" "$GARBAGE" "$SOCK" valid 2>&1)
like -i "$out" "^open: request accepted" "control: a valid request through the same helper is answered, not refused"
# and one client that connects and says nothing, and stays until the
# good client has been served twice more: it holds up nobody
"$PYTHON" -c '
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
open(sys.argv[2], "w").close()
end = time.monotonic() + 20
while not os.path.exists(sys.argv[3]) and time.monotonic() < end:
    time.sleep(0.02)
' "$SOCK" "$TMP/idle.connected" "$TMP/idle.release" &
IDLE=$!
wait_for 10 test -e "$TMP/idle.connected"
n=$(good_runs)
wait_for 10 good_ran_since $((n + 1))
ok $? "while a client sits on the socket saying nothing, the good client is served"
touch "$TMP/idle.release"
wait "$IDLE"
touch "$TMP/garbage.done"
wait "$GOOD"
n=$(good_runs)
bad=$(grep -vc '^0$' "$TMP/good.rc")
cmp_ok "$n" -ge 15 "the good client ran pptpctl status during the garbage ($n times)"
is "$bad" 0 "every one of the good client's pptpctl status succeeded"
[ -s "$TMP/good.err" ] && diag "$(head -5 "$TMP/good.err")"
is "$(child_pid engine) $(child_pid control)" "$ENGINE $CONTROL" \
    "the garbage restarted no child (same pids)"
out=$(grep -E 'killed by signal|exited with status|killing it' "$LOG")
is "$out" "" "the daemon log reports no child death"
# the control process closes what the garbage left as it notices
fds_now() { ls "/proc/$CONTROL/fd" | wc -l; }
wait_for 10 eval '[ "$(fds_now)" -le "$fds_before" ]'
is "$(fds_now)" "$fds_before" "the control process holds no descriptor more than before the garbage"
tunnels_listed
ok $? "pptpctl status still lists every tunnel"

# --- 5. errors a user sees -----------------------------------------------------------
out=$(ctl up -w 5 lab 2>&1)
is "$?" 1 "up -w 5 lab with nobody listening on $SRV_IP: exit 1 ($out)"
is "$(json_field lab state)" failed "status shows lab failed"
like -i "$(json_field lab last_error)" "refused|$SRV_IP" \
    "last_error says refused or names the address"
like -i "$(ctl status lab 2>&1)" "refused|$SRV_IP" \
    "the human status shows the error too"
out=$(ctl up nosuch 2>&1)
is "$?" 1 "up nosuch: exit 1"
like -i "$out" "nosuch" "... with a message naming the tunnel"
out=$("$TMP/pptpctl" -s /nonexistent/pcd.sock status 2>&1)
is "$?" 3 "-s /nonexistent/pcd.sock status: exit 3"
like -i "$out" "/nonexistent/pcd.sock" "... with a message naming the path"
out=$(ctl frobnicate 2>&1)
is "$?" 2 "an unknown command is a usage error: exit 2"

# --- 6. pptpd-client -n ----------------------------------------------------------------
out=$("$DAEMON" -n -f "$CONF" 2>&1)
is "$?" 0 "pptpd-client -n -f GOOD.conf: exit 0"
like -i "$out" "tunnel \"?lab\"?" "... prints the config with tunnel lab"
like -i "$out" "server \"?$SRV_IP" "... and its server"
BAD=$TMP/bad.conf
(umask 077; cat >"$BAD" <<EOF
firewall none
tunnel "lab" {
	server 192.0.2.999
	username "alice"
	frobnicate yes
}
EOF
)
out=$("$DAEMON" -n -f "$BAD" 2>&1)
is "$?" 1 "pptpd-client -n -f BAD.conf: exit 1"
like -i "$out" "$BAD:3:" "... reports the bad address as file:line (3)"
like -i "$out" "$BAD:5:" "... and the unknown keyword as file:line (5), not only the first error"
