#!/bin/sh
# Lab test of pptpd-client: with the host's INPUT policy DROP, the daemon's own rules let GRE and the TCP 1723 replies in and the tunnel still comes up and pings.
# The work happens in 61-fw-input-drop.inner, inside the lab (regress/lab/README).
LAB_TIMEOUT=${LAB_TIMEOUT:-240} exec "$(dirname "$0")/../tap-lab" --daemon "$(dirname "$0")/61-fw-input-drop.inner"
