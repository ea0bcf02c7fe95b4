#!/bin/sh
# Lab test of pptpd-client: route default: traffic beyond the server goes through the tunnel, the server itself through the underlay; down restores the default route.
# The work happens in 50-route-default.inner, inside the lab (regress/lab/README).
exec "$(dirname "$0")/../tap-lab" --daemon --servers 2 "$(dirname "$0")/50-route-default.inner"
