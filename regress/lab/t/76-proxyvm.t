#!/bin/sh
# Lab test of pptpd-client: a Qubes ProxyVM: an AppVM namespace behind the client, forward, MSS clamp, kill switch.
# The work happens in 76-proxyvm.inner, inside the lab (regress/lab/README).
exec "$(dirname "$0")/../tap-lab" --daemon "$(dirname "$0")/76-proxyvm.inner"
