#!/bin/bash
# An engine that stops reading its channel (stopped here with SIGSTOP, as
# a compromised or wedged one would behave) must not make the parent keep
# what it passed it. `down` finds the engine missing its deadline for the
# stop: the engine is killed and a fresh one started, and the TCP
# connection to the server, the GRE socket and the pty are gone with it.
. "$(dirname "$0")/../lib.sh"
lib_init 9
fake_conf "tx_frames 2"
session

engine_pid() {
	local c
	for c in $(cat /proc/"$DAEMON_PID"/task/*/children 2>/dev/null); do
		tr '\0' ' ' <"/proc/$c/cmdline" 2>/dev/null |
		    grep -q -- "engine" && { echo "$c"; return 0; }
	done
	return 1
}
parent_fds() { ls /proc/"$DAEMON_PID"/fd 2>/dev/null | wc -l; }
tcp_to_server() {
	in_cli ss -Htn state established dst "$SRV_IP" dport = :1723 | wc -l
}

tunnel_up 10
ok $? "tunnel reaches ppp (state: $STATE)"
ctl down "$TUN" >/dev/null 2>&1
wait_state down 10
baseline=$(parent_fds)
old=$(engine_pid)
kill -STOP "$old"

# Each `up` hands the engine a TCP socket, a GRE socket and a pty; with the
# engine stopped, none of them is ever taken. `down` must settle anyway.
ctl up "$TUN" >/dev/null 2>&1
wait_state calling 10
ok $? "with the engine stopped, up gets as far as calling (state: $STATE)"
start=$(date +%s)
ctl down "$TUN" >/dev/null 2>&1
ok $? "pptpctl down returns"
# pppd's stop (at most 4 s) and the engine's deadline (3 s) are the
# bounds the parent promises; 15 s leaves room for a loaded machine
cmp_ok $(( $(date +%s) - start )) -le 15 "down settled within its deadlines"
is "$(state)" down "state is down"

new=$(wait_for 5 engine_pid >/dev/null; engine_pid)
if [ -n "$new" ] && [ "$new" != "$old" ]; then ok 0 "the engine was killed and a fresh one started"
else ok 1 "the engine was killed and a fresh one started (old $old, now '$new')"; fi
kill -0 "$old" 2>/dev/null
ok $((! $?)) "the stopped engine is gone"
_settled() { [ "$(parent_fds)" -le "$baseline" ] && [ "$(tcp_to_server)" -eq 0 ]; }
wait_for 5 _settled
ok $? "the parent holds no more descriptors than before, no TCP to 1723 is left (fds $(parent_fds), before $baseline; tcp $(tcp_to_server))"
tunnel_up 10
ok $? "the tunnel comes up again with the fresh engine (state: $STATE)"
