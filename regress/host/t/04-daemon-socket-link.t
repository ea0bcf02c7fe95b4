#!/bin/bash
# The control socket's owner and mode are set without following a link at
# its path (issue item 10): someone who can write to the socket's
# directory and puts a symlink there, even in the moment after bind, must
# not get a file of their choice chowned to root and chmodded by the
# daemon. strace delays the daemon's bind() return by a second so that the
# swap after bind happens every time, not by luck.
. "$(dirname "$0")/../daemon/lib.sh"

dl_init 6
need strace
dl_netns
dl_users
dl_conf "control-group \"$CTLGROUP\""

target_is() { stat -c '%a %U %G' "$TMP/target"; }
make_target() {
	echo "not a socket" >"$TMP/target"
	chown nobody:nogroup "$TMP/target"
	chmod 0644 "$TMP/target"
}

# --- 1. a symlink already at the path when the daemon starts ---
make_target
ln -s "$TMP/target" "$SOCK"
dl_start
is "$(target_is)" "644 nobody nogroup" \
    "a symlink at the socket path before start: its target is untouched"
is "$(stat -c '%F %a %U %G' "$SOCK")" "socket 660 root $CTLGROUP" \
    "... and the path is the daemon's socket, 0660 root:control-group"
_kill_wait "$DPID"
DPID=

# --- 2. the socket swapped for a symlink just after bind ---
make_target
rm -f "$SOCK"
# swaps the socket for a symlink as soon as it appears; 20 s is the
# deadline for the daemon to bind (it takes well under a second, plus the
# injected second)
"$PYTHON" - "$SOCK" "$TMP/target" >"$TMP/swap.out" 2>&1 <<'PY' &
import os, stat, sys, time
path, target = sys.argv[1], sys.argv[2]
end = time.monotonic() + 20
while time.monotonic() < end:
    try:
        if stat.S_ISSOCK(os.lstat(path).st_mode):
            os.unlink(path)
            os.symlink(target, path)
            print("swapped", flush=True)
            sys.exit(0)
    except FileNotFoundError:
        pass
    time.sleep(0.001)
print("no socket appeared", flush=True)
PY
SWAP=$!
# LeakSanitizer cannot run under ptrace: an ASan build's daemon does
# without it here (regress/run-asan turns it on everywhere else)
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
nsenter --net="/run/netns/$NS" strace -qq -o /dev/null -e trace=bind \
    -e inject=bind:delay_exit=1s \
    "$DAEMON" -d -v -f "$CONF" -s "$SOCK" >"$LOG" 2>&1 &
DPID=$!
wait "$SWAP"
is "$(cat "$TMP/swap.out")" "swapped" "the socket was replaced by a symlink while bind() returned"
# the daemon refuses to go on (or, before the fix, chowned and went on):
# wait up to 10 s for it to exit; the check below is on the file either way
for i in $(seq 100); do
	kill -0 "$DPID" 2>/dev/null || break
	sleep 0.1
done
is "$(target_is)" "644 nobody nogroup" \
    "the symlink's target keeps its owner, group and mode"
like "$(grep -i 'replaced' "$LOG")" "replaced" \
    "the daemon says the socket path was replaced"
kill -0 "$DPID" 2>/dev/null
ok $((! $?)) "... and does not run with a socket nobody can reach"
