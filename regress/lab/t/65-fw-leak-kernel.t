#!/bin/sh
# Lab test of pptpd-client: the kill-switch leak capture of 62-fw-leak, on the kernel data path.
# The work happens in 62-fw-leak.inner, inside the lab (regress/lab/README).
exec "$(dirname "$0")/../tap-lab" --daemon "$(dirname "$0")/62-fw-leak.inner" kernel
