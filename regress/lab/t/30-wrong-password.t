#!/bin/sh
# Lab test of pptpd-client: a wrong password fails with "authentication failed", once, no retry loop.
# The work happens in 30-wrong-password.inner, inside the lab (regress/lab/README).
exec "$(dirname "$0")/../tap-lab" --daemon "$(dirname "$0")/30-wrong-password.inner"
