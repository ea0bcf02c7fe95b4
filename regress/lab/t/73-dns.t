#!/bin/sh
# Lab test of pptpd-client: dns yes puts the servers pptpd offers in resolv.conf while the tunnel is up, and exactly the original back after down, after SIGKILL of the daemon and a restart, and on stop.
# The work happens in 73-dns.inner, inside the lab (regress/lab/README).
exec "$(dirname "$0")/../tap-lab" --daemon "$(dirname "$0")/73-dns.inner"
