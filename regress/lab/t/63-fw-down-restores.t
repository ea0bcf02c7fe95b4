#!/bin/sh
# Lab test of pptpd-client: down leaves iptables-save and ip6tables-save exactly as before up (kill-switch yes); kill-switch always blocks from daemon start.
# The work happens in 63-fw-down-restores.inner, inside the lab (regress/lab/README).
LAB_TIMEOUT=${LAB_TIMEOUT:-240} exec "$(dirname "$0")/../tap-lab" --daemon "$(dirname "$0")/63-fw-down-restores.inner"
