# Sourced by the drop-in's lab tests (t/8*-dropin-*.inner), after
# guest.sh: finding the drop-in pptp (pptpd-client/pptp-pptpd-client) and
# its engine, the sandbox they must be in, and what they must not leave.
DROPIN=$LAB_REPO/pptpd-client/pptp-pptpd-client

# dropin_procs: "PID PPID" of every drop-in process in this network
# namespace (the drop-in and its engine, a fork: the same program).
# Builtins only: each fork is slow in the lab.
dropin_procs() {
	local d comm pid c st ppid rest
	for d in /proc/[0-9]*; do
		read -r comm 2>/dev/null <"$d/comm" || continue
		case $comm in pptp-pptpd-cli*) ;; *) continue ;; esac
		[[ $d/ns/net -ef /proc/$$/ns/net ]] || continue
		read -r pid c st ppid rest 2>/dev/null <"$d/stat" || continue
		echo "$pid $ppid"
	done
}
no_dropin() { [ -z "$(dropin_procs)" ]; }
# dropin_pid / engine_of_dropin: the drop-in is the one whose parent is not
# a drop-in; its engine is its child
dropin_pid() {
	local all pids=" " pid ppid
	all=$(dropin_procs)
	while read -r pid ppid; do pids+="$pid "; done <<<"$all"
	while read -r pid ppid; do
		[ -n "$pid" ] && [[ $pids != *" $ppid "* ]] && echo "$pid"
	done <<<"$all"
}
engine_of_dropin() {
	local pid ppid
	while read -r pid ppid; do
		[ "$ppid" = "$1" ] && echo "$pid"
	done < <(dropin_procs)
}

# status_field PID NAME: a line of /proc/PID/status, without its name
status_field() {
	local k v
	while IFS=$'\t' read -r k v; do
		[ "$k" = "$2:" ] && { echo "$v"; return 0; }
	done <"/proc/$1/status"
}

# check_sandboxed PID: the engine runs as it must (README.md, privilege
# drop): not root in any uid or gid, no capabilities, no new privileges,
# a seccomp filter, chrooted to the empty directory
check_sandboxed() {
	local uid gid
	uid=$(status_field "$1" Uid)
	gid=$(status_field "$1" Gid)
	like "$uid" '^[1-9][0-9]*[[:space:]]+[1-9][0-9]*[[:space:]]+[1-9][0-9]*[[:space:]]+[1-9][0-9]*$' \
		"engine $1: Uid not root in any field ($uid)"
	like "$gid" '^[1-9][0-9]*[[:space:]]+[1-9][0-9]*[[:space:]]+[1-9][0-9]*[[:space:]]+[1-9][0-9]*$' \
		"engine $1: Gid not root in any field ($gid)"
	is "$(status_field "$1" Seccomp)" 2 "engine $1: Seccomp 2 (a filter)"
	is "$(status_field "$1" NoNewPrivs)" 1 "engine $1: NoNewPrivs 1"
	is "$(status_field "$1" CapEff)" 0000000000000000 "engine $1: no effective capabilities"
	is "$(readlink "/proc/$1/root")" /run/pptpd-client/empty "engine $1: chrooted to the empty directory"
}

# gre_sockets: raw GRE sockets (protocol 47, 0x2F) open in this namespace
gre_sockets() {
	local sl local rest
	while read -r sl local rest; do
		case $local in *:002F) echo "$local $rest" ;; esac
	done </proc/net/raw
}
# tcp_1723: TCP sockets to port 1723 (0x06BB) that a process still holds
# (inode not 0; a TIME_WAIT left to the kernel is nobody's)
tcp_1723() {
	local sl local rem st tx rx tr rt uid to inode rest
	while read -r sl local rem st tx rx tr rt uid to inode rest; do
		case $rem in *:06BB) [ "$inode" != 0 ] && echo "$local $rem $st" ;; esac
	done </proc/net/tcp
}
no_gre_sockets() { [ -z "$(gre_sockets)" ]; }
no_tcp_1723() { [ -z "$(tcp_1723)" ]; }

# pptp_sent FILE TYPE: the capture holds a segment to port 1723 that
# starts with a PPTP control message of TYPE (3 Stop-Control-Connection-
# Request, 12 Call-Clear-Request): the 16-bit type sits 8 bytes into it
pptp_sent() {
	captured "$1" "tcp dst port 1723 and tcp[((tcp[12] >> 4) * 4) + 8 : 2] = $2"
}
# pptp_stop_sent FILE: a Stop-Control-Connection-Request, in a segment of
# its own or right behind the 16-byte Call-Clear-Request in the same one
pptp_stop_sent() {
	pptp_sent "$1" 3 || captured "$1" "tcp dst port 1723 and
		tcp[((tcp[12] >> 4) * 4) + 8 : 2] = 12 and
		tcp[((tcp[12] >> 4) * 4) + 2 : 2] = 1 and
		tcp[((tcp[12] >> 4) * 4) + 24 : 2] = 3"
}
# dropin_nothing_left: no pppd, drop-in, engine, ppp interface, GRE
# socket or TCP connection to 1723 of ours
dropin_nothing_left() {
	no_client_pppd && no_dropin && no_ppp_ifaces && no_gre_sockets && no_tcp_1723
}
dropin_left_over() {
	diag "pppd: $(client_pppd | tr '\n' ' ')" \
		"drop-in processes (pid ppid): $(dropin_procs | tr '\n' ',')" \
		"ppp interfaces: $(ppp_ifaces | tr '\n' ' ')" \
		"GRE sockets:" "$(gre_sockets)" "TCP to 1723:" "$(tcp_1723)"
}
