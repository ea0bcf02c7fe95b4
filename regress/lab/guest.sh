# Sourced by the lab's inner scripts (regress/lab/t/*.inner), which run in
# the client namespace of the lab guest (see regress/lab/README): TAP
# output, waiting, and the daemon's start and stop. bash only.

# --- TAP: regress/tap.sh ---------------------------------------------------
# pass, fail, check, is, like, diag, ...; the script ends with
# done_testing. Each try of a wait forks in the guest, where a fork costs
# tens of ms: a tenth of a second between tries.
. "$LAB_REPO/regress/tap.sh"
TAP_POLL=0.1

# --- the kernel data path ---------------------------------------------------
# The lab boots without pptp.ko, so `datapath auto` means the user path in
# every test that does not ask; load_pptp loads the kernel's PPTP socket
# (pptp, which pulls in gre) for a test of the kernel path.
load_pptp() { modprobe -d "$LAB_MODDIR" pptp; }

# --- kpptpd: a server whose data path is the kernel's --------------------------
# start_kpptpd: loads pptp.ko, adds LAB_KSERVER to srv's eth0 and runs
# regress/lab/kpptpd there, in a mount namespace of its own (fresh tmpfs
# on /etc/ppp and /run, as lab-init does for pptpd): the same user and
# password as pptpd (LAB_USER, LAB_PASS) and pppd options (MS-CHAPv2,
# MPPE-128), server name kpptpd, tunnel address LAB_KSERVER_PPP, clients
# get 198.51.100.60-89. Each call is a kernel PPTP socket handed to the
# server's pppd through our plugin. Waits until it listens; kpptpd_pid is
# its pid (killed on exit). Logs: LAB_LOGDIR/kpptpd.log (its calls, with
# the kernel's call ids) and LAB_LOGDIR/kpptpd-pppd.log.
LAB_KSERVER=192.0.2.13 LAB_KSERVER_PPP=198.51.100.3
KPPTPD_LOG=$LAB_LOGDIR/kpptpd.log
kpptpd_pid=
kpptpd_listens() { grep -q "kpptpd\[[0-9]*\]: listening on $LAB_KSERVER\$" "$KPPTPD_LOG" 2>/dev/null; }
start_kpptpd() {
	load_pptp || return 1
	ip -n srv addr add "$LAB_KSERVER/24" dev eth0 2>/dev/null
	ip netns exec srv unshare -m /bin/bash -c '
		set -e
		mount -t tmpfs -o mode=0755 tmpfs /etc/ppp
		mount -t tmpfs -o mode=0755 tmpfs /run
		mkdir -p /run/lock
		umask 077
		printf "%s kpptpd %s *\n" "$1" "$2" >/etc/ppp/chap-secrets
		printf "%s\n" "name kpptpd" require-mschap-v2 require-mppe-128 \
			refuse-pap refuse-chap refuse-mschap refuse-eap \
			nobsdcomp nodeflate nodefaultroute debug \
			"ms-dns 198.51.100.53" "ms-dns 198.51.100.54" \
			"logfile $3" >/etc/ppp/kpptpd-options
		exec "$4/regress/lab/kpptpd" -l "$5" -L "$6" -R 198.51.100.60 -n 30 \
			-P "$4/privsep/pppd-plugin/pptpd-client.so" \
			-o /etc/ppp/kpptpd-options
	' kpptpd "$LAB_USER" "$LAB_PASS" "$LAB_LOGDIR/kpptpd-pppd.log" "$LAB_REPO" \
		"$LAB_KSERVER" "$LAB_KSERVER_PPP" >>"$KPPTPD_LOG" 2>&1 </dev/null &
	kpptpd_pid=$!
	on_exit 'kill $kpptpd_pid 2>/dev/null'
	wait_for 10 kpptpd_listens
}

# --- waiting ----------------------------------------------------------------
# Times are integers in microseconds (bash arithmetic, no forks).
now() { echo "${EPOCHREALTIME/./}"; }
# elapsed START: seconds since START, 3 decimals
elapsed() {
	local us=$((${EPOCHREALTIME/./} - $1))
	printf '%d.%03d\n' $((us / 1000000)) $((us % 1000000 / 1000))
}
# Parsing is done in the shell: each extra process costs in UML.
# ppp_ifaces: the point-to-point interfaces (ppp*, pptp*) that exist now
ppp_ifaces() {
	local line name
	while read -r line; do
		name=${line#*: }
		name=${name%%[:@]*}
		case $name in ppp* | pptp*) echo "$name" ;; esac
	done < <(ip -o link show)
}
# iface_addr IFACE: its IPv4 address, nothing if none
iface_addr() {
	local out
	out=$(ip -o -4 addr show dev "$1" 2>/dev/null) || return 0
	set -- $out
	[ $# -ge 4 ] && echo "${4%%/*}"
}
# in_tunnel_net ADDR: is ADDR in 198.51.100.0/24?
in_tunnel_net() { case $1 in 198.51.100.[0-9]*) return 0 ;; esac; return 1; }
# has_tunnel_addr IFACE: does IFACE have its address in 198.51.100.0/24?
has_tunnel_addr() { in_tunnel_net "$(iface_addr "$1")"; }
# route_dev ADDR: the interface `ip route get` picks for ADDR
route_dev() {
	local out
	out=$(ip route get "$1" 2>/dev/null) || return 0
	set -- $out
	while [ $# -ge 2 ]; do
		[ "$1" = dev ] && { echo "$2"; return 0; }
		shift
	done
}
# client_pppd: the pppd processes of this network namespace (the servers'
# pppd run in the same PID namespace, but in theirs)
client_pppd() {
	local d comm
	# Builtins only (-ef compares the namespace inodes): every fork costs
	# a lot in UML, and procps cannot read this kernel's boot time anyway.
	for d in /proc/[0-9]*; do
		read -r comm 2>/dev/null <"$d/comm" || continue
		[ "$comm" = pppd ] && [[ $d/ns/net -ef /proc/$$/ns/net ]] && echo "${d#/proc/}"
	done
}
no_client_pppd() { [ -z "$(client_pppd)" ]; }
no_ppp_ifaces() { [ -z "$(ppp_ifaces)" ]; }
# ping_ok COUNT ADDR: all COUNT echo requests answered
ping_ok() {
	local out
	out=$(ping -n -c "$1" -i 0.05 -W 2 "$2" 2>&1)
	printf '%s\n' "$out" | grep -q " $1 received" || { printf '%s\n' "$out"; return 1; }
}

# --- JSON -------------------------------------------------------------------
# jget TUNNEL KEY...: fields of one tunnel from pptpctl -j output on stdin,
# one line per key, empty if missing. jq where installed (starting python
# costs seconds in a busy lab), else the python3 version.
if command -v jq >/dev/null 2>&1; then
	jget() {
		local name=$1
		shift
		jq -r --arg n "$name" '
			. as $doc | $ARGS.positional[] as $k |
			(first($doc | .. | objects | select(.name == $n or .tunnel == $n))
			 // first($doc | .. | objects | select(has($k)))
			 // {}) | .[$k] |
			if type == "string" then . elif . == null then "" else tojson end
		' --args "$@"
	}
else
	jget() { /usr/bin/python3 "$LAB_REPO/regress/lab/jget" "$@"; }
fi

# --- our daemon ---------------------------------------------------------------
DAEMON=$LAB_REPO/pptpd-client/pptpd-client
PPTPCTL=$LAB_REPO/pptpctl/pptpctl
CONF=$LAB_WORK/pptpd-client.conf
DAEMON_LOG=$LAB_WORK/daemon.log
daemon_pid=

# secret_file NAME PASSWORD: a root-owned 0600 password file; prints its path
secret_file() {
	local f=$LAB_WORK/$1.secret
	# root creates it: root-owned; the umask makes it 0600
	(umask 077 && printf '%s\n' "$2" >"$f")
	echo "$f"
}

# write_conf: the config from stdin (root-owned, mode 0600), control socket
# at the default path
write_conf() {
	(umask 077 && cat >"$CONF")
}

# tunnel_conf NAME SERVER USER PASSWORD [EXTRA LINES...]: one tunnel block
tunnel_conf() {
	local name=$1 server=$2 user=$3 secret
	secret=$(secret_file "$name" "$4")
	shift 4
	printf 'tunnel "%s" {\n\tserver %s\n\tusername "%s"\n\tpassword-file "%s"\n\tmppe required\n' \
		"$name" "$server" "$user" "$secret"
	local l
	for l in "$@"; do printf '\t%s\n' "$l"; done
	printf '}\n'
}

# A pptpctl that hangs must not eat the lab's time: 10 s, or 15 s beyond
# an up -w.
ctl() {
	local t=10
	[ "$1" = up ] && [ "${2-}" = -w ] && t=$((${3:-0} + 15))
	timeout -k 2 "$t" "$PPTPCTL" "$@"
}

# start_daemon: runs the daemon in the foreground (-d) in the background,
# logging to DAEMON_LOG, and waits for its control socket.
start_daemon() {
	"$DAEMON" -d -f "$CONF" >"$DAEMON_LOG" 2>&1 </dev/null &
	daemon_pid=$!
	wait_for 10 listening /run/pptpd-client.sock
}

daemon_gone() { ! kill -0 "$daemon_pid" 2>/dev/null; }
# stop_daemon: SIGTERM, and SIGKILL if it has not ended within 5 s
stop_daemon() {
	[ -n "$daemon_pid" ] || return 0
	kill "$daemon_pid" 2>/dev/null
	wait_for 5 daemon_gone || kill -9 "$daemon_pid" 2>/dev/null
	wait "$daemon_pid" 2>/dev/null
	daemon_pid=
}

# show_logs: the daemon's log and the servers' pppd logs as TAP comments
show_logs() {
	[ -f "$DAEMON_LOG" ] &&
		diag "--- daemon log ($DAEMON_LOG) ---" "$(tail -n 40 "$DAEMON_LOG")"
	local f
	for f in "$LAB_LOGDIR"/*-pppd.log; do
		[ -f "$f" ] || continue
		diag "--- server pppd log $(basename "$f") ---" "$(tail -n 20 "$f")"
	done
}

# field TUNNEL KEY: one field of `pptpctl -j status TUNNEL`
field() { ctl -j status "$1" 2>/dev/null | jget "$1" "$2"; }
# counter TUNNEL KEY: one field of `pptpctl -j show counters TUNNEL`
counter() { ctl -j show counters "$1" 2>/dev/null | jget "$1" "$2"; }
state() { field "$1" state; }
state_is() { [ "$(state "$1")" = "$2" ]; }

# capture_start FILE [FILTER]: tcpdump on eth0 until capture_stop (not
# through check, whose $(...) would wait for tcpdump to end).
# --immediate-mode and -U: each packet is in FILE as soon as it is seen
# (libpcap would otherwise hand them over a block at a time, up to a
# second late, and a stop in between would lose the last ones).
capture_start() {
	tcpdump --immediate-mode -n -i eth0 -U -w "$1" ${2:+"$2"} 2>"$1.err" &
	capture_pid=$!
	on_exit 'kill $capture_pid 2>/dev/null'
	wait_for 15 grep -q 'listening on' "$1.err"
}
# captured FILE FILTER: FILE holds a packet that matches FILTER
captured() { [ -n "$(tcpdump -n -r "$1" -c 1 "$2" 2>/dev/null)" ]; }
# capture_sync FILE: the server's router (srv) pings us with an odd size
# (the IP packet is 151 bytes); once FILE holds that packet it holds
# everything that crossed eth0 before it, so nothing the test looks for
# is still on its way. The capture must let ICMP from srv in.
capture_sync() {
	ip netns exec srv ping -n -c 1 -s 123 -W 1 "$LAB_CLIENT" >/dev/null 2>&1
	wait_for 15 captured "$1" "icmp and src host $LAB_GATEWAY and ip[2:2] = 151"
}
capture_stop() {
	kill "$capture_pid" 2>/dev/null
	wait "$capture_pid" 2>/dev/null
}

# monitor_start: `pptpctl monitor` records every state change from now on
# in $LAB_WORK/monitor (its first lines are a snapshot of every tunnel);
# not through check either
monitor_start() {
	"$PPTPCTL" monitor >"$LAB_WORK/monitor" 2>&1 &
	monitor_pid=$!
	on_exit 'kill $monitor_pid 2>/dev/null'
	wait_for 10 test -s "$LAB_WORK/monitor"
}
# states_of TUNNEL: its states in the monitor so far, in order, one a line
states_of() {
	local d t name st rest
	while read -r d t name st rest; do
		[ "$name" = "$1" ] && echo "${st%:}"
	done <"$LAB_WORK/monitor"
}

# daemon_conf [TUNNEL BLOCKS...]: the config the lab tests use, with the
# control socket spelled out
daemon_conf() {
	{
		echo 'control-socket "/run/pptpd-client.sock"'
		printf '%s\n' "$@"
	} | write_conf
}

# start_daemon_checked: start_daemon as a test; shows the log if it fails
start_daemon_checked() {
	if start_daemon; then
		pass "the daemon starts and opens /run/pptpd-client.sock"
	else
		fail "the daemon starts and opens /run/pptpd-client.sock"
		show_logs
	fi
}

# up_timed TUNNEL...: pptpctl up -w 30; sets up_rc and up_secs
up_timed() {
	local t0
	t0=$(now)
	ctl up -w 30 "$@" >"$LAB_WORK/up.out" 2>&1
	up_rc=$?
	up_secs=$(elapsed "$t0")
}
