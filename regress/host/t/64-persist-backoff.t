#!/bin/bash
# persist yes against a server that refuses every call: the tunnel waits
# about 1 s, then 2, then 4 (each between half and all of it), status
# says when the next attempt is due and why it waits, reconnects counts
# the attempts, `up` while waiting tries at once and `down` stops it.
. "$(dirname "$0")/../lib.sh"
lib_init 12
TUNNEL_LINES=("persist yes" "reconnect-max 4")
session --ocrp 4

json() { ctl -j status "$TUN" 2>/dev/null | json_field "$TUN" "$1"; }
# wait_attempts N: until reconnects reaches N (each attempt is an event
# we wait for, however long the machine takes)
reconnects_at_least() { local r; r=$(json reconnects); [ -n "$r" ] && [ "$r" -ge "$1" ]; }

ctl up "$TUN" >/dev/null 2>&1
wait_state waiting 10
ok $? "a refused call with persist yes waits (state: $STATE)"
like "$(last_error)" "busy" "status says why it waits"
now=$(date +%s); next=$(json next_attempt)
# the first wait is between 0.5 and 1 s, rounded up to whole seconds
cmp_ok "$(( ${next:-0} - now ))" -le 2 "next attempt due within the first wait ($((next - now)) s)"
cmp_ok "${next:-0}" -ge "$now" "next attempt is not in the past"
like "$(ctl status "$TUN" 2>&1)" "next attempt: +in [0-9]+s" "human status shows the next attempt"

# the third wait is 2 to 4 s: time it from the second attempt's waiting
wait_for 15 reconnects_at_least 2
ok $? "it tried again by itself, twice (reconnects $(json reconnects))"
wait_state waiting 10
t0=$(date +%s%N)
wait_for 15 reconnects_at_least 3
ok $? "a third attempt followed"
waited=$(( ($(date +%s%N) - t0) / 1000000 ))
# 4 s capped by reconnect-max 4, jittered into 2..4 s; the lower bound is
# what shows the doubling, the upper one gets room for a slow machine
cmp_ok "$waited" -ge 1500 "the wait grew (${waited} ms after the second attempt)"
cmp_ok "$waited" -le 8000 "and stayed within reconnect-max (${waited} ms)"

wait_state waiting 10
calls() { peer_count ev=ctrl_rx type=OCRQ; }
more_calls() { [ "$(calls)" -gt "$1" ]; }
before=$(calls)
ctl up "$TUN" >/dev/null 2>&1
# `up` while waiting starts the attempt now, not at the due time (up to
# 4 s away); 2 s is ample for a connection on the same machine
wait_for 2 more_calls "$before"
ok $? "up while waiting tries at once"
wait_state waiting 10
ctl down "$TUN" >/dev/null 2>&1
is "$(state)" down "down while waiting settles down at once"
n=$(calls)
sleep_until=$(( $(date +%s) + 5 ))
# nothing may try again after down: give it longer than the longest wait
while [ "$(date +%s)" -lt "$sleep_until" ]; do sleep 0.5; done
is "$(calls)" "$n" "no attempt after down"
