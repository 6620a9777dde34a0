#!/bin/sh
# Builds the apkovl that turns a diskless Alpine on a Raspberry Pi into the Ember appliance:
# alpine/overlay/ (Alpine's base /etc plus the network, doas and motd files) with
# scripts/provision.sh run against it (packages in /etc/apk/world, the ember user and dotfiles,
# tty1 autologin, /etc/init.d/ember for the data partition, /etc/ember/ember.yml, the hostname),
# then the apk cache link, lbu settings and the boot services. No root needed: ownership and
# modes are set in the tarball, not on disk.
#
#   alpine/build-overlay.sh            (make overlay)
#
# Options (environment variables, defaults in brackets):
#   OUT=dist/ember.apkovl.tar.gz     the apkovl written (temp file, then rename).
#   EMBER_HOSTNAME=ember             the appliance's hostname.
#   EMBER_DATA_LABEL=EMBERDATA       label of the ext4 data partition mounted at /media/data.
#   BOOT_MEDIA=mmcblk0p1             the boot partition as the initramfs mounts it (/media/BOOT_MEDIA):
#                                    holds the apk cache (cache/) and lbu's saved apkovl.
#   ALPINE_BRANCH=latest-stable      the mirror branch in /etc/apk/repositories (e.g. v3.22); the image
#                                    build passes the release's own branch.
#   ALPINE_MIRROR=https://dl-cdn.alpinelinux.org/alpine
#   EMBER_SSH_KEYS=                  a file of public keys for ~ember/.ssh/authorized_keys (else SSH
#                                    logins are impossible: the password is locked).
#   SOURCE_DATE_EPOCH=<last commit>  timestamp of every file in the tarball (reproducible builds).
#   Plus every option of scripts/provision.sh (EMBER_USER, EMBER_UID, EMBER_DATA_DIR, APK_PACKAGES, ...).
set -eu
umask 022

ALPINE_DIR=$(cd "$(dirname "$0")" && pwd)
REPO_DIR=$(dirname "$ALPINE_DIR")
OUT=${OUT:-$REPO_DIR/dist/ember.apkovl.tar.gz}
EMBER_HOSTNAME=${EMBER_HOSTNAME:-ember}
EMBER_DATA_LABEL=${EMBER_DATA_LABEL:-EMBERDATA}
EMBER_UID=${EMBER_UID:-1000}
EMBER_USER=${EMBER_USER:-ember}
BOOT_MEDIA=${BOOT_MEDIA:-mmcblk0p1}
ALPINE_BRANCH=${ALPINE_BRANCH:-latest-stable}
ALPINE_MIRROR=${ALPINE_MIRROR:-https://dl-cdn.alpinelinux.org/alpine}
EMBER_SSH_KEYS=${EMBER_SSH_KEYS:-}
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
	SOURCE_DATE_EPOCH=$(git -C "$REPO_DIR" log -1 --format=%ct 2>/dev/null || echo 0)
fi

die() { echo "build-overlay: $*" >&2; exit 1; }
case $BOOT_MEDIA in '' | *[!A-Za-z0-9_-]*) die "BOOT_MEDIA=\"$BOOT_MEDIA\" is not a device name like mmcblk0p1" ;; esac
[ -z "$EMBER_SSH_KEYS" ] || [ -f "$EMBER_SSH_KEYS" ] || die "EMBER_SSH_KEYS=$EMBER_SSH_KEYS is not a file"

STAGE=$(mktemp -d "${TMPDIR:-/tmp}/ember-overlay.XXXXXX")
trap 'rm -rf "$STAGE" "$OUT.tmp"' EXIT INT TERM
ROOTFS=$STAGE/root
mkdir "$ROOTFS"
cp -R "$ALPINE_DIR/overlay/." "$ROOTFS/"
chmod 0640 "$ROOTFS/etc/shadow"

# The same steps as on any other machine, against the overlay folder.
EMBER_DISTRO=alpine EMBER_ARCH=aarch64 APK_PRUNE=1 EMBER_BINARY=none EMBER_DATA_GROW=yes \
	EMBER_HOSTNAME=$EMBER_HOSTNAME EMBER_DATA_LABEL=$EMBER_DATA_LABEL EMBER_UID=$EMBER_UID EMBER_USER=$EMBER_USER \
	sh "$REPO_DIR/scripts/provision.sh" --root "$ROOTFS" >"$STAGE/provision.log" ||
	{ cat "$STAGE/provision.log" >&2; die "scripts/provision.sh failed"; }

# Packages come from the boot partition's release apks, the cache on it, then the mirror.
cat >"$ROOTFS/etc/apk/repositories" <<-REPOS
	/media/$BOOT_MEDIA/apks
	$ALPINE_MIRROR/$ALPINE_BRANCH/main
	$ALPINE_MIRROR/$ALPINE_BRANCH/community
REPOS
ln -s "/media/$BOOT_MEDIA/cache" "$ROOTFS/etc/apk/cache"
mkdir -p "$ROOTFS/etc/lbu"
cat >"$ROOTFS/etc/lbu/lbu.conf" <<-LBU
	# lbu saves changes to /etc into the apkovl on the boot partition (\`doas lbu commit\`).
	# The vault, models and binary need no lbu: they live on the data partition.
	LBU_MEDIA=$BOOT_MEDIA
	BACKUP_LIMIT=3
LBU

# An apkovl that brings its own runlevels gets no defaults from the initramfs: list them all.
add_service() { mkdir -p "$ROOTFS/etc/runlevels/$2" && ln -sfn "/etc/init.d/$1" "$ROOTFS/etc/runlevels/$2/$1"; }
for s in devfs dmesg mdev hwdrivers modloop; do add_service "$s" sysinit; done
for s in hwclock modules sysctl hostname bootmisc syslog networking; do add_service "$s" boot; done
add_service sshd default
for s in mount-ro killprocs savecache; do add_service "$s" shutdown; done

if [ -n "$EMBER_SSH_KEYS" ]; then
	mkdir -p "$ROOTFS/home/$EMBER_USER/.ssh"
	chmod 0700 "$ROOTFS/home/$EMBER_USER/.ssh"
	install -m 0600 "$EMBER_SSH_KEYS" "$ROOTFS/home/$EMBER_USER/.ssh/authorized_keys"
fi
mkdir -p "$ROOTFS/etc/ssh/sshd_config.d"
cat >"$ROOTFS/etc/ssh/sshd_config.d/ember.conf" <<-'SSH'
	# Keys only: the ember account has no password.
	PasswordAuthentication no
	KbdInteractiveAuthentication no
	PermitRootLogin no
SSH

# No "./" entry (it would set the mode of / on the Pi); root owns everything but the operator's home.
(cd "$ROOTFS" && find . -mindepth 1 | sed 's|^\./||' | LC_ALL=C sort) >"$STAGE/all"
grep -E "^home/$EMBER_USER(/|\$)" "$STAGE/all" >"$STAGE/user" || true
grep -vE "^home/$EMBER_USER(/|\$)" "$STAGE/all" >"$STAGE/system"
TAR_OPTS="--format=gnu --numeric-owner --no-recursion --mtime=@$SOURCE_DATE_EPOCH"
# shellcheck disable=SC2086
tar $TAR_OPTS --owner=0 --group=0 -C "$ROOTFS" -cf "$STAGE/ovl.tar" -T "$STAGE/system"
# shellcheck disable=SC2086
tar $TAR_OPTS --owner="$EMBER_UID" --group="$EMBER_UID" -C "$ROOTFS" -rf "$STAGE/ovl.tar" -T "$STAGE/user"

mkdir -p "$(dirname "$OUT")"
gzip -9n <"$STAGE/ovl.tar" >"$OUT.tmp"
mv -f "$OUT.tmp" "$OUT"
echo "build-overlay: wrote $OUT ($(wc -c <"$OUT") bytes, hostname $EMBER_HOSTNAME, data LABEL=$EMBER_DATA_LABEL)"
