#!/bin/bash
# Who is in the control group is what the kernel says of the connecting
# process (issue item 13): its primary and supplementary groups, at each
# request, whatever /etc/group listed when the daemon started.
. "$(dirname "$0")/../daemon/lib.sh"

dl_init 8
dl_netns
dl_users
dl_conf "control-group \"$CTLGROUP\""
dl_start
CONTROL=$(child_pid control)
# test-only: everybody may connect, so that a process without the group
# reaches the permission check rather than the socket's mode
chmod 0666 "$SOCK"

as_groups() {	# as_groups USER GROUPS pptpctl-args...: GROUPS "" = none
	local u=$1 g=$2; shift 2
	if [ -n "$g" ]; then
		setpriv --reuid="$u" --regid=nogroup --groups="$g" \
		    "$TMP/pptpctl" -s "$SOCK" "$@"
	else
		setpriv --reuid="$u" --regid=nogroup --clear-groups \
		    "$TMP/pptpctl" -s "$SOCK" "$@"
	fi
}

out=$(as_groups "$U_OTHER" "$CTLGROUP" up other 2>&1)
is "$?" 0 "a user not listed in /etc/group whose process has the control group as a supplementary group may up: exit 0 ($out)"
ctl down other >/dev/null 2>&1

out=$(as_groups "$U_MEMBER" "" up other 2>&1)
is "$?" 3 "a listed member whose process does not hold the group is refused: exit 3"
like "$out" "permission denied" "... with permission denied ($out)"

# more groups than the first buffer holds (64), the control group last
many=$(seq -s, 61000 61099),$(getent group "$CTLGROUP" | cut -d: -f3)
out=$(as_groups "$U_OTHER" "$many" up other 2>&1)
is "$?" 0 "with 101 supplementary groups, the control group last, up is allowed: exit 0 ($out)"
ctl down other >/dev/null 2>&1

# membership changed while the daemon runs: counts from the next login
U_LATE=pcdl$$
useradd -r -M -N -d /nonexistent -s /usr/sbin/nologin -g nogroup "$U_LATE" ||
    abort "useradd $U_LATE failed"
USERS="$USERS $U_LATE"
out=$(ctl_as "$U_LATE" up other 2>&1)
is "$?" 3 "a user not yet in the group is refused: exit 3"
usermod -a -G "$CTLGROUP" "$U_LATE" || abort "usermod failed"
out=$(ctl_as "$U_LATE" up other 2>&1)
is "$?" 0 "added to the group while the daemon runs, the user's next login may up without a restart: exit 0 ($out)"
ctl down other >/dev/null 2>&1
gpasswd -d "$U_MEMBER" "$CTLGROUP" >/dev/null || abort "gpasswd -d failed"
out=$(ctl_as "$U_MEMBER" up other 2>&1)
is "$?" 3 "removed from the group while the daemon runs, the user's next login is refused: exit 3"
is "$(child_pid control)" "$CONTROL" \
    "the control process asked the kernel for the groups under its seccomp filter and lives (same pid)"
