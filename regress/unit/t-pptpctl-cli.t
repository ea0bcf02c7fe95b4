#!/bin/sh
# pptpctl as a user and a script see it: exit statuses, messages, human and
# JSON output, against nothing listening and against regress/unit/fake-ctl,
# a stand-in for the daemon's control process (see its header for the
# tunnels it pretends to have and its misbehaving modes).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/regress/tap.sh"
ctl=${PPTPCTL:-$top/pptpctl/pptpctl}		# overridable, e.g. by a sanitizer build
fake=${FAKE_CTL:-$top/regress/unit/fake-ctl}
fpid=
rc=
tmp=

cleanup() {
	[ -n "$fpid" ] && kill "$fpid" 2>/dev/null && wait "$fpid" 2>/dev/null
	[ -n "$tmp" ] && rm -rf "$tmp"
}
on_exit cleanup

need "$ctl" "$fake" jq ss
tmp=$(mktemp -d /tmp/t-pptpctl.XXXXXX) || abort "mktemp failed"
sock=$tmp/ctl.sock

# result STATUS NAME: a test on the last run; on failure its output
result() {
	if [ "$1" -eq 0 ]; then
		pass "$2"
	else
		fail "$2" "rc=$rc stdout:" "$(cat "$tmp/out")" "stderr:" "$(cat "$tmp/err")"
	fi
}

# run ARGS...: pptpctl with output in $tmp/out, $tmp/err, status in $rc
run() {
	"$ctl" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

# expect RC DESCRIPTION: the last run exited RC
expect() {
	[ "$rc" -eq "$1" ]
	result $? "$2 (exit $1)"
}

err_has() {
	grep -qF -- "$1" "$tmp/err"
	result $? "$2"
}

out_has() {
	grep -qF -- "$1" "$tmp/out"
	result $? "$2"
}

# jq_true FILTER DESCRIPTION: the filter holds on stdout of the last run
jq_true() {
	[ "$(jq -e "$1" "$tmp/out" 2>>"$tmp/err")" = true ]
	result $? "$2"
}

start_fake() {
	stop_fake
	rm -f "$sock"
	"$fake" -m "$1" "$sock" 2>"$tmp/fake.err" &
	fpid=$!
	wait_for 10 listening "$sock" ||
		diag "fake-ctl -m $1 did not make $sock: $(cat "$tmp/fake.err")"
}

stop_fake() {
	if [ -n "$fpid" ]; then
		kill "$fpid" 2>/dev/null
		wait "$fpid" 2>/dev/null
		fpid=
	fi
}

# --- the daemon is not there -------------------------------------------------
run -s "$tmp/none.sock" status
expect 3 "nothing at the socket path"
err_has "pptpctl: $tmp/none.sock: No such file or directory (is pptpd-client running?)" \
    "the message names the socket path and the reason"
: >"$tmp/plain"
run -s "$tmp/plain" up lab
expect 3 "a path that is not a listening socket"
err_has "$tmp/plain: Connection refused" "and says so"
run -s "$tmp/$(printf '%0120d' 0)/x.sock" status
expect 3 "a socket path too long for sun_path"

# --- usage errors: found before connecting, so the exit is 2 not 3 ----------
u() {
	desc=$1
	shift
	run -s "$tmp/none.sock" "$@"
	[ "$rc" -eq 2 ] && grep -q '^usage: pptpctl' "$tmp/err"
	result $? "usage error: $desc (exit 2, usage line on stderr)"
}
u "no command"
u "unknown command" frobnicate
u "unknown option" -x status
u "-s without a path" -s
u "up -w not a number" up -w soon lab
u "up -w 0" up -w 0 lab
u "up -w too large" up -w 86401
u "up -w missing its value" up -w
u "status with two names" status lab office
u "show without counters" show
u "show something else" show routes
u "clear counters with two names" clear counters a b
u "reload with an argument" reload now
u "monitor with an argument" monitor lab
u "a tunnel name too long" down "$(printf '%040d' 0)"
u "an empty tunnel name" status ""
run -s "$tmp/none.sock" frobnicate
err_has "unknown command: frobnicate" "the unknown command is named"

# --- against the stand-in daemon ---------------------------------------------
start_fake normal
run -s "$sock" status
expect 0 "status"
out_has "tunnel: lab" "status lists lab"
out_has "addresses:  198.51.100.2 -> 198.51.100.1" "status shows local -> remote"
out_has "interface:  ppp0" "status shows the interface"
out_has "uptime:     1h 2m " "status shows the uptime as 1h 2m Ns"
out_has "server:     vpn.example.test (192.0.2.1)" "status shows the server and its address"
out_has "last error: Outgoing-Call-Reply: result 3 (busy)" "status shows the last error"
out_has "note:       the server refused the call" "status shows the note"

run -s "$sock" -j status
expect 0 "status -j"
jq_true '[.tunnels[].name] == ["lab","office","home","slow"]' "status -j lists every tunnel"
jq_true '.tunnels[0] | keys == (["name","state","interface","datapath","local","remote","server","server_address","uptime_s","since","next_attempt","reconnects","last_error","note"] | sort)' \
    "status -j has exactly the documented keys"
jq_true '.tunnels[0] | .state == "up" and .interface == "ppp0" and .local == "198.51.100.2" and .remote == "198.51.100.1" and .server_address == "192.0.2.1" and .reconnects == 2 and .uptime_s >= 3723' \
    "status -j values of an up tunnel"
jq_true '.tunnels[1] | .state == "failed" and .local == "" and .interface == "" and .uptime_s == 0 and .last_error == "Outgoing-Call-Reply: result 3 (busy)"' \
    "status -j of a failed tunnel: empty strings for the unknown"

run -j -s "$sock" status office
expect 0 "status -j NAME"
jq_true '.tunnels | length == 1 and .[0].name == "office"' "status NAME has the same shape, one tunnel"

run -s "$sock" status nope
expect 1 "status of an unknown tunnel"
err_has 'no tunnel named "nope"' "the daemon's reason is shown"

run -s "$sock" -j show counters
expect 0 "show counters -j"
jq_true '[.tunnels[0] | has("ctrl_tx","ctrl_rx","echo_tx","echo_rx","echo_rtt_ms","gre_tx_packets","gre_tx_bytes","gre_rx_packets","gre_rx_bytes","gre_rx_out_of_order","gre_rx_lost","gre_rx_duplicate","gre_tx_acks","gre_rx_acks","fw_gre_packets","fw_gre_bytes","reconnects","uptime_s")] | all' \
    "show counters -j has every key pptpctl(8) documents"
jq_true '.tunnels[0] | .ctrl_tx == 1000 and .ctrl_rx == 1001 and .gre_rx_lost == 1014 and .ppp_queue_drops == 1027 and .fw_gre_packets == 77 and .uptime_s == 3723' \
    "show counters -j puts each value under its own field name"
jq_true '.tunnels[0] | keys | length == 36' "show counters -j: 31 counters, name, fw x2, reconnects, uptime_s"

run -s "$sock" show counters -v lab
expect 0 "show counters -v NAME"
out_has "    gre_rx_out_of_order:  1013" "-v: every counter, aligned key: value lines"
out_has "  firewall:" "-v: counters are grouped"
out_has "    gre_rx_bytes:         1012" "-v: bytes under 1 KiB stay plain"
run -s "$sock" show counters lab
expect 0 "show counters NAME"
out_has "  uptime:             1h 2m 3s" "the short block: uptime"
out_has "  packets:            1011 received, 1009 sent" "the short block: packets received and sent"
out_has "  transfer:           1012 B received, 1010 B sent" "the short block: transfer in human units"
out_has "  loss:               1014 lost, 1013 reordered, 1015 duplicate" "the short block: loss, reordering, duplicates"
out_has "  echo:               1005 ms round trip, 1004 of 1003 answered" "the short block: the echo"
out_has "  firewall:           77 GRE packets (7.52 KiB) admitted, 1030 read" "the short block: what the firewall admitted and the engine read"
grep -q "gre_tx_acks" "$tmp/out"
result $((!$?)) "the short block leaves the rest to -v"
run -s "$sock" show counters -o prometheus lab
expect 0 "show counters -o prometheus"
out_has 'pptp_gre_rx_lost_total{tunnel="lab"} 1014' "prometheus: a counter per key, labelled with the tunnel"
out_has '# TYPE pptp_gre_rx_lost_total counter' "prometheus: its TYPE"
out_has 'pptp_echo_rtt_seconds{tunnel="lab"} 1.005' "prometheus: the round trip in seconds"
out_has 'pptp_up{tunnel="lab"} 1' "prometheus: pptp_up from the status"
out_has 'pptp_uptime_seconds{tunnel="lab"} 3723' "prometheus: uptime in seconds"
run -s "$sock" show counters -o xml lab
expect 2 "show counters -o with an unknown format"
err_has "show counters -o xml: not text, json or prometheus" "names the format it does not know"
run -s "$sock" show counters nope
expect 1 "show counters of an unknown tunnel"

run -s "$sock" clear counters lab
expect 0 "clear counters NAME"
run -s "$sock" down lab nope
expect 1 "down of a known and an unknown tunnel"
err_has 'down nope: no tunnel named "nope"' "the failing name is reported"
run -s "$sock" reload
expect 0 "reload"

run -s "$sock" up -w 5 home
expect 0 "up -w: a tunnel that comes up"
out_has "home: up (ppp0 198.51.100.2 -> 198.51.100.1)" "up -w tells how it came up"
run -s "$sock" up -w 5 office
expect 1 "up -w: a tunnel that fails"
out_has "office: failed: Outgoing-Call-Reply: result 3 (busy)" "up -w shows last_error of a failure"
run -s "$sock" up -w 1 slow
expect 1 "up -w: a tunnel that does not come up in time"
out_has "slow: connecting, not up after 1 s" "up -w says it timed out"
run -s "$sock" -j up -w 3 lab nope
expect 1 "up -w with an unknown name among known ones"
jq_true '.tunnels | length == 1 and .[0].name == "lab" and .[0].state == "up"' "up -w -j reports the known tunnel"

# monitor: the snapshot, then it runs until interrupted
"$ctl" -j -s "$sock" monitor >"$tmp/out" 2>"$tmp/err" &
mpid=$!
# lines OUTFILE N: OUTFILE has N lines (the monitor's snapshot is 4)
lines() { [ "$(wc -l <"$1")" -ge "$2" ]; }
wait_for 10 lines "$tmp/out" 4
kill -TERM "$mpid"
wait "$mpid"
rc=$?
expect 0 "monitor ends cleanly on SIGTERM"
jq -e -s 'length == 4 and all(.[]; .event == "snapshot" and has("name","state","time"))' \
    "$tmp/out" >/dev/null 2>>"$tmp/err"
result $? "monitor -j: one JSON object per line per tunnel"
stop_fake

# --- a daemon that refuses or misbehaves -----------------------------------
start_fake deny
run -s "$sock" up lab
expect 3 "up when not permitted"
err_has "up: uid 1000 is neither root nor in group pptp" "the refusal is shown"
run -s "$sock" status
expect 0 "status is still allowed"

start_fake truncate
run -s "$sock" status
expect 1 "the daemon closes in the middle of a reply"
err_has "the daemon closed the connection" "and it is said"

start_fake badlen
run -s "$sock" status
expect 1 "a reply of the wrong length"
err_has "C_STATUS: length 10, expected" "the check that failed is named"

start_fake garbage
run -s "$sock" -j status
expect 1 "a reply announcing an oversized payload"
[ ! -s "$tmp/out" ]
result $? "no half-made JSON on stdout"

start_fake events
for fmt in -j ""; do
	"$ctl" $fmt -s "$sock" monitor >"$tmp/out" 2>"$tmp/err" &
	mpid=$!
	# the snapshot (4 lines), then home's change 0.2 s after it
	wait_for 10 lines "$tmp/out" 5
	kill -INT "$mpid"
	wait "$mpid"
	rc=$?
	expect 0 "monitor $fmt ends cleanly on SIGINT"
	if [ -n "$fmt" ]; then
		jq -e -s 'length == 5 and .[4].event == "change" and .[4].name == "home" and .[4].state == "up" and .[4].local == "198.51.100.2"' \
		    "$tmp/out" >/dev/null 2>>"$tmp/err"
		result $? "monitor -j prints a state change as a line of its own"
	else
		grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} home up ppp0 198.51.100.2 -> 198.51.100.1$' "$tmp/out"
		result $? "monitor prints a state change with a time stamp"
	fi
	start_fake events	# the world moved on; start afresh
done

start_fake closemon
run -s "$sock" monitor
expect 1 "the daemon closes the monitor connection"

start_fake badversion
run -s "$sock" reload
expect 1 "the daemon refuses the request format"
err_has "reload: request version 1, daemon speaks 2" "the daemon's reason is shown"
stop_fake

done_testing
