#!/bin/sh
# The lab works: pptp-linux + pppd reach the real pptpd with MS-CHAPv2 and
# MPPE-128, bring up ppp0 and ping the server's tunnel address.
exec "$(dirname "$0")/../tap-lab" "$(dirname "$0")/00-lab-pptp-linux.inner"
