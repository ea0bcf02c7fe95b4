# Helpers of the daemon tests (regress/host/t/05-*.t, 06-*.t): the daemon's
# processes, its control socket and pptpctl, on the host kernel; TAP from
# regress/tap.sh.
#
# The daemon always runs in a network namespace of ours, pcd-$$, joined by
# a veth pair to a second one, pcds-$$, that holds the tunnels' server
# address 192.0.2.1 with nothing listening: every connection the daemon
# makes ends there (refused), never on the host's own network, which uses
# 192.0.2.0/24 too. It runs in a mount namespace of its own too, with an
# empty /run/pptpd-client: what it keeps there is not shared with the
# daemon of another test or checkout. Everything made here (daemon,
# namespaces, users, group, files) is removed at exit.
#
#	. "$(dirname "$0")/../daemon/lib.sh"
#	dl_init 12		# TAP plan; root, tools and binaries
#	dl_netns
#	dl_conf			# $CONF: tunnels "lab" and "other"
#	dl_start		# $DPID, $SOCK, $LOG
#
# Anything missing fails the test by name, never skips it. Waits are for
# events (wait_for), with deadlines only against hanging.

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
. "$REPO/regress/tap.sh"

# --- set-up and clean-up ------------------------------------------------------

dl_init() {	# dl_init PLAN
	plan "$1"
	need root ip nsenter unshare setpriv useradd userdel groupadd groupdel \
	    python3 "$DAEMON" "$PPTPCTL" "$GARBAGE"
	PYTHON=$(python3 -c 'import sys; print(sys.executable)')
	TMP=$(mktemp -d /tmp/pcd.XXXXXX) || abort "mktemp failed"
	on_exit dl_cleanup
	# unprivileged users must reach the socket and run pptpctl from here
	chmod 0755 "$TMP"
	cp "$PPTPCTL" "$TMP/pptpctl" && chmod 0755 "$TMP/pptpctl" ||
		abort "cannot copy pptpctl to $TMP"
	CONF=$TMP/pptpd-client.conf
	SOCK=$TMP/ctl.sock
	LOG=$TMP/daemon.log
}

alive() { kill -0 "$1" 2>/dev/null; }
gone() { ! kill -0 "$1" 2>/dev/null; }

# _kill_wait PID: SIGTERM, and SIGKILL if it has not exited within 3 s
_kill_wait() {
	local pid=$1
	alive "$pid" || return 0
	kill -TERM "$pid" 2>/dev/null
	wait_for 3 gone "$pid" || kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

dl_cleanup() {
	local pid u ns
	if [ "$TAP_FAILED" -gt 0 ] && [ -s "$LOG" ]; then
		diag "--- daemon log (last 40 lines)" "$(tail -n 40 "$LOG")"
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
}

# Client namespace $NS (192.0.2.2) and server namespace $NS_SRV (192.0.2.1,
# no listener, so TCP 1723 is refused at once).
dl_netns() {
	local n
	# one with our pid in its name was left by a killed test with that pid
	for n in "$NS" "$NS_SRV"; do
		[ -e "/run/netns/$n" ] && ip netns del "$n" 2>/dev/null
		ip netns add "$n" || abort "ip netns add $n failed"
	done
	ip -n "$NS" link add "$VETH" type veth peer name "${VETH}s" \
	    netns "$NS_SRV" || abort "cannot create a veth pair (module veth)"
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
	U_MEMBER=pcdm$$
	U_PRIMARY=pcdp$$
	U_OTHER=pcdo$$
	# left by a killed test that had our pid: stale
	for u in "$U_MEMBER" "$U_PRIMARY" "$U_OTHER"; do
		getent passwd "$u" >/dev/null && userdel "$u"
	done
	getent group "$CTLGROUP" >/dev/null && groupdel "$CTLGROUP"
	groupadd -r "$CTLGROUP" || abort "groupadd $CTLGROUP failed"
	useradd -r -M -N -d /nonexistent -s /usr/sbin/nologin -g nogroup \
	    -G "$CTLGROUP" "$U_MEMBER" || abort "useradd $U_MEMBER failed"
	USERS="$U_MEMBER"
	useradd -r -M -N -d /nonexistent -s /usr/sbin/nologin \
	    -g "$CTLGROUP" "$U_PRIMARY" || abort "useradd $U_PRIMARY failed"
	USERS="$USERS $U_PRIMARY"
	useradd -r -M -N -d /nonexistent -s /usr/sbin/nologin -g nogroup \
	    "$U_OTHER" || abort "useradd $U_OTHER failed"
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

# dl_start: the daemon in the foreground (-d -v) inside $NS, with a
# /run/pptpd-client of its own; nsenter, unshare (no --fork) and sh all
# exec in place, so $! is the daemon itself.
dl_start() {
	mkdir -p /run/pptpd-client
	nsenter --net="/run/netns/$NS" unshare -m sh -c \
	    'mount -t tmpfs -o mode=0755 tmpfs /run/pptpd-client && exec "$0" "$@"' \
	    "$DAEMON" -d -v -f "$CONF" -s "$SOCK" >"$LOG" 2>&1 &
	DPID=$!
	wait_for 10 _dl_ready_or_gone
	_dl_ready || abort "pptpd-client did not start or does not answer on $SOCK: $(cat "$LOG")"
}
_dl_ready() {
	[ -S "$SOCK" ] && ctl status >/dev/null 2>&1 &&
	    [ -n "$(child_pid engine)" ] && [ -n "$(child_pid control)" ]
}
_dl_ready_or_gone() { _dl_ready || gone "$DPID"; }

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
	_new_child() { NEW_CHILD=$(child_pid "$1") && [ "$NEW_CHILD" != "$2" ]; }
	wait_for "$3" _new_child "$1" "$2" || return 1
	echo "$NEW_CHILD"
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
		# when the tests themselves run in a chroot (regress/fresh-root),
		# the kernel names a root in the daemon's own mount namespace
		# from the real /: the chroot's path, then ours
		like "$root" "^(/.*)?$EMPTY_DIR\$" \
		    "$role ($pid): chrooted to the empty directory"
	fi
	like -i "$(tr '\0' ' ' <"/proc/$pid/cmdline")" "$role" \
	    "$role ($pid): process title names the role"
	# ps must not show an unprivileged child as the parent
	unlike -i "$(tr '\0' ' ' <"/proc/$pid/cmdline")" "parent" \
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
