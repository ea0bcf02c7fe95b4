#!/bin/sh
# Lab test of pptpd-client: the firewall's GRE counters (fw_gre_packets, fw_gre_bytes) grow with traffic and clear counters zeroes them.
# The work happens in 60-fw-counters.inner, inside the lab (regress/lab/README).
LAB_TIMEOUT=${LAB_TIMEOUT:-240} exec "$(dirname "$0")/../tap-lab" --daemon "$(dirname "$0")/60-fw-counters.inner"
