# Shared by the nftables tests (regress/host/t/22-fw-nft.t, 23-fw-nft-
# daemon.t): reading our table, and the advice the daemon gives. Defines
# functions only, so both kinds of test can source it.

# nft_ks_drops NETNS: packets the drop of our nftables kill switch counted
nft_ks_drops() {
	ip netns exec "$1" nft list chain inet pptpd-client killswitch-out 2>/dev/null |
	    awk '/counter packets .* drop/ { for (i = 1; i < NF; i++)
	         if ($i == "packets") n += $(i + 1) } END { print n + 0 }'
}

# advice_rules WARNING: the commands a host-ruleset warning tells a
# person to run ("...; add: nft insert rule ...; nft insert rule ..."),
# one a line, so a test can run them as they are written
advice_rules() {
	printf '%s\n' "$1" | sed 's/^[^:]*; add: *//' | tr ';' '\n' |
	    sed 's/^ *//; /^$/d'
}
