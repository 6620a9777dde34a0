#!/bin/sh
# Writes a small stand-in for an Alpine Raspberry Pi release tarball (alpine-rpi-*-aarch64.tar.gz):
# the real layout and the real config.txt/cmdline.txt, with placeholder bytes for the firmware,
# kernel, initramfs and packages. alpine/build-image.sh accepts it; the Pi would not boot it.
# Tests use it because this machine cannot download the real one.
#
#   scripts/make-alpine-standin.sh OUT.tar.gz
#
# Options (environment variables, defaults in brackets):
#   STANDIN_VERSION=3.22.0   the release named in .alpine-release
#   STANDIN_ARCH=aarch64     the apks/<arch>/ folder (armv7 makes a release the Pi 5 cannot use)
#   STANDIN_OMIT=            space-separated paths to leave out (e.g. "config.txt boot"), to make
#                            tarballs that are not a complete release
set -eu
umask 022

[ $# -eq 1 ] || { echo "usage: $0 OUT.tar.gz" >&2; exit 2; }
OUT=$1
STANDIN_VERSION=${STANDIN_VERSION:-3.22.0}
STANDIN_ARCH=${STANDIN_ARCH:-aarch64}
STANDIN_OMIT=${STANDIN_OMIT:-}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/ember-standin.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM
R=$WORK/release
mkdir -p "$R/boot" "$R/apks/$STANDIN_ARCH" "$R/overlays" "$WORK/index"

placeholder() { # file, what it stands for: recognisable bytes, a few KiB
	mkdir -p "$(dirname "$R/$1")"
	awk -v what="$2" 'BEGIN { for (i = 0; i < 64; i++) printf "ember stand-in: %s, not the real file (%d)\n", what, i }' >"$R/$1"
}

echo "alpine-rpi-$STANDIN_VERSION 250101 (ember stand-in)" >"$R/.alpine-release"
cat >"$R/config.txt" <<'CFG'
# do not modify this file as it will be overwritten on upgrade.
# create and/or modify usercfg.txt instead.
# https://www.raspberrypi.com/documentation/computers/config_txt.html
kernel=boot/vmlinuz-rpi
initramfs boot/initramfs-rpi
arm_64bit=1
include usercfg.txt
CFG
echo "modules=loop,squashfs,sd-mod,usb-storage quiet console=tty1" >"$R/cmdline.txt"
for f in bootcode.bin start4.elf fixup4.dat start.elf fixup.dat; do placeholder "$f" "Raspberry Pi firmware $f"; done
for f in bcm2712-rpi-5-b.dtb bcm2711-rpi-4-b.dtb; do placeholder "$f" "device tree $f"; done
placeholder overlays/README "device tree overlays"
for f in vmlinuz-rpi initramfs-rpi modloop-rpi config-rpi System.map-rpi; do placeholder "boot/$f" "$f"; done
: >"$R/apks/.boot_repository"
placeholder "apks/$STANDIN_ARCH/alpine-base-$STANDIN_VERSION-r0.apk" "package alpine-base"
printf 'C:Q1standin=\nP:alpine-base\nV:%s-r0\nA:%s\nS:4096\nI:4096\nT:Meta package for minimal alpine base (stand-in)\n\n' \
	"$STANDIN_VERSION" "$STANDIN_ARCH" >"$WORK/index/APKINDEX"
echo "ember stand-in repository" >"$WORK/index/DESCRIPTION"
tar --sort=name --mtime=@946684800 --owner=0 --group=0 --numeric-owner -C "$WORK/index" -cf - APKINDEX DESCRIPTION |
	gzip -9n >"$R/apks/$STANDIN_ARCH/APKINDEX.tar.gz"

for path in $STANDIN_OMIT; do rm -rf "${R:?}/$path"; done
mkdir -p "$(dirname "$OUT")"
tar --sort=name --mtime=@946684800 --owner=0 --group=0 --numeric-owner -C "$R" -cf - . | gzip -9n >"$OUT.tmp"
mv -f "$OUT.tmp" "$OUT"
echo "make-alpine-standin: wrote $OUT"
