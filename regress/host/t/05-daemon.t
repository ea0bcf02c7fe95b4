#!/bin/bash
# The daemon's processes (issue 2): each child sandboxed (non-root, no new
# privileges, seccomp, empty chroot) and named by role; a child killed with
# SIGKILL is logged and replaced while pptpctl keeps answering; SIGTERM
# ends the daemon with its socket and children.
. "$(dirname "$0")/../daemon/lib.sh"

dl_init 60
dl_netns
dl_conf
dl_start

# --- 1. the sandbox of each child ----------------------------------------------
is "$(status_field "$DPID" Uid | tr -s '\t ' ' ')" "0 0 0 0" \
    "parent ($DPID) stays root"
like -i "$(tr '\0' ' ' <"/proc/$DPID/cmdline")" "parent" \
    "parent's process title names it"
# the parent holds the passwords: no core file may carry them
is "$(awk '/^Max core file size/ { print $5 }' /proc/"$DPID"/limits)" 0 \
    "the parent cannot dump core (its core size limit is 0)"
ENGINE=$(child_pid engine)
CONTROL=$(child_pid control)
check_child engine "$ENGINE"
check_child control "$CONTROL"
is "$(cat /proc/"$DPID"/task/*/children | wc -w)" 2 \
    "the parent has exactly two children (engine, control)"

# --- 2. a child killed with SIGKILL is replaced ---------------------------------
restart_case() {	# ROLE OLDPID
	local role=$1 old=$2 new other_before other_after
	other_before=$(child_pid "$3")
	kill -KILL "$old"
	new=$(wait_new_child "$role" "$old" 8)
	ok $? "$role killed with SIGKILL: a new $role is running within 8 s"
	[ -n "$new" ] || abort "no new $role: the rest of the test needs one"
	check_child "$role" "$new"
	tunnels_listed
	ok $? "after the $role's death pptpctl status lists every tunnel"
	like -i "$(grep -E "\\b$role\\b.*\\b$old\\b" "$LOG")" \
	    "signal 9|SIGKILL|killed" \
	    "the daemon log names the $role (pid $old) and the signal"
	other_after=$(child_pid "$3")
	is "$other_after" "$other_before" "the $3 was left alone"
	kill -0 "$DPID" 2>/dev/null
	ok $? "the parent is still running"
	NEW=$new
}
restart_case engine "$ENGINE" control
ENGINE=$NEW
restart_case control "$CONTROL" engine
CONTROL=$NEW

# engine_queued PID: bytes waiting in the engine's socket from the parent
# (the engine has one socket; its Recv-Q, as ss shows it)
engine_queued() {
	nsenter --net="/run/netns/$NS" ss -xpn |
	    awk -v p="pid=$1," 'index($0, p) { print $3; exit }'
}
# request_at_engine PID BEFORE: a request has reached the stopped engine
request_at_engine() { local q; q=$(engine_queued "$1"); [ "${q:-0}" -gt "$2" ]; }

# a request in flight when the engine dies must still be answered: stop
# the engine so that `show counters` waits on it, then kill it
kill -STOP "$ENGINE"
queued=$(engine_queued "$ENGINE")
( "$TMP/pptpctl" -s "$SOCK" show counters >/dev/null 2>"$TMP/inflight.err"
  echo $? >"$TMP/inflight.rc" ) 2>/dev/null &
INFLIGHT=$!
wait_for 10 request_at_engine "$ENGINE" "${queued:-0}"
ok $? "show counters waits at the stopped engine (its request is queued there)"
kill -KILL "$ENGINE"
# what is tested is that the answer comes at all: pptpctl itself would
# give up after 60 s; 10 s is plenty for an answer that is due at once
wait_for 10 gone "$INFLIGHT"
answered=$?
ok $answered "show counters in flight when the engine dies is answered"
if [ $answered -ne 0 ]; then
	diag "  pptpctl show counters still waiting (it gives up after 60 s)"
	pkill -KILL -P "$INFLIGHT" 2>/dev/null
	kill -KILL "$INFLIGHT" 2>/dev/null
fi
wait "$INFLIGHT" 2>/dev/null
ENGINE=$(wait_new_child engine "$ENGINE" 8)
ok $? "... and a new engine runs after it"
[ -n "$ENGINE" ] || abort "no new engine"
ctl show counters >/dev/null 2>&1
is "$?" 0 "show counters works with the new engine"

# a reply to a request made through a control process that has since died
# must not reach another client of the new one (client ids start over):
# the engine is held so that the counters reply is late, the control
# killed, eight monitors connect to the new control, then the engine goes on
kill -STOP "$ENGINE"
queued=$(engine_queued "$ENGINE")
( "$TMP/pptpctl" -s "$SOCK" show counters ) >/dev/null 2>&1 &
LATE=$!
wait_for 10 request_at_engine "$ENGINE" "${queued:-0}"
ok $? "a second show counters waits at the stopped engine"
kill -KILL "$CONTROL"
CONTROL=$(wait_new_child control "$CONTROL" 8)
[ -n "$CONTROL" ] || abort "no new control"
wait "$LATE" 2>/dev/null
MONS=
for i in 1 2 3 4 5 6 7 8; do
	"$TMP/pptpctl" -s "$SOCK" monitor >"$TMP/mon$i.out" 2>&1 &
	MONS="$MONS $!"
done
# mon_saw N TEXT: monitor N printed TEXT, or has ended
mon_saw() { grep -q -- "$2" "$TMP/mon$1.out" || gone "$(echo $MONS | cut -d' ' -f"$1")"; }
mons_saw() { local i; for i in 1 2 3 4 5 6 7 8; do mon_saw $i "$1" || return 1; done; }
# every monitor is connected: it has printed its snapshot of both tunnels
wait_for 10 eval 'mons_saw " lab " && mons_saw " other "'
kill -CONT "$ENGINE"
# The late reply is on its way. A new counters request is answered only
# after it (the engine answers in order, the parent relays in order), and
# the state change of `up other` reaches each monitor after anything the
# reply could have become: once every monitor has printed that change,
# a stray reply would have ended it already.
ctl show counters >/dev/null 2>&1
ctl up other >/dev/null 2>&1
wait_for 10 mons_saw " other connecting"
alive=0
for p in $MONS; do kill -0 "$p" 2>/dev/null && alive=$((alive + 1)); done
is "$alive" 8 "after a control restart, late replies reach no other client: all 8 monitors still running"
stray=$(grep -h "unexpected" "$TMP"/mon*.out)
is "$stray" "" "no monitor received a reply to someone else's request"
for p in $MONS; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done

# a tunnel started after the restarts still reaches the (new) engine and
# parent: the server refuses and the error is reported
ctl up -w 5 lab >"$TMP/out" 2>&1
is "$?" 1 "up -w 5 lab after the restarts reaches the parent and fails (exit 1)"

# --- 7. SIGTERM ends everything ------------------------------------------------
CHILDREN=$(cat /proc/"$DPID"/task/*/children)
kill -TERM "$DPID"
# the bound tested is only "ends at all": 10 s is far beyond what a clean
# stop takes
wait_for 10 gone "$DPID"
gone=$?
ok $gone "SIGTERM: the daemon exits within 10 s"
if [ $gone -eq 0 ]; then
	wait "$DPID"
	is "$?" 0 "SIGTERM: exit status 0"
	DPID=
else
	ok 1 "SIGTERM: exit status 0"
fi
[ ! -e "$SOCK" ]
ok $? "SIGTERM: the control socket $SOCK is removed"
left=
for c in $CHILDREN; do
	# a zombie reparented to init means the parent did not wait for it
	st=$(status_field "$c" State 2>/dev/null | cut -c1)
	[ -n "$st" ] && left="$left $c($st,ppid $(status_field "$c" PPid 2>/dev/null))"
done
is "$left" "" "SIGTERM: the parent reaped its children before exiting (none left, not even orphaned zombies)"
# running_children: the children that still run (a zombie does not)
running_children() {
	local c st
	for c in $CHILDREN; do
		st=$(status_field "$c" State 2>/dev/null | cut -c1)
		[ -n "$st" ] && [ "$st" != Z ] && echo "$c"
	done
}
no_running_children() { [ -z "$(running_children)" ]; }
wait_for 5 no_running_children
is "$(running_children | tr '\n' ' ')" "" "SIGTERM: no child of the daemon keeps running"
is "$(ip netns pids "$NS" | wc -l)" 0 "no process left in the daemon's namespace"
