# Helpers of the daemon tests (regress/host/t/05-*.t, 06-*.t): the daemon's
# processes, its control socket and pptpctl, on the host kernel.
#
# The daemon always runs in a network namespace of ours, pcd-$$, joined by
# a veth pair to a second one, pcds-$$, that holds the tunnels' server
# address 192.0.2.1 with nothing listening: every connection the daemon
# makes ends there (refused), never on the host's own network, which uses
# 192.0.2.0/24 too. Everything made here (daemon, namespaces, users,
# group, files) is removed by the EXIT trap.
#
#	. "$(dirname "$0")/../daemon/lib.sh"
#	dl_init 12		# TAP plan; root, tools and binaries or bail
#	dl_netns
#	dl_conf			# $CONF: tunnels "lab" and "other"
#	dl_start		# $DPID, $SOCK, $LOG
#
# TAP: ok STATUS NAME, is GOT WANT NAME, like GOT REGEX NAME, diag MSG.
# Anything missing fails the test by name (Bail out!), never skips it.

set -u

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
DAEMON=$REPO/pptpd-client/pptpd-client
PPTPCTL=$REPO/pptpctl/pptpctl
GARBAGE=$REPO/regress/host/daemon/ctlgarbage.py
EMPTY_DIR=/run/pptpd-client/empty
NS=pcd-$$
NS_SRV=pcds-$$
VETH=pcdv$$
SRV_IP=192.0.2.1
CLI_IP=192.0.2.2
TMP=
CONF=
SOCK=
LOG=
DPID=
CTLGROUP=
USERS=
PYTHON=python3
_n=0
_failed=0

# --- TAP ------------------------------------------------------------------

ok() {	# ok STATUS NAME (STATUS 0 passes)
	_n=$((_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $_n - $2"
	else
		echo "not ok $_n - $2"
		_failed=$((_failed + 1))
	fi
}
is() {
	if [ "$1" = "$2" ]; then ok 0 "$3"; else
		ok 1 "$3"; diag "  got:      '$1'"; diag "  expected: '$2'"; fi
}
like() {	# like GOT REGEX NAME (grep -E, case-insensitive)
	if printf '%s\n' "$1" | grep -Eiq -- "$2"; then ok 0 "$3"; else
		ok 1 "$3"; diag "  got: '$1'"; diag "  expected to match /$2/"
	fi
}
unlike() {	# unlike GOT REGEX NAME
	if printf '%s\n' "$1" | grep -Eiq -- "$2"; then
		ok 1 "$3"; diag "  got: '$1'"; diag "  expected not to match /$2/"
	else ok 0 "$3"; fi
}
diag() { echo "# $*" >&2; }
bail() { echo "Bail out! $*"; exit 255; }

# --- set-up and clean-up ------------------------------------------------------

dl_need() {
	local p
	for p in "$@"; do
		command -v "$p" >/dev/null 2>&1 || [ -x "$p" ] ||
			bail "missing: $p (make builds the daemon and pptpctl; Debian packages iproute2 util-linux passwd python3)"
	done
}

dl_init() {	# dl_init PLAN
	[ "$(id -u)" -eq 0 ] || bail "daemon tests need root (namespaces, users, chroot)"
	dl_need ip nsenter setpriv useradd userdel groupadd groupdel python3 \
	    "$DAEMON" "$PPTPCTL" "$GARBAGE"
	PYTHON=$(python3 -c 'import sys; print(sys.executable)')
	echo "1..$1"
	TMP=$(mktemp -d /tmp/pcd.XXXXXX) || bail "mktemp failed"
	# unprivileged users must reach the socket and run pptpctl from here
	chmod 0755 "$TMP"
	cp "$PPTPCTL" "$TMP/pptpctl" && chmod 0755 "$TMP/pptpctl" ||
		bail "cannot copy pptpctl to $TMP"
	CONF=$TMP/pptpd-client.conf
	SOCK=$TMP/ctl.sock
	LOG=$TMP/daemon.log
	trap dl_cleanup EXIT
	trap 'exit 130' INT TERM HUP
}

_kill_wait() {	# SIGTERM, SIGKILL after 3 s
	local pid=$1 i
	kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null
	for i in $(seq 30); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
}

dl_cleanup() {
	local rc=$? pid u
	trap - EXIT
	if [ "$_failed" -gt 0 ] && [ -s "$LOG" ]; then
		diag "--- daemon log (last 40 lines)"
		tail -n 40 "$LOG" | sed 's/^/# /' >&2
	fi
	[ -n "$DPID" ] && _kill_wait "$DPID"
	# anything still running in our namespaces is ours
	for ns in "$NS" "$NS_SRV"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done
	for u in $USERS; do userdel "$u" 2>/dev/null; done
	[ -n "$CTLGROUP" ] && groupdel "$CTLGROUP" 2>/dev/null
	[ -n "$TMP" ] && rm -rf "$TMP"
	[ "$_failed" -gt 0 ] && [ "$rc" -eq 0 ] && rc=1
	exit "$rc"
}

# Client namespace $NS (192.0.2.2) and server namespace $NS_SRV (192.0.2.1,
# no listener, so TCP 1723 is refused at once).
dl_netns() {
	ip netns add "$NS" || bail "ip netns add $NS failed"
	ip netns add "$NS_SRV" || bail "ip netns add $NS_SRV failed"
	ip -n "$NS" link add "$VETH" type veth peer name "${VETH}s" \
	    netns "$NS_SRV" || bail "cannot create a veth pair (module veth)"
	ip -n "$NS" addr add $CLI_IP/24 dev "$VETH"
	ip -n "$NS_SRV" addr add $SRV_IP/24 dev "${VETH}s"
	for n in "$NS" "$NS_SRV"; do ip -n "$n" link set lo up; done
	ip -n "$NS" link set "$VETH" up
	ip -n "$NS_SRV" link set "${VETH}s" up
}

# dl_group: a control group and users: $U_MEMBER (listed in the group),
# $U_PRIMARY (the group is its primary group), $U_OTHER (not in it).
dl_users() {
	CTLGROUP=pcdg$$
	groupadd -r "$CTLGROUP" || bail "groupadd $CTLGROUP failed"
	U_MEMBER=pcdm$$
	U_PRIMARY=pcdp$$
	U_OTHER=pcdo$$
	useradd -r -M -N -d /nonexistent -s /usr/sbin/nologin -g nogroup \
	    -G "$CTLGROUP" "$U_MEMBER" || bail "useradd $U_MEMBER failed"
	USERS="$U_MEMBER"
	useradd -r -M -N -d /nonexistent -s /usr/sbin/nologin \
	    -g "$CTLGROUP" "$U_PRIMARY" || bail "useradd $U_PRIMARY failed"
	USERS="$USERS $U_PRIMARY"
	useradd -r -M -N -d /nonexistent -s /usr/sbin/nologin -g nogroup \
	    "$U_OTHER" || bail "useradd $U_OTHER failed"
	USERS="$USERS $U_OTHER"
}

# dl_conf [GLOBAL-LINE...]: tunnels "lab" and "other", both to 192.0.2.1,
# not persistent; root-owned and 0600 as the daemon demands.
dl_conf() {
	local l
	(umask 077
	 printf 'secret-%s\n' "$$" >"$TMP/lab.secret"
	 {
		echo "firewall none"
		echo "pppd \"/bin/false\""
		echo "control-socket \"$SOCK\""
		for l in "$@"; do echo "$l"; done
		echo "tunnel \"lab\" {"
		echo "	server $SRV_IP"
		echo "	username \"alice\""
		echo "	password-file \"$TMP/lab.secret\""
		echo "	persist no"
		echo "	connect-timeout 3"
		echo "}"
		echo "tunnel \"other\" {"
		echo "	server $SRV_IP"
		echo "	username \"bob\""
		echo "	password-file \"$TMP/lab.secret\""
		echo "	persist no"
		echo "	connect-timeout 3"
		echo "}"
	 } >"$CONF")
}

ctl() { "$TMP/pptpctl" -s "$SOCK" "$@"; }
ctl_as() { local u=$1; shift
	setpriv --reuid="$u" --regid="$(id -g "$u")" --init-groups \
	    "$TMP/pptpctl" -s "$SOCK" "$@"; }

# dl_start: the daemon in the foreground (-d -v) inside $NS; nsenter execs
# in place, so $! is the daemon itself.
dl_start() {
	local i
	nsenter --net="/run/netns/$NS" "$DAEMON" -d -v -f "$CONF" -s "$SOCK" \
	    >"$LOG" 2>&1 &
	DPID=$!
	for i in $(seq 50); do
		[ -S "$SOCK" ] && ctl status >/dev/null 2>&1 &&
		    [ -n "$(child_pid engine)" ] &&
		    [ -n "$(child_pid control)" ] && return 0
		kill -0 "$DPID" 2>/dev/null || break
		sleep 0.1
	done
	diag "daemon log:"; sed 's/^/# /' "$LOG" >&2
	bail "pptpd-client did not start or does not answer on $SOCK"
}

# child_pid ROLE: the daemon's child whose command line names ROLE
child_pid() {
	local c
	for c in $(cat /proc/"$DPID"/task/*/children 2>/dev/null); do
		tr '\0' ' ' <"/proc/$c/cmdline" 2>/dev/null |
		    grep -q -- "$1" && { echo "$c"; return 0; }
	done
	return 1
}

# wait_new_child ROLE OLDPID SECONDS: prints the pid of a ROLE child other
# than OLDPID once one exists
wait_new_child() {
	local i p
	for i in $(seq $(($3 * 10))); do
		p=$(child_pid "$1")
		[ -n "$p" ] && [ "$p" != "$2" ] && { echo "$p"; return 0; }
		sleep 0.1
	done
	return 1
}

status_field() { sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status"; }

# check_child ROLE PID: the sandbox of one child, one TAP line per property
check_child() {
	local role=$1 pid=$2 uids root
	uids=$(status_field "$pid" Uid | tr -s '\t ' ' ')
	if [ -n "$uids" ] && ! printf '%s\n' "$uids" | grep -Eq '(^| )0( |$)'
	then ok 0 "$role ($pid): every Uid field non-root ($uids)"
	else ok 1 "$role ($pid): every Uid field non-root"; diag "  Uid: $uids"
	fi
	uids=$(status_field "$pid" Gid | tr -s '\t ' ' ')
	if [ -n "$uids" ] && ! printf '%s\n' "$uids" | grep -Eq '(^| )0( |$)'
	then ok 0 "$role ($pid): every Gid field non-root ($uids)"
	else ok 1 "$role ($pid): every Gid field non-root"; diag "  Gid: $uids"
	fi
	is "$(status_field "$pid" Groups | tr -s ' \t' '\n\n' | grep -c '^0$')" 0 \
	    "$role ($pid): not in group root"
	is "$(status_field "$pid" NoNewPrivs)" 1 "$role ($pid): NoNewPrivs 1"
	if [ -n "${PC_SANITIZE_BUILD:-}" ]; then	# regress/run-asan
		ok 0 "$role ($pid): Seccomp 2 # SKIP no seccomp with SANITIZE=1"
		ok 0 "$role ($pid): chrooted # SKIP no chroot with SANITIZE=1"
	else
		is "$(status_field "$pid" Seccomp)" 2 \
		    "$role ($pid): Seccomp 2 (filter)"
		root=$(readlink "/proc/$pid/root")
		is "$root" "$EMPTY_DIR" \
		    "$role ($pid): chrooted to the empty directory"
	fi
	like "$(tr '\0' ' ' <"/proc/$pid/cmdline")" "$role" \
	    "$role ($pid): process title names the role"
	# ps must not show an unprivileged child as the parent
	unlike "$(tr '\0' ' ' <"/proc/$pid/cmdline")" "parent" \
	    "$role ($pid): process title does not call it the parent"
}

# tunnels_listed: 0 if pptpctl status (and -j status) name both tunnels
tunnels_listed() {
	local out
	out=$(ctl status 2>&1) || { printf '%s\n' "$out" >&2; return 1; }
	printf '%s\n' "$out" | grep -q 'lab' &&
	    printf '%s\n' "$out" | grep -q 'other'
}

# json_state NAME FIELD: FIELD of tunnel NAME in pptpctl -j status
json_field() {
	ctl -j status "$1" 2>/dev/null | "$PYTHON" -c '
import json, sys
name, key = sys.argv[1], sys.argv[2]
try:
    doc = json.load(sys.stdin)
except ValueError:
    sys.exit(0)
def walk(v):
    if isinstance(v, dict):
        if v.get("name") == name and key in v:
            yield v[key]
        for k, x in v.items():
            if k == name and isinstance(x, dict) and key in x:
                yield x[key]
            yield from walk(x)
    elif isinstance(v, list):
        for x in v:
            yield from walk(x)
for r in walk(doc):
    print(r)
    break
' "$1" "$2"
}
