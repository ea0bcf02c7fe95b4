#!/bin/sh
# Lab test of pptpd-client: SIGKILL of the daemon with a kill switch up, then a restart: exactly one copy of our rules, and down and exit leave no rule and no route of ours.
# The work happens in 64-fw-crash.inner, inside the lab (regress/lab/README).
LAB_TIMEOUT=${LAB_TIMEOUT:-240} exec "$(dirname "$0")/../tap-lab" --daemon "$(dirname "$0")/64-fw-crash.inner"
