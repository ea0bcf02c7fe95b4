#!/bin/sh
# The drop-in pptp (pptpd-client/pptp-pptpd-client) under pppd exactly as
# NetworkManager-pptp starts it, without our daemon: tunnel up, ping, the
# engine sandboxed, no host route; pppd ends and nothing is left.
exec "$(dirname "$0")/../tap-lab" "$(dirname "$0")/80-dropin-nm.inner"
