#!/bin/sh
# Lab test of pptpd-client: the kill switch: with kill-switch yes and route default, killing the server leaks no packet of a running ping in clear, and no IPv6 at all.
# The work happens in 62-fw-leak.inner, inside the lab (regress/lab/README).
LAB_TIMEOUT=${LAB_TIMEOUT:-240} exec "$(dirname "$0")/../tap-lab" --daemon "$(dirname "$0")/62-fw-leak.inner"
