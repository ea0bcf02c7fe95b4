# Sourced after guest.sh and fwlib.sh by the resilience lab tests
# (regress/lab/t/7*-resil-*.inner): reaching into a server's namespaces
# to stop, restart and cut it off, and the checks that nothing of ours is
# duplicated or left behind.

# srv_listener NETNS: pid of the pptpd listening in NETNS (srv or far)
srv_listener() {
	local p
	for p in $(procs_named pptpd); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = pptpd ] || continue
		[ "$(ip netns identify "$p" 2>/dev/null)" = "$1" ] && echo "$p"
	done
}

# keep_server NETNS: a sleeper in the namespaces (mount, net) of NETNS's
# pptpd, so that they outlive a killed pptpd and it can be started again
# with its own /etc/ppp; sets keeper_NETNS. Killed by drop_keepers.
keepers=
keep_server() {
	local p
	p=$(srv_listener "$1")
	[ -n "$p" ] || return 1
	nsenter -t "$p" -m -n sleep 100000 </dev/null >/dev/null 2>&1 &
	eval "keeper_$1=$!"
	keepers="$keepers $!"
	# in the namespaces once nsenter has entered them, not when started
	wait_for 5 eval '[ "$(readlink /proc/'$!'/ns/mnt)" = "$(readlink /proc/'"$p"'/ns/mnt)" ]'
}
drop_keepers() {
	local k
	for k in $keepers; do kill "$k" 2>/dev/null; done
	keepers=
}

# in_server NETNS COMMAND...: runs COMMAND in NETNS's pptpd namespaces
in_server() {
	local k
	eval "k=\$keeper_$1"
	shift
	nsenter -t "$k" -m -n "$@"
}

# kill_listener NETNS: SIGKILL for pptpd and every call it carries in NETNS
# (the client sees its control connection closed)
kill_listener() {
	local p ns=$1
	for p in $(server_pids); do
		[ "$(ip netns identify "$p" 2>/dev/null)" = "$ns" ] && kill -9 "$p" 2>/dev/null
	done
	wait_for 5 eval '[ -z "$(srv_listener '"$ns"')" ]'
}

# start_listener NETNS ADDR: pptpd again, as lab-init started it (its
# config is still in the namespace's /etc/ppp), then waits until it
# listens on 1723
start_listener() {
	in_server "$1" pptpd -c /etc/ppp/pptpd.conf -f -l "$2" -p /run/pptpd.pid \
		</dev/null >>"$LAB_LOGDIR/$1-pptpd.log" 2>&1 &
	wait_for 10 srv_listens "$1"
}

# srv_listens NETNS: something in NETNS listens on TCP 1723 (06BB, state 0A)
srv_listens() {
	local k line
	eval "k=\$keeper_$1"
	while read -r line; do
		case $line in *:06BB\ 00000000:0000\ 0A\ *) return 0 ;; esac
	done <"/proc/$k/net/tcp"
	return 1
}

# srv_conns NETNS: the client ports (hex) of the established connections
# to 1723 in NETNS, sorted: one per call the server carries
srv_conns() {
	local k sl loc rem st rest
	eval "k=\$keeper_$1"
	while read -r sl loc rem st rest; do
		[ "$st" = 01 ] && [ "${loc#*:}" = 06BB ] && echo "${rem#*:}"
	done <"/proc/$k/net/tcp" | sort
}

# status_of TUNNEL KEY...: several fields of one `pptpctl -j status`, one
# line each (one request, so they belong together)
status_of() { ctl -j status "$1" 2>/dev/null | jget "$@"; }

# wait_state SECONDS TUNNEL STATE: like wait_for ... state_is, but keeps the
# last_error and reconnects seen in that state in seen_error, seen_reconnects.
# After monitor_start it reads them from `pptpctl -j monitor` instead of
# polling, so a state that lasts less than a poll is not missed.
wait_state() {
	local end=$((${EPOCHREALTIME/./} + $1 * 1000000)) st err rc
	seen_error= seen_reconnects=
	[ -n "$mon_pid" ] && { mon_wait "$@"; return; }
	poll_state "$@"
}
# waiting_again SECONDS TUNNEL R: a later `waiting` of TUNNEL (from the
# monitor, after monitor_start: one that lasts less than a poll is not
# missed) whose reconnects has grown past R
waiting_again() {
	local end=$((${EPOCHREALTIME%.*} + $1)) left
	while left=$((end - ${EPOCHREALTIME%.*})); [ "$left" -gt 0 ]; do
		wait_state "$left" "$2" waiting || return 1
		[ "${seen_reconnects:-0}" -gt "$3" ] && return 0
	done
	return 1
}

# poll_state SECONDS TUNNEL STATE: wait_state by polling status: the state
# the tunnel is in now
poll_state() {
	local end=$((${EPOCHREALTIME/./} + $1 * 1000000)) st err rc
	seen_error= seen_reconnects=
	while :; do
		{ read -r st; read -r err; read -r rc; } < <(status_of "$2" state last_error reconnects)
		if [ "$st" = "$3" ]; then
			seen_error=$err
			seen_reconnects=$rc
			return 0
		fi
		[ "${EPOCHREALTIME/./}" -ge "$end" ] && return 1
		sleep 0.1
	done
}
# wait_not_state SECONDS TUNNEL STATE: until the tunnel leaves STATE
wait_not_state() {
	local end=$((${EPOCHREALTIME/./} + $1 * 1000000))
	while state_is "$2" "$3"; do
		[ "${EPOCHREALTIME/./}" -ge "$end" ] && return 1
		sleep 0.1
	done
}

# no_dups: no route of ours (proto 185) and no iptables rule of ours is
# there twice
no_dups() {
	[ -z "$(our_routes | sort | uniq -d)" ] && [ -z "$(dups4)" ] && [ -z "$(dups6)" ]
}
# nothing_left: no pppd, no ppp interface, no route of ours, no rule of ours
nothing_left() { no_client_pppd && no_ppp_ifaces && no_our_routes && no_ours; }
# left_over: what nothing_left found, for diagnostics
left_over() {
	diag "pppd: $(client_pppd | tr '\n' ' ')" "ifaces: $(ppp_ifaces | tr '\n' ' ')" \
		"our routes:" "$(our_routes)" "our rules:" "$(ours4)" "$(ours6)"
}

# engine_pid: the engine child of our daemon (title "engine")
engine_pid() {
	local d ppid rest cmd
	for d in /proc/[0-9]*; do
		read -r _ _ _ ppid rest 2>/dev/null <"$d/stat" || continue
		[ "$ppid" = "$daemon_pid" ] || continue
		cmd=$(tr '\0' ' ' <"$d/cmdline" 2>/dev/null)
		case $cmd in *engine*) echo "${d#/proc/}" ;; esac
	done
}

# ok_if DESCRIPTION COMMAND...: like check, but runs COMMAND in this shell
# (check's $(...) is a subshell), so what it sets (seen_error, keeper_*)
# stays
ok_if() {
	local d=$1
	shift
	if "$@" >/dev/null 2>&1; then pass "$d"; else fail "$d" "failed: $*"; fi
}

# ours_sorted: our iptables rules, sorted, from one iptables-legacy-save
# (each costs about a second here); `uniq -d` of it shows doubles
ours_sorted() { ruleset4 | grep -E 'PPTPC|pptpd-client' | sort; }

# monitor_start: `pptpctl -j monitor` into LAB_WORK/monitor from now on;
# mon_skip: what it printed so far is not waited for any more
mon_pid=
mon_line=0
MON=$LAB_WORK/monitor
monitor_start() {
	"$PPTPCTL" -j monitor >"$MON" 2>&1 </dev/null &
	mon_pid=$!
	wait_for 5 test -s "$MON"
}
monitor_stop() {
	[ -n "$mon_pid" ] && kill "$mon_pid" 2>/dev/null
	mon_pid=
}
mon_skip() {
	local lines
	mapfile -t lines <"$MON"
	mon_line=${#lines[@]}
}
# mon_wait SECONDS TUNNEL STATE: the next monitor line (after those already
# seen) where TUNNEL is in STATE; sets seen_error and seen_reconnects and
# counts the lines up to it as seen
mon_wait() {
	local end=$((${EPOCHREALTIME/./} + $1 * 1000000)) lines i l
	local re_n="\"name\": ?\"$2\"" re_s="\"state\": ?\"$3\""
	while :; do
		mapfile -t -s "$mon_line" lines <"$MON"
		for ((i = 0; i < ${#lines[@]}; i++)); do
			l=${lines[i]}
			[[ $l == *'}' ]] || break	# not all written yet
			if [[ $l =~ $re_n ]] && [[ $l =~ $re_s ]]; then
				mon_line=$((mon_line + i + 1))
				{ read -r seen_error; read -r seen_reconnects; } < <(
					jq -r '.last_error // "", (.reconnects // "" | tostring)' <<<"$l")
				return 0
			fi
		done
		[ "${EPOCHREALTIME/./}" -ge "$end" ] && return 1
		sleep 0.1
	done
}
