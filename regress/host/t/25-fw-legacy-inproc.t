#!/bin/bash
# The iptables backend's legacy flavour works in the daemon's own process
# (privsep/parent/fw_iptables_tc.c, libiptc) instead of running
# iptables-legacy-save and -restore: what it reads must be what
# iptables-legacy-save prints, what it writes what the programs would
# write, it must start no process, leave the host's rules alone, remove a
# rule of the host's that jumps into a chain of ours however that rule is
# spelt, and wait for the lock `iptables -w` takes. Driven by fwtool in
# network namespaces of our own (regress/host/fw/fwlib.sh); 20-firewall.t
# checks the same flavour's packets, counters and kill switch.
set -u
cd "$(dirname "$0")/../../.." || exit 1
. regress/tap.sh
NC=fwlc$$
NS=fwls$$
VC=fwlv0
VS=fwlv1
. regress/host/fw/fwlib.sh

need root ip "$FW" strace flock iptables-legacy-save iptables-legacy-restore \
    ip6tables-legacy-save
TMP=$(mktemp -d /tmp/fwlegacy.XXXXXX) || abort "mktemp failed"
netns_up

T=lab,server=192.0.2.1,ks=yes,forward=1,allow=198.51.100.0/24
L() { C "$FW" -b legacy "$@"; }

# The host's own rules, with matches and targets we never write (state,
# multiport, LOG, a goto, an inverted address), and one of the host's
# rules jumping into our chain.
C iptables-legacy-restore <<'EOF' || abort "iptables-legacy-restore failed"
*filter
:INPUT ACCEPT [0:0]
:HOSTCHAIN - [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -p udp -m udp --dport 53 -m state --state NEW -j HOSTCHAIN
-A INPUT ! -s 10.0.0.0/8 -p tcp -m multiport --dports 22,80 -j LOG --log-prefix "host "
-A INPUT -g HOSTCHAIN
-A HOSTCHAIN -p icmp -j ACCEPT
COMMIT
EOF
C ip6tables-legacy-restore <<'EOF' || abort "ip6tables-legacy-restore failed"
*filter
:INPUT ACCEPT [0:0]
-A INPUT -p ipv6-icmp -j ACCEPT
COMMIT
EOF
# (the filter table: nat and mangle, empty, stay once forwarding used them)
host_before=$(C iptables-legacy-save -t filter | grep -v '^#')

# --- no process --------------------------------------------------------------
# (LeakSanitizer cannot stop the world of a traced process: in an
# AddressSanitizer build, no leak check under strace)
NOLEAK=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
ASAN_OPTIONS=$NOLEAK C strace -f -qq -e trace=execve -o "$TMP/up.trace" "$FW" -b legacy up "$T"
is "$?" 0 "up"
is "$(grep -c 'execve(' "$TMP/up.trace")" 1 \
    "up started no process (the one execve is fwtool's own)"
ASAN_OPTIONS=$NOLEAK C strace -f -qq -e trace=execve -o "$TMP/if.trace" "$FW" -b legacy iface \
    "$T,if=pptest0"
is "$?" 0 "interface added"
is "$(grep -c 'execve(' "$TMP/if.trace")" 1 "nor did the interface's change"
like "$(L init)" '^iptables-legacy$' "the flavour is legacy"

# --- what it reads is iptables-legacy-save's text ------------------------------
# Our rules, exactly; the host's, as chain, matches' names and target.
# Without the counters: a packet may pass between the two readings (an
# IPv6 neighbour solicitation meets the kill switch); 20-firewall.t
# checks the counters we read.
ours() { grep -E 'PPTPC|pptpd-client' | sed 's/^\[[0-9]*:[0-9]*\] //'; }
L save4 | ours >"$TMP/ours4"
C iptables-legacy-save -c | grep -v '^#' | ours >"$TMP/prog4"
check "IPv4: our chains and rules read as iptables-legacy-save prints them" \
    diff "$TMP/ours4" "$TMP/prog4"
cmp_ok "$(wc -l <"$TMP/ours4")" -ge 20 "and there are all of them to compare"
L save6 | ours >"$TMP/ours6"
C ip6tables-legacy-save -c | grep -v '^#' | ours >"$TMP/prog6"
check "IPv6: the same" diff "$TMP/ours6" "$TMP/prog6"
cmp_ok "$(wc -l <"$TMP/ours6")" -ge 5 "and IPv6 has the kill switch"
shape() { sed -E 's/^\[[0-9]+:[0-9]+\] //; s/^(-A [^ ]+).* -([jg]) ([^ ]+).*/\1 \2 \3/'; }
check "the host's rules: same chains, in order, with the same targets" \
    diff <(L save4 | grep -E '^(\[|-A)' | shape) \
    <(C iptables-legacy-save -c | grep -E '^(\[|-A)' | shape)
like "$(L save4)" '-A INPUT -p udp -m udp -m conntrack -j HOSTCHAIN' \
    "a host rule with matches we do not spell out reads as their names"

# --- what it writes: the programs read it back as ours -------------------------
like "$(C iptables-legacy -S PPTPC-IN-lab)" \
    '-A PPTPC-IN-lab -s 192.0.2.1/32 -p tcp -m tcp --sport 1723 ! --tcp-flags FIN,SYN,RST,ACK SYN -m comment --comment "?pptpd-client:lab:1723"? -j ACCEPT' \
    "TCP 1723 from the server, but no new connection"
like "$(C iptables-legacy -t mangle -S PPTPC-MSS-lab)" \
    '-o pptest0 -p tcp -m tcp --tcp-flags SYN,RST SYN .*-j TCPMSS --clamp-mss-to-pmtu' \
    "the MSS clamp"
like "$(C iptables-legacy -t nat -S PPTPC-NAT-lab)" '-o pptest0 .*-j MASQUERADE' \
    "masquerade out of the tunnel"
check "the kernel accepts a change the program makes beside ours" \
    C iptables-legacy -w 5 -A PPTPC-KS-OUT -d 192.0.2.99/32 -j RETURN
check "and ours after it" L iface "$T,if=pptest1"
unlike "$(C iptables-legacy -S PPTPC-KS-OUT)" '192\.0\.2\.99' \
    "a rule in our chain that is not ours is gone at our next change"

# --- a rule of the host's jumping into our chain, removed by text ----------------
check "the host adds a rule of its own that jumps to our chain" \
    C iptables-legacy -w 5 -I FORWARD -p udp -m udp --dport 9 -m state \
    --state NEW -j PPTPC-IN-lab
check "down" L down "$T"
is "$(C iptables-legacy-save | grep -c PPTPC)" 0 \
    "down removed every chain of ours, and the host's jump into one"
is "$(C ip6tables-legacy-save | grep -c PPTPC)" 0 "IPv6 too"
host_after=$(C iptables-legacy-save -t filter | grep -v '^#')
is "$host_after" "$host_before" "the host's own rules are as they were"

# --- the lock iptables -w takes -------------------------------------------------
# Another program holds it: we wait until it lets go, then change.
flock /run/xtables.lock -c "touch $TMP/held; sleep 1; touch $TMP/released" &
holder=$!
wait_for 5 test -e "$TMP/held" || abort "the lock holder did not start"
check "up while another program holds the lock" L up "$T"
ok "$([ -e "$TMP/released" ]; echo $?)" \
    "up waited for the lock's release before it changed anything"
wait "$holder"
check "down" L down "$T"
is "$(C iptables-legacy-save | grep -c PPTPC)" 0 "nothing of ours left"

done_testing
