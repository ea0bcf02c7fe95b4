#!/bin/sh
# The drop-in pptp with --hostroute, to a server behind a router: the
# host route to it is there while the tunnel is, and only then, even
# with pppd's default route through the tunnel.
exec "$(dirname "$0")/../tap-lab" --servers 2 "$(dirname "$0")/82-dropin-hostroute.inner"
