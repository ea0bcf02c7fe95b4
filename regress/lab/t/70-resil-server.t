#!/bin/sh
# Lab test of pptpd-client: a persist tunnel survives pptpd killed and restarted, the link cut (PPTP echo, LCP echo) and pppd killed; down while waiting.
# The work happens in 70-resil-server.inner, inside the lab (regress/lab/README).
exec "$(dirname "$0")/../tap-lab" --daemon "$(dirname "$0")/70-resil-server.inner"
