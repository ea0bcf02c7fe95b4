#!/bin/sh
# make install / make uninstall, into scratch trees only (TAP).
#
# 1. DESTDIR=$tmp/dest PREFIX=/usr: the exact list of files and directories
#    with their modes; what the files hold; an edited config survives a
#    second install and an uninstall; uninstall leaves only directories.
# 2. No DESTDIR, PREFIX and SYSCONFDIR under $tmp/sys: install applies the
#    sysusers.d and tmpfiles.d snippets. SYSUSERS, TMPFILES and USERADD
#    point at stand-ins that only record their arguments, in every make
#    call here, so the real system's users and /run are never touched;
#    /etc/passwd and /etc/group are compared before and after as well.
set -u
umask 022
export LC_ALL=C
repo=$(cd "$(dirname "$0")/../.." && pwd)
. "$repo/regress/tap.sh"
need make diff find
tmp=$(mktemp -d /tmp/pptpc-install.XXXXXX) || abort "mktemp failed"
on_exit 'rm -rf "$tmp"'

diag_file() { sed 's/^/# /' "$@" >&2; }
# same DESC EXPECTED-FILE ACTUAL-FILE: pass when equal, else show the diff
same() {
	if diff -u "$2" "$3" >"$tmp/diff"; then pass "$1"
	else fail "$1"; diag_file "$tmp/diff"; fi
}

# Stand-ins: each appends "name args" to $tmp/calls.
mkdir -p "$tmp/stub" "$tmp/none"
for c in systemd-sysusers systemd-tmpfiles useradd; do
	printf '#!/bin/sh\necho "%s $*" >>"%s/calls"\n' "$c" "$tmp" >"$tmp/stub/$c"
	chmod +x "$tmp/stub/$c"
done
STUBS="SYSUSERS=$tmp/stub/systemd-sysusers TMPFILES=$tmp/stub/systemd-tmpfiles USERADD=$tmp/stub/useradd"

# mk ARGS: make in the repository, output in $tmp/log; not the parent
# make's flags (this runs under make check).
mk() {
	# shellcheck disable=SC2086
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$repo" --no-print-directory \
	    $STUBS "$@" >"$tmp/log" 2>&1
	rc=$?
	[ $rc = 0 ] || diag_file "$tmp/log"
	return $rc
}
# tree DIR: every file and directory below DIR, "mode type path", sorted
tree() { (cd "$1" && find . -mindepth 1 -printf '%m %y %P\n') | sort -k3; }
sysstate() { cat /etc/passwd /etc/group | cksum; }
sys_before=$(sysstate)

D=$tmp/dest
mans5=$(cd "$repo/man" && ls ./*.5 | sed 's|^\./||')
mans8=$(cd "$repo/man" && ls ./*.8 | sed 's|^\./||')

# Directories that stay after uninstall: shared ones (sbin, man, the
# systemd, sysusers.d, tmpfiles.d and rt_protos.d directories) that other
# packages use too. Only our own etc/pptpd-client goes.
cat >"$tmp/dirs" <<EOF
755 d etc
755 d etc/iproute2
755 d etc/iproute2/rt_protos.d
755 d usr
755 d usr/lib
755 d usr/lib/systemd
755 d usr/lib/systemd/system
755 d usr/lib/sysusers.d
755 d usr/lib/tmpfiles.d
755 d usr/sbin
755 d usr/share
755 d usr/share/man
755 d usr/share/man/man5
755 d usr/share/man/man8
EOF
{
	cat "$tmp/dirs"
	cat <<EOF
644 f etc/iproute2/rt_protos.d/pptpd-client.conf
700 d etc/pptpd-client
600 f etc/pptpd-client.conf
644 f usr/lib/systemd/system/pptpd-client.service
644 f usr/lib/sysusers.d/pptpd-client.conf
644 f usr/lib/tmpfiles.d/pptpd-client.conf
755 d usr/lib/pptpd-client
644 f usr/lib/pptpd-client/pptpd-client.so
755 f usr/sbin/pptp-pptpd-client
755 f usr/sbin/pptpctl
755 f usr/sbin/pptpd-client
EOF
	for m in $mans5; do echo "644 f usr/share/man/man5/$m"; done
	for m in $mans8; do echo "644 f usr/share/man/man8/$m"; done
} | sort -k3 >"$tmp/want-installed"
sort -k3 "$tmp/dirs" >"$tmp/want-left"

# --- 1. into DESTDIR ---------------------------------------------------------
check "make install DESTDIR=... PREFIX=/usr" mk install DESTDIR="$D" PREFIX=/usr
tree "$D" >"$tmp/got"
same "installed: exactly these files and directories, with these modes" \
    "$tmp/want-installed" "$tmp/got"
check "the installed programs are the ones built" \
    sh -c "cmp -s '$repo/pptpd-client/pptpd-client' '$D/usr/sbin/pptpd-client' &&
        cmp -s '$repo/pptpctl/pptpctl' '$D/usr/sbin/pptpctl' &&
        cmp -s '$repo/pptpd-client/pptp-pptpd-client' '$D/usr/sbin/pptp-pptpd-client'"
check "the config is the example" cmp -s "$repo/etc/pptpd-client.conf" "$D/etc/pptpd-client.conf"
unit=$D/usr/lib/systemd/system/pptpd-client.service
check "the unit starts /usr/sbin/pptpd-client" grep -qx 'ExecStart=/usr/sbin/pptpd-client -d' "$unit"
check "the unit names no /usr/local/sbin program" sh -c "! grep -q '/usr/local/sbin/' '$unit'"
# the number the daemon puts on its routes, from the source
proto=$(sed -n 's/^#define[ \t]*RTPROT_PPTPD_CLIENT[ \t]*\(0x[0-9a-fA-F]*\).*/\1/p' "$repo/privsep/parent/route.h")
check "rt_protos.d names protocol $(printf %d "${proto:-0}") (RTPROT_PPTPD_CLIENT) pptpd-client" \
    grep -Eq "^$(printf %d "${proto:-0}")[[:space:]]+pptpd-client\$" \
    "$D/etc/iproute2/rt_protos.d/pptpd-client.conf"
check "sysusers.d creates the system user _pptp" \
    grep -Eq '^u[[:space:]]+_pptp[[:space:]]' "$D/usr/lib/sysusers.d/pptpd-client.conf"
check "tmpfiles.d creates /run/pptpd-client and its empty chroot, root's, 0755" \
    sh -c "grep -Eq '^d[[:space:]]+/run/pptpd-client[[:space:]]+0755[[:space:]]+root[[:space:]]+root' '$D/usr/lib/tmpfiles.d/pptpd-client.conf' &&
        grep -Eq '^d[[:space:]]+/run/pptpd-client/empty[[:space:]]+0755[[:space:]]+root[[:space:]]+root' '$D/usr/lib/tmpfiles.d/pptpd-client.conf'"
check "with DESTDIR no user is created and no snippet applied" test ! -e "$tmp/calls"

echo '# changed by hand' >>"$D/etc/pptpd-client.conf"
cp "$D/etc/pptpd-client.conf" "$tmp/edited"
check "a second make install succeeds" mk install DESTDIR="$D" PREFIX=/usr
check "... and keeps the edited config" cmp -s "$tmp/edited" "$D/etc/pptpd-client.conf"
check "... and says so" grep -q "keeping the existing $D/etc/pptpd-client.conf" "$tmp/log"
tree "$D" >"$tmp/got"
same "... and the tree is the same as after the first" "$tmp/want-installed" "$tmp/got"

check "make uninstall DESTDIR=... PREFIX=/usr" mk uninstall DESTDIR="$D" PREFIX=/usr
check "uninstall keeps the edited config and says so" \
    sh -c "cmp -s '$tmp/edited' '$D/etc/pptpd-client.conf' && grep -q 'keeping $D/etc/pptpd-client.conf' '$tmp/log'"
{ cat "$tmp/dirs"; echo "600 f etc/pptpd-client.conf"; } | sort -k3 >"$tmp/want"
tree "$D" >"$tmp/got"
same "after uninstall: the edited config and the shared directories" "$tmp/want" "$tmp/got"

cp "$repo/etc/pptpd-client.conf" "$D/etc/pptpd-client.conf"
check "make uninstall with the example config unchanged" mk uninstall DESTDIR="$D" PREFIX=/usr
tree "$D" >"$tmp/got"
same "after uninstall: no file, only the shared directories" "$tmp/want-left" "$tmp/got"

# --- 2. no DESTDIR: the snippets are applied ----------------------------------
S=$tmp/sys
check "make install PREFIX=... SYSCONFDIR=... (no DESTDIR)" \
    mk install DESTDIR= PREFIX="$S/usr" SYSCONFDIR="$S/etc"
cat >"$tmp/want" <<EOF
systemd-sysusers $S/usr/lib/sysusers.d/pptpd-client.conf
systemd-tmpfiles --create $S/usr/lib/tmpfiles.d/pptpd-client.conf
EOF
touch "$tmp/calls"
same "it runs systemd-sysusers and systemd-tmpfiles --create on the snippets" \
    "$tmp/want" "$tmp/calls"
check "make uninstall (no DESTDIR)" mk uninstall DESTDIR= PREFIX="$S/usr" SYSCONFDIR="$S/etc"
check "it leaves no file" test -z "$(find "$S" ! -type d)"

# Without systemd-sysusers: useradd, but only when there is no _pptp yet.
rm -f "$tmp/calls"
check "make install without systemd (no DESTDIR)" \
    mk install DESTDIR= PREFIX="$S/usr" SYSCONFDIR="$S/etc" \
    SYSUSERS="$tmp/none/systemd-sysusers" TMPFILES="$tmp/none/systemd-tmpfiles"
if getent passwd _pptp >/dev/null; then
	: >"$tmp/want"
	desc="without systemd and with _pptp present: nothing is run"
else
	echo "useradd --system --user-group --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin --comment pptpd-client unprivileged processes _pptp" >"$tmp/want"
	desc="without systemd: useradd --system ... _pptp"
fi
touch "$tmp/calls"
same "$desc" "$tmp/want" "$tmp/calls"
check "make uninstall (no DESTDIR), again" \
    mk uninstall DESTDIR= PREFIX="$S/usr" SYSCONFDIR="$S/etc"
check "it leaves no file" test -z "$(find "$S" ! -type d)"

check "/etc/passwd and /etc/group are unchanged" test "$(sysstate)" = "$sys_before"

done_testing
