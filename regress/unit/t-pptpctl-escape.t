#!/bin/sh
# What pptpctl prints is safe on a terminal and valid JSON even when the
# daemon's strings are not: regress/unit/fake-ctl -m hostile puts a
# newline, ANSI and C1 escape sequences and bytes that are not UTF-8 into
# a tunnel's last_error and note.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
ctl=${PPTPCTL:-$top/pptpctl/pptpctl}
fake=${FAKE_CTL:-$top/regress/unit/fake-ctl}
tmp=$(mktemp -d /tmp/t-pptpctl-esc.XXXXXX)
fpid=
n=0
failed=0
trap '[ -n "$fpid" ] && kill "$fpid" 2>/dev/null; rm -rf "$tmp"' EXIT
echo "1..5"
ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"
	else echo "not ok $n - $2"; failed=$((failed + 1)); fi
}
for f in "$ctl" "$fake"; do
	[ -x "$f" ] || { echo "not ok 1 - $f is missing (make)"; exit 1; }
done
command -v jq >/dev/null || { echo "not ok 1 - jq is missing (apt-get install jq)"; exit 1; }

"$fake" -m hostile "$tmp/sock" &
fpid=$!
i=0
until [ -S "$tmp/sock" ] || [ $i -ge 50 ]; do sleep 0.1; i=$((i + 1)); done

# only printable ASCII and newlines between lines
clean() { LC_ALL=C tr -d '\n\040-\176' <"$1" | wc -c; }
"$ctl" -s "$tmp/sock" status office >"$tmp/out" 2>&1
ok $? "status office answers"
ok "$(clean "$tmp/out")" "status prints only printable ASCII ($(clean "$tmp/out") other bytes)"
# the newline in last_error must not start a line of its own
! grep -q '^lab: up (forged)' "$tmp/out"
ok $? "a newline in last_error does not make a line of its own"
"$ctl" -j -s "$tmp/sock" status office >"$tmp/json" 2>&1
ok "$(clean "$tmp/json")" "JSON holds only printable ASCII"
jq -e '.. | objects | select(.name? == "office") | .last_error | test("end$")' \
    "$tmp/json" >/dev/null 2>&1
ok $? "the JSON parses and keeps the rest of last_error"
[ $failed -eq 0 ]
