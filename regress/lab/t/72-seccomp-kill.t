#!/bin/sh
# Lab test of pptpd-client: the engine killed by its seccomp filter (test build) is restarted and persist tunnels come back.
# The work happens in 72-seccomp-kill.inner, inside the lab (regress/lab/README).
exec "$(dirname "$0")/../tap-lab" --daemon "$(dirname "$0")/72-seccomp-kill.inner"
