#!/bin/sh
# Lab test of pptpd-client: the kernel data path (pptp.ko, our pppd plugin) against the real pptpd.
# The work happens in 75-kernel-datapath.inner, inside the lab (regress/lab/README).
exec "$(dirname "$0")/../tap-lab" --daemon "$(dirname "$0")/75-kernel-datapath.inner"
