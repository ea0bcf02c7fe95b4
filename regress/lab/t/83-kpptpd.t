#!/bin/sh
# kpptpd, the lab's server with the kernel's data path, works: pptp-linux
# + pppd reach it with MS-CHAPv2 and MPPE-128 and ping through the tunnel,
# and on the server side the frames go through the kernel's PPTP socket.
exec "$(dirname "$0")/../tap-lab" "$(dirname "$0")/83-kpptpd.inner"
