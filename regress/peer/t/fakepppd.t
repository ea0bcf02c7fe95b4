#!/bin/bash
# fakepppd on its own: two of them over a socketpair and over a pty, an
# independent (bitwise) HDLC decoder on its output, passwordfd handling,
# exit status on demand. No daemon, no network.
# Root is not needed here.
. "$(dirname "$0")/../../host/lib.sh"
plan 21
need "$PYTHON" "$FAKEPPPD"
TMP=$(mktemp -d /tmp/pc-fake.XXXXXX) || abort "mktemp failed"
on_exit 'rm -rf "$TMP"'
st() { FAKE_STATS=$1 fake_stat "$2"; }
# st_ge FILE KEY N: fakepppd's stat KEY in FILE is at least N
st_ge() { local v; v=$(st "$1" "$2"); [ -n "$v" ] && [ "$v" -ge "$3" ]; }

printf 'tx_frames 200\ntx_size 300\ntx_interval_ms 0\n' >"$TMP/a.conf"
printf 'tx_frames 50\ntx_size 20\ntx_interval_ms 2\n' >"$TMP/b.conf"
for mode in socketpair pty; do
	opt=; [ $mode = pty ] && opt=--pty
	rm -f "$TMP"/[ab].json
	"$PAIR" $opt \
	    "$FAKEPPPD fakepppd-conf $TMP/a.conf fakepppd-stats $TMP/a.json" \
	    "$FAKEPPPD fakepppd-conf $TMP/b.conf fakepppd-stats $TMP/b.json" &
	pair=$!
	# both have all of the other's frames, then both are stopped
	wait_for 20 eval 'st_ge "$TMP/a.json" rx_F.frames 50 &&
	    st_ge "$TMP/b.json" rx_F.frames 200'
	kill -TERM "$pair"
	wait "$pair"
	is "$(st "$TMP/a.json" rx_F.in_order)" 50 "$mode: A got B's 50 frames in order"
	is "$(st "$TMP/b.json" rx_F.in_order)" 200 "$mode: B got A's 200 frames in order"
	is "$(st "$TMP/b.json" rx_bad_fcs)" 0 "$mode: no bad FCS"
	is "$(st "$TMP/b.json" rx_F.bad_payload)" 0 "$mode: payloads intact"
	is "$(st "$TMP/a.json" exit_status)" 5 "$mode: SIGTERM gives pppd's exit status 5"
	is "$(st "$TMP/a.json" done)" true "$mode: final stats written"
done

# An independent decoder: bitwise FCS-16, RFC 1662 check value for
# "123456789" is 0x906e; every frame fakepppd writes must verify.
printf 'tx_frames 30\ntx_size 100\ntx_interval_ms 0\naccm 0xffffffff\n' >"$TMP/c.conf"
cat >"$TMP/dec.py" <<'PY'
import os, select, sys, time
def fcs(data):
    f = 0xffff
    for b in data:
        f ^= b
        for _ in range(8):
            f = (f >> 1) ^ 0x8408 if f & 1 else f >> 1
    return f
assert fcs(b"123456789") ^ 0xffff == 0x906e
# Read until the 30 frames are in (a frame ends at a flag that follows
# some bytes); the deadline only ends a run that would never get them.
buf = b""
end = time.monotonic() + 20
while time.monotonic() < end and \
        len([f for f in buf.split(b"\x7e")[:-1] if f]) < 30:
    r, _, _ = select.select([0], [], [], max(0, end - time.monotonic()))
    if not r:
        break
    d = os.read(0, 65536)
    if not d:
        break
    buf += d
good = bad = ctl = 0
for fr in buf.split(b"\x7e"):
    if not fr:
        continue
    if any(b < 0x20 for b in fr):
        ctl += 1
    out = bytearray()
    esc = False
    for b in fr:
        if b == 0x7d:
            esc = True
            continue
        out.append(b ^ 0x20 if esc else b)
        esc = False
    if fcs(out) == 0xf0b8 and out[:2] == b"\xff\x03" and out[4:8] == b"FPPD":
        good += 1
    else:
        bad += 1
open(sys.argv[1], "w").write("%d %d %d" % (good, bad, ctl))
PY
# stdio-pair stops fakepppd once the decoder has its frames and exits
"$PAIR" "$PYTHON $TMP/dec.py $TMP/dec.out" \
    "$FAKEPPPD fakepppd-conf $TMP/c.conf fakepppd-stats $TMP/c.json"
out=$(cat "$TMP/dec.out" 2>/dev/null)
is "$out" "30 0 0" "independent decoder: 30 good frames, none bad, no unescaped control characters"

# passwordfd: read and recorded, and found neither in argv nor in env
printf 'exit_status 19\nexit_after_ms 100\n' >"$TMP/d.conf"
"$FAKEPPPD" plugin passwordfd.so passwordfd 3 user alice nodetach \
    fakepppd-conf "$TMP/d.conf" fakepppd-stats "$TMP/d.json" \
    3<<<"s3cret-pw" </dev/zero >/dev/null
rc=$?
is "$rc" 19 "exit status on demand (19, authentication failure)"
is "$(st "$TMP/d.json" password)" "s3cret-pw" "password read from passwordfd"
is "$(st "$TMP/d.json" password_in_argv)" false "password not in argv"
is "$(st "$TMP/d.json" password_in_env)" false "password not in environment"
is "$(st "$TMP/d.json" argv | grep -c nodetach)" 1 "argv recorded"
PW=s3cret-pw "$FAKEPPPD" passwordfd 3 fakepppd-conf "$TMP/d.conf" \
    fakepppd-stats "$TMP/e.json" 3<<<"s3cret-pw" </dev/zero >/dev/null
is "$(st "$TMP/e.json" password_in_env)" true "password in the environment is detected"
"$FAKEPPPD" passwordfd 3 password s3cret-pw fakepppd-conf "$TMP/d.conf" \
    fakepppd-stats "$TMP/f.json" 3<<<"s3cret-pw" </dev/zero >/dev/null
is "$(st "$TMP/f.json" password_in_argv)" true "password in argv is detected"
"$FAKEPPPD" fakepppd-stats "$TMP/g.json" </dev/null >/dev/null
is "$?" 16 "hangup (end of file on the tty) exits 16 like pppd"
