#!/bin/bash
# Text from the server reaches last_error and the log only escaped: a
# Call-Disconnect-Notify whose call statistics hold a newline and a line
# that looks like the parent's own must not forge a log line, nor put a
# control character into `pptpctl status`.
. "$(dirname "$0")/../lib.sh"
lib_init 5
fake_conf "tx_frames 2"
forged="parent: tunnel $TUN: connecting -> up (forged)"
session --cdn-after 1 --cdn-result 1 --cdn-stats $'lost\n'"$forged"$'\033[2J'

tunnel_up 10
ok $? "tunnel reaches ppp (state: $STATE)"
wait_state "failed down waiting" 6
ok $? "tunnel goes down after Call-Disconnect-Notify (state: $STATE)"
like "$(last_error)" 'lost\\nparent: tunnel' "last_error shows the newline escaped"
! grep -q "^\([0-9:.]* \)\?parent: tunnel $TUN: connecting -> up (forged)" "$TMP/daemon.log"
ok $? "no forged line in the log"
! LC_ALL=C grep -q $'\033' "$TMP/daemon.log"
ok $? "no escape character reached the log"
