#!/bin/sh
# The man pages: mandoc -Tlint finds nothing at warning level or above in
# any of them (style notes, such as pages the host's mandoc.db lacks, are
# left out), and every keyword of the config grammar is documented.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/regress/tap.sh"

command -v mandoc >/dev/null || abort "mandoc is not installed (regress/packages lists it)"
for page in "$top"/man/*.[58]; do
	out=$(mandoc -Tlint -W warning "$page" 2>&1)
	if [ -z "$out" ]; then
		pass "mandoc -Tlint: $(basename "$page") is clean"
	else
		fail "mandoc -Tlint: $(basename "$page") is clean" "$out"
	fi
done

# every keyword parse.y knows is in pptpd-client.conf(5)
conf5=$top/man/pptpd-client.conf.5
kws=$(sed -n 's/^	{ "\([a-z-]*\)",.*KW_\(GLOBAL\|TUNNEL\) },$/\1/p' "$top/pptpd-client/parse.y")
[ -n "$kws" ] || abort "no keywords found in parse.y"
for kw in $kws; do
	if grep -q "^\.It Ic $kw\( \|$\)" "$conf5"; then
		pass "pptpd-client.conf(5) documents $kw"
	else
		fail "pptpd-client.conf(5) documents $kw"
	fi
done
done_testing
