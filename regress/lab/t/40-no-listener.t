#!/bin/sh
# Lab test of pptpd-client: a server with nothing on port 1723 (refused, or silently dropped) fails clearly and in time.
# The work happens in 40-no-listener.inner, inside the lab (regress/lab/README).
exec "$(dirname "$0")/../tap-lab" --daemon "$(dirname "$0")/40-no-listener.inner"
