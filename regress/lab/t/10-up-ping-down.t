#!/bin/sh
# Lab test of pptpd-client: one tunnel: up, ping through it, status, counters, down leaves nothing behind.
# The work happens in 10-up-ping-down.inner, inside the lab (regress/lab/README).
exec "$(dirname "$0")/../tap-lab" --daemon "$(dirname "$0")/10-up-ping-down.inner"
