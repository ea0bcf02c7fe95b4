# regress/tap.sh: the TAP helpers of every shell test (sh or bash; ok,
# pass, is and cmp_ok start no process, which matters in the lab, where
# each fork is slow).
#
#	. "$top/regress/tap.sh"
#	plan 12			# up front; or done_testing [N] at the end
#	need root ip tshark	# what the test needs, see below
#
#	ok STATUS NAME		passes if STATUS is 0:  cmd; ok $? "cmd works"
#	pass NAME		fail NAME [DIAG...]
#	check NAME CMD...	passes if CMD succeeds; its output shown if not
#	refute NAME CMD...	passes if CMD fails
#	is GOT WANT NAME	isnt GOT UNWANTED NAME
#	like [-i] GOT ERE NAME	unlike [-i] GOT ERE NAME   (grep -E, per line)
#	cmp_ok GOT OP WANT NAME	integers; OP is -eq -ne -lt -le -gt -ge
#	diag MSG...		to stderr, each line as "# ..."; note: to stdout
#	abort REASON		the rest of the test cannot run: each test left
#				is reported "not ok" with REASON, then exit
#	on_exit CMD		clean-up run at exit, before the count check
#	wait_for SECS CMD...	run CMD until it succeeds; 1 if SECS passed
#				first (a deadline, not a delay: it returns as
#				soon as CMD succeeds)
#	listening PATH		a unix socket at PATH accepts connections
#
# need TOOL...: each TOOL is a program on PATH, an executable path, or the
# word root. If one is missing, every test left (or one, without a plan)
# is reported "not ok" naming it and what provides it, and the script
# ends; the other test files still run. Never "Bail out!": that would stop
# every other test file, and never a skip, which would count as a pass.
#
# The count is always checked: with a plan, running more or fewer tests
# fails; without one, the script must reach done_testing. The exit status
# is 0 only if every test passed and the count is right. Each check
# function returns 0 if its test passed, 1 if not.
#
# Names starting with _tap are this file's; TAP_FAILED is the number of
# failed tests so far (for a clean-up that shows logs on failure).

TAP_FAILED=0
_tap_n=0
_tap_plan=
_tap_done=
_tap_cleanup=
_tap_signal=
# bash runs the EXIT trap in a forked child that fails before its exec
# (`cmd_with_unset_var &` under set -u): only the test's own shell may end
# the test. (dash resets traps in every child.)
_tap_pid=${BASHPID-}

# --- output -------------------------------------------------------------------

# _tap_comment MSG...: every line of every MSG as a TAP comment
_tap_comment() {
	for _tap_m in "$@"; do
		while IFS= read -r _tap_l || [ -n "$_tap_l" ]; do
			printf '# %s\n' "$_tap_l"
		done <<_TAP_EOF
$_tap_m
_TAP_EOF
	done
}
diag() { _tap_comment "$@" >&2; }
note() { _tap_comment "$@"; }

# --- plan and count -----------------------------------------------------------

plan() {	# plan N
	case ${1-} in
	'' | *[!0-9]*) abort "plan: '${1-}' is not a number of tests" ;;
	esac
	if [ -n "$_tap_plan" ] || [ "$_tap_n" -gt 0 ]; then
		abort "plan: called twice or after the first test"
	fi
	_tap_plan=$1
	printf '1..%d\n' "$1"
}

done_testing() {	# done_testing [N]: the plan, at the end
	if [ -n "$_tap_plan" ]; then
		# a plan up front already says it all; it is checked at exit
		_tap_done=y
		return 0
	fi
	if [ $# -gt 0 ] && [ "$1" != "$_tap_n" ]; then
		fail "done_testing: expected $1 tests, ran $_tap_n"
	fi
	# "1..0" would read as "all skipped", which passes
	[ "$_tap_n" -gt 0 ] || fail "no test ran"
	_tap_done=y
	_tap_plan=$_tap_n
	printf '1..%d\n' "$_tap_n"
}

on_exit() { _tap_cleanup="$_tap_cleanup
$*"; }

_tap_exit() {
	[ "${BASHPID-}" = "$_tap_pid" ] || return
	trap - EXIT INT TERM HUP
	_tap_rc=0
	# clean-up first: it may still report (logs of a failure)
	eval "$_tap_cleanup"
	if [ -n "$_tap_signal" ]; then
		fail "the test was interrupted by SIG$_tap_signal"
		_tap_rc=1
	fi
	if [ -z "$_tap_plan" ] && [ -n "$_tap_signal" ]; then
		_tap_plan=$_tap_n
		printf '1..%d\n' "$_tap_n"
	elif [ -z "$_tap_plan" ]; then
		fail "the script ended before done_testing"
		_tap_plan=$_tap_n
		printf '1..%d\n' "$_tap_n"
		_tap_rc=1
	elif [ "$_tap_n" -ne "$_tap_plan" ]; then
		diag "planned $_tap_plan tests, ran $_tap_n"
		_tap_rc=1
	fi
	if [ "$TAP_FAILED" -gt 0 ]; then
		_tap_rc=$TAP_FAILED
		[ "$_tap_rc" -gt 254 ] && _tap_rc=254
	fi
	exit "$_tap_rc"
}
trap _tap_exit EXIT
trap '_tap_signal=INT; exit 130' INT
trap '_tap_signal=TERM; exit 143' TERM
trap '_tap_signal=HUP; exit 129' HUP

# --- results --------------------------------------------------------------------

pass() {
	_tap_n=$((_tap_n + 1))
	printf 'ok %d - %s\n' "$_tap_n" "$1"
	return 0
}
fail() {	# fail NAME [DIAG...]
	_tap_n=$((_tap_n + 1))
	TAP_FAILED=$((TAP_FAILED + 1))
	printf 'not ok %d - %s\n' "$_tap_n" "$1"
	shift
	[ $# -gt 0 ] && diag "$@"
	return 1
}
ok() {	# ok STATUS NAME
	if [ "$1" = 0 ]; then pass "$2"; else fail "$2"; fi
}
check() {	# check NAME CMD...
	_tap_name=$1
	shift
	if _tap_out=$("$@" 2>&1); then
		pass "$_tap_name"
	else
		fail "$_tap_name" "command failed (exit $?): $*" "$_tap_out"
	fi
}
refute() {	# refute NAME CMD...
	_tap_name=$1
	shift
	if _tap_out=$("$@" 2>&1); then
		fail "$_tap_name" "command succeeded but should fail: $*" "$_tap_out"
	else
		pass "$_tap_name"
	fi
}
is() {	# is GOT WANT NAME
	if [ "$1" = "$2" ]; then pass "$3"; else
		fail "$3" "  got:      '$1'" "  expected: '$2'"
	fi
}
isnt() {	# isnt GOT UNWANTED NAME
	if [ "$1" != "$2" ]; then pass "$3"; else
		fail "$3" "  got:      '$1'" "  expected anything else"
	fi
}
_tap_match() {	# _tap_match [-i] TEXT ERE
	_tap_i=
	[ "$1" = -i ] && { _tap_i=i; shift; }
	printf '%s\n' "$1" | grep -Eq$_tap_i -- "$2"
}
like() {	# like [-i] GOT ERE NAME
	_tap_o=
	[ "$1" = -i ] && { _tap_o=-i; shift; }
	if _tap_match $_tap_o "$1" "$2"; then pass "$3"; else
		fail "$3" "  got:      '$1'" "  expected to match /$2/$_tap_o"
	fi
}
unlike() {	# unlike [-i] GOT ERE NAME
	_tap_o=
	[ "$1" = -i ] && { _tap_o=-i; shift; }
	if _tap_match $_tap_o "$1" "$2"; then
		fail "$3" "  got:      '$1'" "  expected not to match /$2/$_tap_o"
	else pass "$3"; fi
}
cmp_ok() {	# cmp_ok GOT OP WANT NAME
	if [ -n "$1" ] && [ "$1" -eq "$1" ] 2>/dev/null && [ "$1" "$2" "$3" ]
	then pass "$4"; else
		fail "$4" "  got: '$1', expected: $2 $3"
	fi
}

# --- what a test needs -----------------------------------------------------------

# abort REASON: the tests left cannot run; each is reported not ok
abort() {
	if [ -z "$_tap_plan" ]; then
		fail "$1"
		_tap_plan=$_tap_n
		printf '1..%d\n' "$_tap_n"
	else
		[ "$_tap_n" -lt "$_tap_plan" ] || fail "$1"
		while [ "$_tap_n" -lt "$_tap_plan" ]; do
			fail "not run: $1"
		done
	fi
	exit 1
}

# _tap_provider TOOL: what to do to get TOOL
_tap_provider() {
	case $1 in
	/*) echo "not built: make check builds it" ;;
	ip | ss | bridge) echo "apt-get install iproute2" ;;
	nsenter | unshare | setpriv | flock) echo "apt-get install util-linux" ;;
	useradd | userdel | groupadd | groupdel) echo "apt-get install passwd" ;;
	iptables* | ip6tables*) echo "apt-get install iptables" ;;
	nft) echo "apt-get install nftables" ;;
	ping) echo "apt-get install iputils-ping" ;;
	pptp) echo "apt-get install pptp-linux" ;;
	pppd) echo "apt-get install ppp" ;;
	pptpd | pptpctrl) echo "apt-get install pptpd" ;;
	linux.uml) echo "apt-get install user-mode-linux" ;;
	depmod | modprobe) echo "apt-get install kmod" ;;
	python3 | */python3*) echo "apt-get install python3" ;;
	clang) echo "apt-get install clang libclang-rt-14-dev" ;;
	*) echo "apt-get install $1" ;;
	esac
}

need() {	# need TOOL...
	_tap_missing=
	for _tap_t in "$@"; do
		case $_tap_t in
		root)
			[ "$(id -u)" = 0 ] && continue
			_tap_missing="$_tap_missing, root (run the tests as root)"
			continue ;;
		*/*)	[ -x "$_tap_t" ] && continue ;;
		*)	# bash's command -v also names a file that cannot run
			_tap_p=$(command -v "$_tap_t" 2>/dev/null) && case $_tap_p in
			/*) [ -f "$_tap_p" ] && [ -x "$_tap_p" ] ;;
			esac && continue ;;
		esac
		_tap_missing="$_tap_missing, $_tap_t ($(_tap_provider "$_tap_t"))"
	done
	[ -z "$_tap_missing" ] || abort "missing: ${_tap_missing#, }"
}

# --- waiting for an event ------------------------------------------------------------

# _tap_now_ms: milliseconds on some clock (a builtin in bash 5, else date)
_tap_now_ms() {
	if [ -n "${EPOCHREALTIME-}" ]; then
		_tap_ms=${EPOCHREALTIME%???}
		_tap_ms=${_tap_ms%[.,]*}${_tap_ms#*[.,]}
	else
		_tap_ms=$(date +%s%3N)
	fi
}

# wait_for SECONDS CMD...: CMD's output is discarded. The deadline is only
# there so that an event that never comes fails the test instead of
# hanging it; callers give generous ones. TAP_POLL is the pause between
# tries (0.05 s: quick to see the event, cheap enough to repeat).
wait_for() {
	local _tap_end	# a CMD that waits itself must not move our deadline
	_tap_now_ms
	_tap_end=$((_tap_ms + $1 * 1000))
	shift
	until "$@" >/dev/null 2>&1; do
		_tap_now_ms
		[ "$_tap_ms" -ge "$_tap_end" ] && return 1
		sleep "${TAP_POLL:-0.05}"
	done
	return 0
}

# listening PATH: the unix socket at PATH (in this network namespace)
# listens. That the file exists is not enough: bind() makes it, and a
# connect() before the listen() that follows is refused.
listening() { [ -n "$(ss -Hx state listening src "$1" 2>/dev/null)" ]; }
