#!/bin/sh
# Lab test of pptpd-client: two tunnels to two servers at once; one down leaves the other working.
# The work happens in 20-two-tunnels.inner, inside the lab (regress/lab/README).
exec "$(dirname "$0")/../tap-lab" --daemon --servers 2 "$(dirname "$0")/20-two-tunnels.inner"
