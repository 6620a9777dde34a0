#!/bin/sh
# Builds the Ember SD card image for a Raspberry Pi 5 running diskless Alpine, without root:
#   partition 1, FAT32: the Alpine Raspberry Pi release (firmware, kernel, initramfs, apks/), the
#                       Ember apkovl (alpine/build-overlay.sh) and the apk cache folder cache/;
#   partition 2, ext4 labelled EMBERDATA: ember/bin/ember, ember/models/, ember/vault/ (empty
#                       layout) and ember/runtime/, made by mke2fs -d, owned by the ember user.
#
#   alpine/build-image.sh         (make image ALPINE_TARBALL=PATH_OR_URL [ALPINE_SHA256=...] [MODEL=x.gguf])
#
# Options (environment variables, defaults in brackets):
#   ALPINE_TARBALL=          (required) alpine-rpi-<version>-aarch64.tar.gz: a path, or an http(s)
#                            URL fetched with curl into ALPINE_CACHE.
#   ALPINE_SHA256=           its SHA-256; when given it must match or nothing is built.
#   ALPINE_CACHE=.cache/alpine   where downloaded tarballs are kept.
#   MODEL=                   a .gguf file copied to ember/models/ on the data partition.
#   EMBER_BINARY=dist/ember-linux-arm64-musl   the executable copied to ember/bin/ember.
#   APK_CACHE_DIR=           a folder copied into cache/ (apk cache for an offline first boot; see
#                            docs/APPLIANCE.md); empty: cache/ starts empty.
#   OUT=dist/ember-rpi.img   the image (built in a temp folder beside it, renamed when complete).
#   BOOT_SIZE=               FAT partition size (genimage units, e.g. 256M); default: the larger
#                            of 256M and twice its content.
#   DATA_SIZE=               ext4 partition size; default: content + 256M (it grows to the end of
#                            the card on first boot).
#   EMBER_DATA_LABEL=EMBERDATA   BOOT_LABEL=EMBERBOOT
#   Plus alpine/build-overlay.sh's options (EMBER_HOSTNAME, EMBER_SSH_KEYS, BOOT_MEDIA, ...).
#
# What counts as an Alpine Raspberry Pi release: .alpine-release, config.txt and cmdline.txt at
# the top, a kernel boot/vmlinuz-*, the Pi 5 device tree bcm2712-rpi-5-b.dtb (top or boot/),
# and the aarch64 package repository apks/aarch64/APKINDEX.tar.gz.
set -eu
umask 022

ALPINE_DIR=$(cd "$(dirname "$0")" && pwd)
REPO_DIR=$(dirname "$ALPINE_DIR")
ALPINE_TARBALL=${ALPINE_TARBALL:-}
ALPINE_SHA256=${ALPINE_SHA256:-}
ALPINE_CACHE=${ALPINE_CACHE:-$REPO_DIR/.cache/alpine}
MODEL=${MODEL:-}
EMBER_BINARY=${EMBER_BINARY:-$REPO_DIR/dist/ember-linux-arm64-musl}
APK_CACHE_DIR=${APK_CACHE_DIR:-}
OUT=${OUT:-$REPO_DIR/dist/ember-rpi.img}
BOOT_SIZE=${BOOT_SIZE:-}
DATA_SIZE=${DATA_SIZE:-}
EMBER_DATA_LABEL=${EMBER_DATA_LABEL:-EMBERDATA}
EMBER_UID=${EMBER_UID:-1000}
export EMBER_UID
BOOT_LABEL=${BOOT_LABEL:-EMBERBOOT}
export EMBER_DATA_LABEL

die() { echo "build-image: $*" >&2; exit 1; }
# mkfs.vfat and mke2fs live in sbin, which is not on a normal user's PATH on Debian.
PATH=$PATH:/usr/sbin:/sbin
for tool in genimage mcopy mkfs.vfat mke2fs debugfs tar gzip sha256sum; do
	command -v "$tool" >/dev/null 2>&1 ||
		die "$tool not found (Debian: apt-get install genimage mtools dosfstools e2fsprogs)"
done
[ -n "$ALPINE_TARBALL" ] || die "ALPINE_TARBALL is not set (a path or URL of alpine-rpi-<version>-aarch64.tar.gz)"
[ -z "$ALPINE_SHA256" ] || printf '%s' "$ALPINE_SHA256" | grep -Eq '^[0-9a-fA-F]{64}$' ||
	die "ALPINE_SHA256=\"$ALPINE_SHA256\" is not a SHA-256 (64 hex digits)"
[ -f "$EMBER_BINARY" ] || die "no ember binary at $EMBER_BINARY (make build-arm64, or set EMBER_BINARY)"
[ -z "$MODEL" ] || [ -f "$MODEL" ] || die "MODEL=$MODEL is not a file"
case $MODEL in '' | *.gguf) ;; *) die "MODEL=$MODEL is not a .gguf file" ;; esac
[ -z "$APK_CACHE_DIR" ] || [ -d "$APK_CACHE_DIR" ] || die "APK_CACHE_DIR=$APK_CACHE_DIR is not a folder"
case $EMBER_UID in '' | *[!0-9]*) die "EMBER_UID=\"$EMBER_UID\" must be a number" ;; esac
for label in "$EMBER_DATA_LABEL" "$BOOT_LABEL"; do
	case $label in '' | *[!A-Z0-9_-]*) die "label \"$label\": use A-Z 0-9 _ - only" ;; esac
done

OUT_DIR=$(dirname "$OUT")
mkdir -p "$OUT_DIR"
# Everything, the image included, is built in one temp folder beside OUT: a failure leaves
# nothing behind, and the finished image is renamed into place on the same filesystem.
WORK=$(mktemp -d "$OUT_DIR/.ember-image.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM

# --- the Alpine release ----------------------------------------------------------------------
tarball=$ALPINE_TARBALL
case $ALPINE_TARBALL in
http://* | https://*)
	mkdir -p "$ALPINE_CACHE"
	tarball=$ALPINE_CACHE/$(basename "${ALPINE_TARBALL%%\?*}")
	if [ ! -f "$tarball" ]; then
		echo "build-image: fetching $ALPINE_TARBALL"
		progress=-sS
		[ -t 2 ] && progress=-#
		curl -fL $progress --retry 3 -o "$tarball.part" "$ALPINE_TARBALL" ||
			{ rm -f "$tarball.part"; die "could not download $ALPINE_TARBALL"; }
		mv -f "$tarball.part" "$tarball"
	fi
	;;
esac
[ -f "$tarball" ] || die "ALPINE_TARBALL=$ALPINE_TARBALL: no such file"
sum=$(sha256sum "$tarball" | cut -d' ' -f1)
if [ -n "$ALPINE_SHA256" ]; then
	[ "$sum" = "$(echo "$ALPINE_SHA256" | tr A-F a-f)" ] ||
		die "$tarball fails its checksum: expected $ALPINE_SHA256, got $sum (no image written)"
else
	echo "build-image: $tarball sha256 $sum (not checked: ALPINE_SHA256 unset)"
fi

BOOT=$WORK/boot
DATA=$WORK/data
mkdir "$BOOT" "$DATA" "$WORK/empty" "$WORK/tmp" "$WORK/out"
tar -xzf "$tarball" -C "$BOOT" --no-same-owner --no-same-permissions 2>"$WORK/tar.err" ||
	die "$tarball is not a readable .tar.gz: $(head -n1 "$WORK/tar.err")"

not_release() { die "$ALPINE_TARBALL is not an Alpine Raspberry Pi release: $*"; }
[ -f "$BOOT/.alpine-release" ] || not_release "no .alpine-release"
[ -f "$BOOT/config.txt" ] || not_release "no config.txt (Raspberry Pi firmware configuration)"
[ -f "$BOOT/cmdline.txt" ] || not_release "no cmdline.txt (kernel command line)"
ls "$BOOT"/boot/vmlinuz-* >/dev/null 2>&1 || not_release "no kernel boot/vmlinuz-*"
[ -f "$BOOT/bcm2712-rpi-5-b.dtb" ] || [ -f "$BOOT/boot/bcm2712-rpi-5-b.dtb" ] ||
	not_release "no bcm2712-rpi-5-b.dtb (Raspberry Pi 5 device tree)"
if [ ! -f "$BOOT/apks/aarch64/APKINDEX.tar.gz" ]; then
	found=$(cd "$BOOT" && ls -d apks/*/ 2>/dev/null | tr '\n' ' ')
	not_release "no apks/aarch64/APKINDEX.tar.gz (the Pi 5 needs the aarch64 release${found:+; found $found})"
fi
release=$(head -n1 "$BOOT/.alpine-release")
version=$(echo "$release" | grep -Eo '[0-9]+\.[0-9]+' | head -n1 || true)
if echo "$release" | grep -q edge; then branch=edge
elif [ -n "$version" ]; then branch=v$version
else branch=latest-stable
fi

# --- boot partition: release + apkovl + apk cache -------------------------------------------
ALPINE_BRANCH=$branch OUT=$BOOT/ember.apkovl.tar.gz sh "$ALPINE_DIR/build-overlay.sh" >"$WORK/overlay.log" ||
	{ cat "$WORK/overlay.log" >&2; die "the overlay build failed"; }
mkdir -p "$BOOT/cache"
[ -z "$APK_CACHE_DIR" ] || cp -R "$APK_CACHE_DIR/." "$BOOT/cache/"

# --- data partition: binary, models, vault, runtime ------------------------------------------
mkdir -p "$DATA/ember/bin" "$DATA/ember/models" "$DATA/ember/runtime"
cp "$EMBER_BINARY" "$DATA/ember/bin/ember"
chmod 0755 "$DATA/ember/bin/ember"
[ -z "$MODEL" ] || { cp "$MODEL" "$DATA/ember/models/" && chmod 0644 "$DATA/ember/models/"*; }
# The layout Ember's provision agent creates (src/agents/provision.ts VAULT_FOLDERS).
for d in config docs logs state plugins models prompts; do mkdir -p "$DATA/ember/vault/$d"; done

# --- sizes, layout, genimage ------------------------------------------------------------------
for size in "$BOOT_SIZE" "$DATA_SIZE"; do
	case $size in '' | [0-9]*M) ;; *) die "partition size \"$size\": give mebibytes, e.g. 512M" ;; esac
done
mib() { du -sk "$1" | awk '{ print int(($1 + 1023) / 1024) }'; }
if [ -z "$BOOT_SIZE" ]; then
	b=$(($(mib "$BOOT") * 2))
	BOOT_SIZE=$((b > 256 ? b : 256))M
fi
[ -n "$DATA_SIZE" ] || DATA_SIZE=$(($(mib "$DATA") + 256))M

mkfs.vfat -F 32 -n "$BOOT_LABEL" -i 454d4252 -C "$WORK/out/boot.vfat" $((${BOOT_SIZE%M} * 1024)) >"$WORK/mkfs.log" 2>&1 ||
	{ cat "$WORK/mkfs.log" >&2; die "mkfs.vfat failed (BOOT_SIZE=$BOOT_SIZE)"; }
# One mcopy per top-level entry: a glob would skip .alpine-release.
ls -A "$BOOT" | while IFS= read -r entry; do
	mcopy -s -p -m -i "$WORK/out/boot.vfat" "$BOOT/$entry" ::/ 2>>"$WORK/mcopy.log" ||
		{ cat "$WORK/mcopy.log" >&2; die "mcopy of $entry failed: the boot partition is too small (BOOT_SIZE=$BOOT_SIZE)"; }
done

# mke2fs -d copies the files with the builder's ids; debugfs then gives ember/ to the operator,
# who must own it (the REPL writes the vault, upgrades swap the binary in place).
mke2fs -q -t ext4 -L "$EMBER_DATA_LABEL" -E root_owner=0:0 -d "$DATA" "$WORK/out/data.ext4" "$DATA_SIZE" \
	>"$WORK/mke2fs.log" 2>&1 || { cat "$WORK/mke2fs.log" >&2; die "mke2fs failed (DATA_SIZE=$DATA_SIZE)"; }
(cd "$DATA" && find ember) | while IFS= read -r path; do
	printf 'sif "/%s" uid %s\nsif "/%s" gid %s\n' "$path" "$EMBER_UID" "$path" "$EMBER_UID"
done >"$WORK/owners.debugfs"
debugfs -w -f "$WORK/owners.debugfs" "$WORK/out/data.ext4" >"$WORK/debugfs.log" 2>&1 ||
	{ cat "$WORK/debugfs.log" >&2; die "debugfs could not set owners on the data partition"; }

image_name=$(basename "$OUT")
sed -e "s|@IMAGE_NAME@|$image_name|g" "$ALPINE_DIR/genimage.cfg.in" >"$WORK/genimage.cfg"
genimage --config "$WORK/genimage.cfg" --rootpath "$WORK/empty" --tmppath "$WORK/tmp" \
	--inputpath "$WORK/out" --outputpath "$WORK/out" >"$WORK/genimage.log" 2>&1 ||
	{ tail -n 20 "$WORK/genimage.log" >&2; die "genimage failed (BOOT_SIZE=$BOOT_SIZE DATA_SIZE=$DATA_SIZE)"; }

mv -f "$WORK/out/$image_name" "$OUT"
echo "build-image: wrote $OUT ($release; boot $BOOT_SIZE, data $DATA_SIZE LABEL=$EMBER_DATA_LABEL)"
