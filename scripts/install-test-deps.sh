#!/bin/sh
# Installs the Debian packages the test suite drives for real. Idempotent: installs only what is
# missing, so it costs nothing on a machine that already has them.
#   EMBER_SKIP_APT=1   never call apt-get (the tests that need a missing tool then fail loudly)
set -eu

need=""
command -v tmux >/dev/null 2>&1 || need="$need tmux"

[ -z "$need" ] && exit 0
if [ "${EMBER_SKIP_APT:-0}" = 1 ]; then
  echo "install-test-deps: missing:$need (EMBER_SKIP_APT=1, not installing)" >&2
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "install-test-deps: installing$need" >&2
$sudo apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $need >/dev/null
