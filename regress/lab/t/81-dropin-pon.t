#!/bin/sh
# The drop-in pptp from an old-style peers file: pon NAME brings the
# tunnel up, ping through it, poff NAME ends it and nothing is left.
exec "$(dirname "$0")/../tap-lab" "$(dirname "$0")/81-dropin-pon.inner"
