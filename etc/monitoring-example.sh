#!/bin/sh
# A check for Nagios, Icinga, check_mk's local checks and the like: reads
# `pptpctl -j status` and `pptpctl -j show counters` and prints one line,
#
#   PPTP OK - office up 2h 3m, echo rtt 41 ms, gre rx +118 | office_rtt=41ms;300;1000;0 office_gre_rx=52311c
#
# exiting 0 (OK), 1 (WARNING), 2 (CRITICAL) or 3 (UNKNOWN). With no
# tunnel named, every configured tunnel is checked and the worst one sets
# the result.
#
#   CRITICAL  the tunnel is down, failed or waiting to retry; the daemon
#             does not answer; no GRE packet from the server for -C seconds;
#             echo round trip at least -c ms
#   WARNING   the tunnel is on its way up or down (connecting, calling,
#             ppp, stopping); no GRE for -W seconds; echo rtt at least -w ms
#   UNKNOWN   bad usage, no such tunnel, neither jq nor python3 found
#
# "No GRE" is judged across runs: the script keeps, per tunnel, the last
# gre_rx_packets value it saw and when that value last grew, in a state
# directory of its own. A tunnel that is up always receives GRE: pppd
# sends an LCP echo every 20 seconds and the server answers it, so a
# counter that stands still for a minute means packets from the server no
# longer arrive. The first run, and a run after the counters went back
# (`pptpctl clear counters`, a restarted engine), only records.
# echo_rtt_ms is judged once there has been an echo (it is 0 before).
#
# usage: monitoring-example.sh [-w ms] [-c ms] [-W s] [-C s] [-s socket]
#                              [-d statedir] [tunnel]

RTT_WARN=300
RTT_CRIT=1000
STALL_WARN=60
STALL_CRIT=120
SOCKET=/run/pptpd-client.sock
STATE_DIR=/var/tmp/pptpd-client-monitor.$(id -u)
PATH=$PATH:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin

unknown() {
	echo "PPTP UNKNOWN - $*"
	exit 3
}

is_uint() {
	case $1 in
	''|*[!0-9]*) return 1 ;;
	esac
	return 0
}

while getopts w:c:W:C:s:d: opt; do
	case $opt in
	w) RTT_WARN=$OPTARG ;;
	c) RTT_CRIT=$OPTARG ;;
	W) STALL_WARN=$OPTARG ;;
	C) STALL_CRIT=$OPTARG ;;
	s) SOCKET=$OPTARG ;;
	d) STATE_DIR=$OPTARG ;;
	*) unknown "usage: $0 [-w ms] [-c ms] [-W s] [-C s] [-s socket]" \
	    "[-d statedir] [tunnel]" ;;
	esac
done
shift $((OPTIND - 1))
[ $# -le 1 ] || unknown "only one tunnel name, or none for all"
TUNNEL=${1-}
for v in "$RTT_WARN" "$RTT_CRIT" "$STALL_WARN" "$STALL_CRIT"; do
	is_uint "$v" || unknown "thresholds are whole numbers: $v"
done

# One tab-separated line per tunnel from pptpctl's JSON, with the keys
# given as arguments, by jq or else python3. Tabs and newlines inside
# values become spaces so a line stays a line.
if command -v jq >/dev/null 2>&1; then
	json_rows() {
		jq -r --args '.tunnels[] | [ . as $t | $ARGS.positional[] |
		    ($t[.] // "" | tostring | gsub("[\t\n]"; " ")) ] |
		    join("\t")' "$@"
	}
elif command -v python3 >/dev/null 2>&1; then
	json_rows() {
		python3 -c '
import json, sys
for t in json.load(sys.stdin)["tunnels"]:
    print("\t".join(str(t.get(k, "")).replace("\t", " ").replace("\n", " ")
                    for k in sys.argv[1:]))' "$@"
	}
else
	unknown "neither jq nor python3 is installed"
fi

# pptpctl's exit status: 1 a failed operation (here: no such tunnel),
# 3 the daemon not reachable or not permitted.
ctl_check() {
	case $1 in
	0) ;;
	3) echo "PPTP CRITICAL - daemon not reachable: $2"; exit 2 ;;
	*) unknown "pptpctl $3: $2" ;;
	esac
}

status_json=$(pptpctl -j -s "$SOCKET" status ${TUNNEL:+"$TUNNEL"} 2>&1)
ctl_check $? "$status_json" status
counters_json=$(pptpctl -j -s "$SOCKET" show counters \
    ${TUNNEL:+"$TUNNEL"} 2>&1)
ctl_check $? "$counters_json" "show counters"
status_rows=$(printf '%s\n' "$status_json" |
    json_rows name state uptime_s last_error note) ||
    unknown "cannot read pptpctl status output"
counter_rows=$(printf '%s\n' "$counters_json" |
    json_rows name echo_rtt_ms gre_rx_packets) ||
    unknown "cannot read pptpctl show counters output"
[ -n "$status_rows" ] || unknown "no tunnel configured"

# A directory only we can write, so that nobody can plant state files or
# symlinks for us.
if [ ! -d "$STATE_DIR" ]; then
	mkdir -m 700 "$STATE_DIR" 2>/dev/null ||
	    unknown "cannot create $STATE_DIR"
fi
if [ -L "$STATE_DIR" ] || [ ! -O "$STATE_DIR" ]; then
	unknown "$STATE_DIR is not a directory of this user's own"
fi

now=$(date +%s)
worst=0
summary=""
perf=""
tab=$(printf '\t')

raise() {
	[ "$1" -gt "$worst" ] && worst=$1
}

duration() {
	d=$(($1 / 86400)); h=$(($1 % 86400 / 3600)); m=$(($1 % 3600 / 60))
	if [ "$d" -gt 0 ]; then echo "${d}d ${h}h"
	elif [ "$h" -gt 0 ]; then echo "${h}h ${m}m"
	else echo "${m}m $(($1 % 60))s"
	fi
}

# How long gre_rx_packets has stood still, in seconds; records this run.
gre_stall() {
	file=$STATE_DIR/tunnel-$1
	prev_pkts="" prev_time=""
	[ -f "$file" ] && read -r prev_pkts prev_time <"$file"
	if is_uint "$prev_pkts" && is_uint "$prev_time" &&
	    [ "$2" -eq "$prev_pkts" ]; then
		echo $((now - prev_time))
		return
	fi
	# first run, growth, or counters set back: a fresh start
	echo "$2 $now" >"$file.tmp" && mv "$file.tmp" "$file"
	if is_uint "$prev_pkts" && [ "$2" -gt "$prev_pkts" ]; then
		echo "+$(($2 - prev_pkts))"
	else
		echo "new"
	fi
}

while IFS="$tab" read -r name state uptime err note; do
	[ -n "$name" ] || continue
	line=$(printf '%s\n' "$counter_rows" |
	    while IFS="$tab" read -r n r p; do
		[ "$n" = "$name" ] && echo "$r $p"
	    done)
	rtt=${line% *}
	pkts=${line#* }
	is_uint "$rtt" || rtt=0
	is_uint "$pkts" || pkts=0
	case $state in
	up)
		text="$name up $(duration "${uptime:-0}")"
		if [ "$rtt" -gt 0 ]; then
			text="$text, echo rtt $rtt ms"
			if [ "$rtt" -ge "$RTT_CRIT" ]; then raise 2
			elif [ "$rtt" -ge "$RTT_WARN" ]; then raise 1
			fi
		fi
		stall=$(gre_stall "$name" "$pkts")
		case $stall in
		+*)
			text="$text, gre rx $stall" ;;
		new)
			text="$text, gre rx $pkts (first look)" ;;
		*)
			if [ "$stall" -ge "$STALL_WARN" ]; then
				text="$text, no GRE from the server for ${stall}s"
			else
				text="$text, gre rx +0 in ${stall}s"
			fi
			if [ "$stall" -ge "$STALL_CRIT" ]; then raise 2
			elif [ "$stall" -ge "$STALL_WARN" ]; then raise 1
			fi ;;
		esac
		;;
	connecting|calling|ppp|stopping)
		text="$name $state${note:+ ($note)}"
		raise 1
		;;
	*)
		text="$name $state${err:+: $err}"
		raise 2
		;;
	esac
	summary="${summary:+$summary; }$text"
	perf="$perf ${name}_rtt=${rtt}ms;$RTT_WARN;$RTT_CRIT;0 ${name}_gre_rx=${pkts}c"
done <<EOF
$status_rows
EOF

case $worst in
0) word=OK ;;
1) word=WARNING ;;
*) word=CRITICAL ;;
esac
echo "PPTP $word - $summary |$perf"
exit "$worst"
