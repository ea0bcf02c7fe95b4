#!/bin/sh
# Lab test of pptpd-client: reload changing one of two tunnels, the engine and the daemon SIGKILLed, down while connecting.
# The work happens in 71-resil-daemon.inner, inside the lab (regress/lab/README).
exec "$(dirname "$0")/../tap-lab" --daemon --servers 2 "$(dirname "$0")/71-resil-daemon.inner"
