#!/bin/sh
# Lab test of pptpd-client: pptpctl check names what stands in the way of a tunnel (GRE dropped on the way, a refused password, MPPE, nothing listening) with its fix, and passes a good tunnel.
# The work happens in 74-check.inner, inside the lab (regress/lab/README).
exec "$(dirname "$0")/../tap-lab" --daemon "$(dirname "$0")/74-check.inner"
