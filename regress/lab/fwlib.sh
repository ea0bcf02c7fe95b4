# Sourced after guest.sh by the firewall lab tests (regress/lab/t/6*-fw-*):
# what a person looks at to see what the daemon did to the firewall. The
# lab kernel has only the legacy iptables (README), so that is what the
# daemon must pick and what these read.

# ruleset4, ruleset6: iptables-save output without the dated comment lines
# and the [packets:bytes] of the chain policies, so two snapshots compare
# equal when the rules are the same.
ruleset4() { iptables-legacy-save | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]//'; }
ruleset6() { ip6tables-legacy-save | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]//'; }

# ours4, ours6: the lines of the ruleset that are the daemon's (its chains
# are named PPTPC-*, its rules carry a pptpd-client comment)
ours4() { ruleset4 | grep -E 'PPTPC|pptpd-client'; }
ours6() { ruleset6 | grep -E 'PPTPC|pptpd-client'; }
count_ours4() { ours4 | wc -l; }
count_ours6() { ours6 | wc -l; }
no_ours() { [ "$(count_ours4)" = 0 ] && [ "$(count_ours6)" = 0 ]; }
# dups4, dups6: lines of ours present more than once
dups4() { ours4 | sort | uniq -d; }
dups6() { ours6 | sort | uniq -d; }

# has_chain4 CHAIN, has_chain6 CHAIN: declared in the filter table
has_chain4() { ruleset4 | grep -q "^:$1 "; }
has_chain6() { ruleset6 | grep -q "^:$1 "; }

# our_routes: routes the daemon added (rtm_protocol 185, route.h)
our_routes() { ip route show table all proto 185 2>/dev/null; }
no_our_routes() { [ -z "$(our_routes)" ]; }

# ping_none COUNT ADDR: not one of COUNT echo requests is answered
ping_none() {
	local out
	out=$(ping -n -c "$1" -i 0.2 -W 1 "$2" 2>&1)
	printf '%s\n' "$out" | grep -q ' 0 received' && return 0
	# sendmsg failing (a local DROP) prints no statistics line at all
	printf '%s\n' "$out" | grep -q 'received' || return 0
	printf '%s\n' "$out"
	return 1
}

# server_pids: pptpd, its pptpctrl and pppd children, in any network
# namespace but this one (the client's pppd shares the PID namespace)
server_pids() {
	local d comm me
	me=$(readlink /proc/self/ns/net)
	for d in /proc/[0-9]*; do
		read -r comm 2>/dev/null <"$d/comm" || continue
		case $comm in pptpd | pptpctrl | pppd) ;; *) continue ;; esac
		[ "$(readlink "$d/ns/net" 2>/dev/null)" != "$me" ] && echo "${d#/proc/}"
	done
}
no_server_pids() { [ -z "$(server_pids)" ]; }

# kill_server: the server vanishes at once, without a goodbye: SIGKILL for
# the listener first (so nothing answers a reconnect), then the call's
# processes
kill_server() {
	local p
	for p in $(server_pids); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = pptpd ] && kill -9 "$p"
	done
	for p in $(server_pids); do kill -9 "$p" 2>/dev/null; done
	wait_for 5 no_server_pids
}

# fw_require_legacy: the lab's iptables must answer before anything else
# means something; a missing one fails the test by name.
fw_require_legacy() {
	local out
	if out=$(iptables-legacy-save 2>&1) && out=$(ip6tables-legacy-save 2>&1); then
		pass "iptables-legacy-save and ip6tables-legacy-save work in the lab"
	else
		diag "$out"
		abort "iptables-legacy-save and ip6tables-legacy-save do not work in the lab"
	fi
}

# show_rules: both rulesets as TAP comments, for failures
show_rules() {
	diag "--- iptables-legacy-save ---" "$(ruleset4)" \
		"--- ip6tables-legacy-save ---" "$(ruleset6)"
}

# procs_named PREFIX: pids of the processes whose name begins with PREFIX
# (setproctitle may append to it), in any namespace
procs_named() {
	local d comm
	for d in /proc/[0-9]*; do
		read -r comm 2>/dev/null <"$d/comm" || continue
		case $comm in "$1"*) echo "${d#/proc/}" ;; esac
	done
}

# daemon_answers: pptpctl gets an answer; the control socket is bound
# before the daemon's start-up (firewall included) is done, and the file
# of a killed daemon may still be there, so this is what "ready" means.
daemon_answers() { ctl status >/dev/null 2>&1; }

# start_daemon_ready: start_daemon_checked, then waits until it answers
# (the firewall's start-up work is done by then); sets ready_secs
start_daemon_ready() {
	local t0
	t0=$(now)
	start_daemon_checked
	if wait_for 40 daemon_answers; then
		ready_secs=$(elapsed "$t0")
		pass "the daemon answers pptpctl status (after $ready_secs s)"
	else
		fail "the daemon answers pptpctl status within 40 s"
		show_logs
	fi
}
