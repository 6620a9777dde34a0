#!/bin/sh
# Installs the Debian packages the test suite drives for real: tmux (the REPL and HUD e2e tests),
# zsh (the appliance's shell: its completion of ember is typed into a real zsh),
# qemu-user with Debian's arm64 runtime libraries (the arm64 binary runs under qemu-aarch64),
# busybox (the plugin example runs under the appliance's shell tools), and the image tools.
# Idempotent: installs only what is missing, so it costs nothing on a machine that has them.
#   EMBER_SKIP_APT=1   never call apt-get (the tests that need a missing tool then fail loudly)
set -eu

need=""
command -v tmux >/dev/null 2>&1 || need="$need tmux"
command -v zsh >/dev/null 2>&1 || need="$need zsh"
command -v busybox >/dev/null 2>&1 || need="$need busybox"
command -v qemu-aarch64 >/dev/null 2>&1 || need="$need qemu-user"
[ -e /lib/ld-linux-aarch64.so.1 ] || need="$need libc6:arm64"
[ -e /usr/lib/aarch64-linux-gnu/libstdc++.so.6 ] || need="$need libstdc++6:arm64"
# The SD-image tests (mkfs.vfat, sfdisk and debugfs live in /usr/sbin).
command -v genimage >/dev/null 2>&1 || need="$need genimage"
command -v mcopy >/dev/null 2>&1 || need="$need mtools"
[ -x /usr/sbin/mkfs.vfat ] || command -v mkfs.vfat >/dev/null 2>&1 || need="$need dosfstools"
[ -x /usr/sbin/sfdisk ] || command -v sfdisk >/dev/null 2>&1 || need="$need fdisk"
[ -x /usr/sbin/debugfs ] || command -v debugfs >/dev/null 2>&1 || need="$need e2fsprogs"
command -v curl >/dev/null 2>&1 || need="$need curl"

[ -z "$need" ] && exit 0
if [ "${EMBER_SKIP_APT:-0}" = 1 ]; then
  echo "install-test-deps: missing:$need (EMBER_SKIP_APT=1, not installing)" >&2
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
case "$need" in
*:arm64*) dpkg --print-foreign-architectures | grep -qx arm64 || $sudo dpkg --add-architecture arm64 ;;
esac
echo "install-test-deps: installing$need" >&2
$sudo apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $need >/dev/null
