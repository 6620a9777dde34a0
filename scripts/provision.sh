#!/bin/sh
# Sets up Ember on an existing Alpine or Debian machine, or in a folder that will become one
# (the Alpine overlay build runs it with --root). Idempotent: a second run changes nothing and
# ends with "provision: 0 changes".
#
#   scripts/provision.sh [--dry-run] [--root DIR]
#
# Options (environment variables, defaults in brackets):
#   ROOT=/                   the machine's root folder (also --root DIR). Anything else is a folder
#                            being prepared: packages, users and services are then written as files
#                            (see "Under a root prefix" below) and nothing is executed on this machine.
#   DRY_RUN=0                1 (or --dry-run): print the plan, change nothing.
#   EMBER_DISTRO=            alpine or debian; empty: ROOT/etc/alpine-release, else ROOT/etc/debian_version,
#                            else (with --root DIR) alpine.
#   EMBER_ARCH=$(uname -m)   the target's CPU (aarch64 or x86_64): picks the default binary.
#   EMBER_USER=ember         the operator's account: zsh, no usable password ('*'), tty1 autologin.
#   EMBER_UID=1000           its user and group id when it is created.
#   EMBER_HOSTNAME=          set the hostname to this; empty leaves it alone.
#   EMBER_DATA_DIR=/media/data/ember       binary, models, vault and runtime live below this.
#   EMBER_DATA_LABEL=        a filesystem label (e.g. EMBERDATA): mount that partition at
#                            EMBER_DATA_MOUNT at boot. Empty: EMBER_DATA_DIR is a plain folder.
#   EMBER_DATA_MOUNT=/media/data           where the labelled partition is mounted.
#   EMBER_DATA_GROW=no       yes: grow the labelled partition to the end of its disk on first boot (Alpine).
#   EMBER_BIN_DIR=$EMBER_DATA_DIR/bin      where the executable goes; /usr/local/bin/ember links to it.
#   EMBER_MODEL_DIR=$EMBER_DATA_DIR/models       models folder (llm.model in /etc/ember/ember.yml).
#   EMBER_VAULT_DIR=$EMBER_DATA_DIR/vault        the vault (vault.path).
#   EMBER_RUNTIME_DIR=$EMBER_DATA_DIR/runtime    native files unpack here (runtime.dir).
#   EMBER_BINARY=            the ember executable to install; empty: the repo's dist/ build for
#                            EMBER_DISTRO and EMBER_ARCH; "none": install no binary.
#   EMBER_MODEL_URL=         download this .gguf into EMBER_MODEL_DIR (curl) ...
#   EMBER_MODEL_SHA256=      ... which must have this SHA-256 (required with EMBER_MODEL_URL).
#   EMBER_MODEL_NAME=        file name for the download; empty: the URL's last path part.
#   APK_PACKAGES="alpine-base agetty doas e2fsprogs e2fsprogs-extra gcompat libgcc libstdc++ openssh
#                partx sfdisk tmux zsh"   (e2fsprogs-extra, partx, sfdisk: EMBER_DATA_GROW)
#   APK_PRUNE=0              1: the packages above become the whole of /etc/apk/world; on a live
#                            Alpine machine the others are removed (apk del).
#   APT_PACKAGES="e2fsprogs openssh-server tmux util-linux zsh"
#   TEMPLATES_DIR=<repo>/templates   where ember.initd, ember.yml, zshrc and profile.sh are read.
#
# Under a root prefix (ROOT is not /): Alpine packages are merged into ROOT/etc/apk/world (apk
# installs them at the next boot or `apk fix`); Debian packages are listed, not installed; the
# user is appended to ROOT/etc/passwd, group and shadow; files are chowned only when running as
# root; no service is started and the hostname of this machine is not touched.
set -eu

SCRIPT_DIR=$(cd "$(dirname "$0")" && pwd)
REPO_DIR=$(dirname "$SCRIPT_DIR")

ROOT=${ROOT:-/}
DRY_RUN=${DRY_RUN:-0}
while [ $# -gt 0 ]; do
	case $1 in
	--dry-run) DRY_RUN=1 ;;
	--root)
		[ $# -ge 2 ] || { echo "provision: --root needs a folder" >&2; exit 2; }
		ROOT=$2
		shift
		;;
	--root=*) ROOT=${1#--root=} ;;
	-h | --help)
		sed -n '2,/^set -eu/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
		exit 0
		;;
	*) echo "provision: unknown argument: $1 (see --help)" >&2; exit 2 ;;
	esac
	shift
done

EMBER_ARCH=${EMBER_ARCH:-$(uname -m)}
EMBER_USER=${EMBER_USER:-ember}
EMBER_UID=${EMBER_UID:-1000}
EMBER_HOSTNAME=${EMBER_HOSTNAME:-}
EMBER_DATA_DIR=${EMBER_DATA_DIR:-/media/data/ember}
EMBER_DATA_LABEL=${EMBER_DATA_LABEL:-}
EMBER_DATA_MOUNT=${EMBER_DATA_MOUNT:-/media/data}
EMBER_DATA_GROW=${EMBER_DATA_GROW:-no}
EMBER_BIN_DIR=${EMBER_BIN_DIR:-$EMBER_DATA_DIR/bin}
EMBER_MODEL_DIR=${EMBER_MODEL_DIR:-$EMBER_DATA_DIR/models}
EMBER_VAULT_DIR=${EMBER_VAULT_DIR:-$EMBER_DATA_DIR/vault}
EMBER_RUNTIME_DIR=${EMBER_RUNTIME_DIR:-$EMBER_DATA_DIR/runtime}
EMBER_BINARY=${EMBER_BINARY:-}
EMBER_MODEL_URL=${EMBER_MODEL_URL:-}
EMBER_MODEL_SHA256=${EMBER_MODEL_SHA256:-}
EMBER_MODEL_NAME=${EMBER_MODEL_NAME:-}
APK_PACKAGES=${APK_PACKAGES:-alpine-base agetty doas e2fsprogs e2fsprogs-extra gcompat libgcc libstdc++ openssh partx sfdisk tmux zsh}
APK_PRUNE=${APK_PRUNE:-0}
APT_PACKAGES=${APT_PACKAGES:-e2fsprogs openssh-server tmux util-linux zsh}
TEMPLATES_DIR=${TEMPLATES_DIR:-$REPO_DIR/templates}

CHANGES=0
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ember-provision.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM

die() { echo "provision: $*" >&2; exit 1; }
note() { echo "  $*"; }
changed() { CHANGES=$((CHANGES + 1)); if [ "$DRY_RUN" = 1 ]; then echo "would $*"; else echo "$*"; fi; }

# Runs a command on this machine (only ever with ROOT=/), or prints it under --dry-run.
run() {
	changed "run: $*"
	[ "$DRY_RUN" = 1 ] || "$@"
}

# Paths and names end up in shell config, YAML and sed; keep them to characters that need no quoting.
check_word() {
	case $2 in
	'' | *[!A-Za-z0-9._/@+-]*) die "$1=\"$2\": use letters, digits and . _ / @ + - only" ;;
	esac
}
check_abs() {
	check_word "$1" "$2"
	case $2 in /*) ;; *) die "$1=\"$2\" must be an absolute path" ;; esac
}

check_abs ROOT "$ROOT"
ROOT=$(cd "$ROOT" 2>/dev/null && pwd) || die "ROOT folder does not exist"
[ "$ROOT" = / ] && R="" || R=$ROOT
LIVE=0
[ -z "$R" ] && LIVE=1
check_word EMBER_USER "$EMBER_USER"
case $EMBER_UID in '' | *[!0-9]*) die "EMBER_UID=\"$EMBER_UID\" must be a number" ;; esac
for var in EMBER_DATA_DIR EMBER_DATA_MOUNT EMBER_BIN_DIR EMBER_MODEL_DIR EMBER_VAULT_DIR EMBER_RUNTIME_DIR; do
	eval "check_abs $var \"\$$var\""
done
[ -z "$EMBER_HOSTNAME" ] || check_word EMBER_HOSTNAME "$EMBER_HOSTNAME"
[ -z "$EMBER_DATA_LABEL" ] || check_word EMBER_DATA_LABEL "$EMBER_DATA_LABEL"
case $EMBER_DATA_GROW in yes | no) ;; *) die "EMBER_DATA_GROW=\"$EMBER_DATA_GROW\" must be yes or no" ;; esac
case $APK_PRUNE in 0 | 1) ;; *) die "APK_PRUNE=\"$APK_PRUNE\" must be 0 or 1" ;; esac
if [ -n "$EMBER_MODEL_URL" ]; then
	printf '%s' "$EMBER_MODEL_SHA256" | grep -Eq '^[0-9a-fA-F]{64}$' ||
		die "EMBER_MODEL_URL needs EMBER_MODEL_SHA256 (64 hex digits), got \"$EMBER_MODEL_SHA256\""
	[ -n "$EMBER_MODEL_NAME" ] || EMBER_MODEL_NAME=$(basename "${EMBER_MODEL_URL%%\?*}")
	check_word EMBER_MODEL_NAME "$EMBER_MODEL_NAME"
fi

if [ -z "${EMBER_DISTRO:-}" ]; then
	if [ -f "$R/etc/alpine-release" ]; then EMBER_DISTRO=alpine
	elif [ -f "$R/etc/debian_version" ]; then EMBER_DISTRO=debian
	# A folder being prepared (--root) need not look like a system yet: it becomes the appliance's.
	elif [ "$ROOT" != / ]; then
		EMBER_DISTRO=alpine
		echo "provision: $ROOT has no etc/alpine-release or etc/debian_version: preparing it for alpine (EMBER_DISTRO=debian for Debian)" >&2
	else die "$ROOT is neither Alpine (etc/alpine-release) nor Debian (etc/debian_version); set EMBER_DISTRO"
	fi
fi
case $EMBER_DISTRO in alpine | debian) ;; *) die "EMBER_DISTRO=\"$EMBER_DISTRO\" must be alpine or debian" ;; esac

HOME_DIR=/home/$EMBER_USER
AS_ROOT=0
[ "$(id -u)" = 0 ] && AS_ROOT=1

# --- file helpers: each compares first, so an unchanged file is never rewritten -----------------

# Installs the file $1 as $2 (a path inside ROOT) with mode $3: temp file beside it, then rename.
put_file() {
	src=$1 dest=$R$2 mode=$3
	if [ -f "$dest" ] && cmp -s "$src" "$dest"; then
		[ "$(stat -c %a "$dest")" = "${mode#0}" ] && return 0
		changed "chmod $mode $2"
		[ "$DRY_RUN" = 1 ] || chmod "$mode" "$dest"
		return 0
	fi
	changed "write $2"
	[ "$DRY_RUN" = 1 ] && return 0
	mkdir -p "$(dirname "$dest")"
	tmp=$(dirname "$dest")/.$(basename "$dest").provision-tmp
	cp "$src" "$tmp"
	chmod "$mode" "$tmp"
	sync "$tmp" 2>/dev/null || true
	mv -f "$tmp" "$dest"
}

# Like put_file, for files the operator may have edited: an existing different file is kept and
# the new version is written beside it as FILE.new.
offer_file() {
	if [ -f "$R$2" ] && ! cmp -s "$1" "$R$2"; then
		put_file "$1" "$2.new" "$3"
		note "kept $2 (it differs from what provision would write; see $2.new)"
	else
		put_file "$@"
	fi
}

ensure_dir() { # path-inside-ROOT mode
	if [ -d "$R$1" ]; then
		[ "$(stat -c %a "$R$1")" = "${2#0}" ] && return 0
		changed "chmod $2 $1"
		[ "$DRY_RUN" = 1 ] || chmod "$2" "$R$1"
		return 0
	fi
	changed "mkdir $1"
	[ "$DRY_RUN" = 1 ] || { mkdir -p "$R$1" && chmod "$2" "$R$1"; }
}

ensure_link() { # target path-inside-ROOT
	[ -L "$R$2" ] && [ "$(readlink "$R$2")" = "$1" ] && return 0
	changed "link $2 -> $1"
	[ "$DRY_RUN" = 1 ] && return 0
	mkdir -p "$(dirname "$R$2")"
	ln -sfn "$1" "$R$2"
}

# Gives the user path-inside-ROOT (not following links); only possible, and only done, as root.
ensure_owner() {
	[ "$AS_ROOT" = 1 ] && [ -e "$R$1" ] || return 0
	[ "$(stat -c %u:%g "$R$1")" = "$EMBER_UID:$EMBER_UID" ] && return 0
	changed "chown $EMBER_UID:$EMBER_UID $1"
	[ "$DRY_RUN" = 1 ] || chown -h "$EMBER_UID:$EMBER_UID" "$R$1"
}

sed_escape() { printf '%s' "$1" | sed -e 's/[|&\\]/\\&/g'; }

# Renders a template: @EMBER_*@ placeholders become this run's values.
render() {
	sed -e "s|@EMBER_USER@|$(sed_escape "$EMBER_USER")|g" \
		-e "s|@EMBER_DATA_DIR@|$(sed_escape "$EMBER_DATA_DIR")|g" \
		-e "s|@EMBER_BIN_DIR@|$(sed_escape "$EMBER_BIN_DIR")|g" \
		-e "s|@EMBER_MODEL_DIR@|$(sed_escape "$EMBER_MODEL_DIR")|g" \
		-e "s|@EMBER_VAULT_DIR@|$(sed_escape "$EMBER_VAULT_DIR")|g" \
		-e "s|@EMBER_RUNTIME_DIR@|$(sed_escape "$EMBER_RUNTIME_DIR")|g" \
		"$1"
}

template() {
	[ -f "$TEMPLATES_DIR/$1" ] || die "missing template $TEMPLATES_DIR/$1"
	echo "$TEMPLATES_DIR/$1"
}

# Whether the data folder can be prepared now: a labelled partition is only there once mounted.
data_ready() {
	[ -z "$EMBER_DATA_LABEL" ] && return 0
	[ "$LIVE" = 1 ] && grep -q " $EMBER_DATA_MOUNT " /proc/mounts
}

echo "provision: $EMBER_DISTRO ($EMBER_ARCH) at $ROOT$([ "$DRY_RUN" = 1 ] && echo ', dry run')"

# --- packages -----------------------------------------------------------------------------------
step_packages() {
	if [ "$EMBER_DISTRO" = alpine ]; then
		world=$R/etc/apk/world
		if [ "$LIVE" = 1 ]; then
			missing=""
			for p in $APK_PACKAGES; do grep -qx "$p" "$world" 2>/dev/null || missing="$missing $p"; done
			# shellcheck disable=SC2086
			[ -z "$missing" ] || run apk add $missing
			if [ "$APK_PRUNE" = 1 ]; then
				extra=""
				for p in $(cat "$world"); do
					printf '%s\n' $APK_PACKAGES | grep -qx "$p" || extra="$extra $p"
				done
				# shellcheck disable=SC2086
				[ -z "$extra" ] || run apk del $extra
			fi
		else
			{
				[ "$APK_PRUNE" = 1 ] || cat "$world" 2>/dev/null || true
				printf '%s\n' $APK_PACKAGES
			} | sed '/^$/d' | LC_ALL=C sort -u >"$WORK/world"
			put_file "$WORK/world" /etc/apk/world 0644
		fi
	else
		[ "$APK_PRUNE" = 1 ] && note "APK_PRUNE applies to Alpine only; nothing pruned on Debian"
		if [ "$LIVE" = 1 ]; then
			missing=""
			for p in $APT_PACKAGES; do
				dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
			done
			if [ -n "$missing" ]; then
				run apt-get update -qq
				# shellcheck disable=SC2086
				run env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing
			fi
		else
			note "packages not installed under a root prefix (Debian): $APT_PACKAGES"
		fi
	fi
}

# --- the operator's account ----------------------------------------------------------------------
# No password can match '*', so the console logs in by itself and SSH takes keys only. It is not
# '!': that marks the account locked, and Alpine's OpenSSH (built without PAM) then refuses even
# key logins.
step_user() {
	if [ "$LIVE" = 1 ]; then
		if ! id "$EMBER_USER" >/dev/null 2>&1; then
			if [ "$EMBER_DISTRO" = alpine ]; then
				run addgroup -g "$EMBER_UID" "$EMBER_USER"
				run adduser -D -u "$EMBER_UID" -G "$EMBER_USER" -s /bin/zsh -g Ember "$EMBER_USER"
			else
				run useradd --create-home --uid "$EMBER_UID" --user-group --shell /bin/zsh --comment Ember "$EMBER_USER"
			fi
		fi
		if [ "$(grep "^$EMBER_USER:" /etc/passwd | cut -d: -f7)" != /bin/zsh ]; then
			if command -v usermod >/dev/null 2>&1; then run usermod -s /bin/zsh "$EMBER_USER"
			else note "$EMBER_USER's shell is not /bin/zsh (busybox has no usermod; apk add shadow)"
			fi
		fi
		if [ "$(grep "^$EMBER_USER:" /etc/shadow | cut -d: -f2)" != '*' ]; then
			printf '%s:*\n' "$EMBER_USER" | run chpasswd -e
		fi
	else
		add_line /etc/passwd 0644 "$EMBER_USER:x:$EMBER_UID:$EMBER_UID:Ember:$HOME_DIR:/bin/zsh"
		add_line /etc/group 0644 "$EMBER_USER:x:$EMBER_UID:"
		add_line /etc/shadow 0640 "$EMBER_USER:*::0:99999:7:::"
		# An account written by an older provision (with '!') is corrected in place.
		if [ -f "$R/etc/shadow" ]; then
			awk -F: -v OFS=: -v user="$EMBER_USER" '$1 == user { $2 = "*" } 1' "$R/etc/shadow" >"$WORK/shadow"
			put_file "$WORK/shadow" /etc/shadow 0640
		fi
	fi
	ensure_dir "$HOME_DIR" 0750
	ensure_owner "$HOME_DIR"
}

# Appends the entry $3 to the colon file $1 unless an entry for that name is there already.
add_line() {
	name=${3%%:*}
	if [ -f "$R$1" ] && grep -q "^$name:" "$R$1"; then return 0; fi
	{ cat "$R$1" 2>/dev/null || true; echo "$3"; } >"$WORK/entries"
	put_file "$WORK/entries" "$1" "$2"
}

# --- dotfiles, login snippet, config --------------------------------------------------------------
step_files() {
	render "$(template zshrc)" >"$WORK/zshrc"
	offer_file "$WORK/zshrc" "$HOME_DIR/.zshrc" 0644
	cat >"$WORK/zprofile" <<-EOF
		# Written by scripts/provision.sh. Login shells: /usr/local/bin (where ember is linked) on
		# PATH, then the Ember login snippet (ember tmux on tty1 and over SSH). It lives in
		# /etc/ember, not /etc/profile.d, so a zsh that also reads /etc/profile runs it only once.
		typeset -U path
		path=(/usr/local/bin \$path)
		[ -r /etc/ember/profile.sh ] && emulate sh -c '. /etc/ember/profile.sh'
	EOF
	put_file "$WORK/zprofile" "$HOME_DIR/.zprofile" 0644
	for f in .zshrc .zprofile; do ensure_owner "$HOME_DIR/$f"; done

	render "$(template profile.sh)" >"$WORK/profile.sh"
	put_file "$WORK/profile.sh" /etc/ember/profile.sh 0644
	render "$(template ember.yml)" >"$WORK/ember.yml"
	offer_file "$WORK/ember.yml" /etc/ember/ember.yml 0644

	if [ -n "$EMBER_HOSTNAME" ]; then
		echo "$EMBER_HOSTNAME" >"$WORK/hostname"
		put_file "$WORK/hostname" /etc/hostname 0644
		if [ "$LIVE" = 1 ] && [ "$(hostname)" != "$EMBER_HOSTNAME" ]; then run hostname "$EMBER_HOSTNAME"; fi
	fi
}

# --- tty1 autologin ----------------------------------------------------------------------------------
step_autologin() {
	getty="/sbin/agetty --autologin $EMBER_USER --noclear 38400 tty1 linux"
	if [ -f "$R/etc/inittab" ]; then
		awk -v line="tty1::respawn:$getty" '
			/^tty1:/ { if (!done) print line; done = 1; next }
			{ print }
			END { if (!done) print line }' "$R/etc/inittab" >"$WORK/inittab"
		put_file "$WORK/inittab" /etc/inittab 0644
	elif [ "$EMBER_DISTRO" = debian ]; then
		cat >"$WORK/autologin.conf" <<-EOF
			# Written by scripts/provision.sh: $EMBER_USER logs in on tty1 by itself.
			[Service]
			ExecStart=
			ExecStart=-/sbin/agetty --autologin $EMBER_USER --noclear %I \$TERM
		EOF
		unit=/etc/systemd/system/getty@tty1.service.d/autologin.conf
		before=$CHANGES
		put_file "$WORK/autologin.conf" "$unit" 0644
		if [ "$LIVE" = 1 ] && [ "$CHANGES" != "$before" ]; then run systemctl daemon-reload; fi
	else
		note "no /etc/inittab: tty1 autologin not set up"
	fi
}

# --- data folder, binary, service -------------------------------------------------------------------
step_data() {
	if [ "$EMBER_DISTRO" = alpine ]; then
		put_file "$(template ember.initd)" /etc/init.d/ember 0755
		cat >"$WORK/conf" <<-EOF
			# Written by scripts/provision.sh; read by /etc/init.d/ember at boot.
			EMBER_USER=$EMBER_USER
			EMBER_DATA_LABEL=$EMBER_DATA_LABEL
			EMBER_DATA_MOUNT=$EMBER_DATA_MOUNT
			EMBER_DATA_GROW=$EMBER_DATA_GROW
			EMBER_DATA_DIR=$EMBER_DATA_DIR
			EMBER_BIN_DIR=$EMBER_BIN_DIR
			EMBER_MODEL_DIR=$EMBER_MODEL_DIR
			EMBER_VAULT_DIR=$EMBER_VAULT_DIR
			EMBER_RUNTIME_DIR=$EMBER_RUNTIME_DIR
		EOF
		put_file "$WORK/conf" /etc/conf.d/ember 0644
		ensure_link /etc/init.d/ember /etc/runlevels/default/ember
	elif [ -n "$EMBER_DATA_LABEL" ]; then
		add_fstab
	fi
	ensure_link "$EMBER_BIN_DIR/ember" /usr/local/bin/ember

	if ! data_ready; then
		note "data folders, binary and model: prepared on the LABEL=$EMBER_DATA_LABEL partition, not here"
		return 0
	fi
	for d in "$EMBER_DATA_DIR" "$EMBER_BIN_DIR" "$EMBER_MODEL_DIR" "$EMBER_VAULT_DIR" "$EMBER_RUNTIME_DIR"; do
		ensure_dir "$d" 0755
		ensure_owner "$d"
	done
	step_binary
	step_model
}

add_fstab() {
	line="LABEL=$EMBER_DATA_LABEL $EMBER_DATA_MOUNT ext4 defaults,noatime,nofail 0 2"
	grep -q "^LABEL=${EMBER_DATA_LABEL}[[:space:]]" "$R/etc/fstab" 2>/dev/null && return 0
	{ cat "$R/etc/fstab" 2>/dev/null || true; echo "$line"; } >"$WORK/fstab"
	put_file "$WORK/fstab" /etc/fstab 0644
	ensure_dir "$EMBER_DATA_MOUNT" 0755
	[ "$LIVE" = 1 ] && [ "$DRY_RUN" = 0 ] && { mount "$EMBER_DATA_MOUNT" || die "cannot mount LABEL=$EMBER_DATA_LABEL"; }
	return 0
}

step_binary() {
	binary=$EMBER_BINARY
	[ "$binary" = none ] && return 0
	if [ -z "$binary" ]; then
		case $EMBER_DISTRO/$EMBER_ARCH in
		alpine/aarch64) binary=$REPO_DIR/dist/ember-linux-arm64-musl ;;
		debian/aarch64) binary=$REPO_DIR/dist/ember-linux-arm64 ;;
		*/x86_64) binary=$REPO_DIR/dist/ember ;;
		*) die "no Ember build for $EMBER_DISTRO on $EMBER_ARCH; set EMBER_BINARY" ;;
		esac
	fi
	if [ ! -f "$binary" ]; then
		missing="no ember binary at $binary (run make build / make build-arm64, or set EMBER_BINARY)"
		# A plan is still worth seeing before the build exists; the real run stops here.
		[ "$DRY_RUN" = 1 ] || die "$missing"
		echo "provision: warning: $missing; a real run stops here" >&2
		return 0
	fi
	put_file "$binary" "$EMBER_BIN_DIR/ember" 0755
	ensure_owner "$EMBER_BIN_DIR/ember"
}

step_model() {
	[ -n "$EMBER_MODEL_URL" ] || return 0
	target=$EMBER_MODEL_DIR/$EMBER_MODEL_NAME
	if [ -f "$R$target" ] && [ "$(sha256sum "$R$target" | cut -d' ' -f1)" = "$(echo "$EMBER_MODEL_SHA256" | tr A-F a-f)" ]; then
		return 0
	fi
	changed "download $EMBER_MODEL_URL -> $target"
	[ "$DRY_RUN" = 1 ] && return 0
	command -v curl >/dev/null 2>&1 || die "curl is needed to download EMBER_MODEL_URL"
	part=$R$EMBER_MODEL_DIR/.$EMBER_MODEL_NAME.part
	curl -fsSL --retry 3 -o "$part" "$EMBER_MODEL_URL" || { rm -f "$part"; die "download failed: $EMBER_MODEL_URL"; }
	got=$(sha256sum "$part" | cut -d' ' -f1)
	if [ "$got" != "$(echo "$EMBER_MODEL_SHA256" | tr A-F a-f)" ]; then
		rm -f "$part"
		die "checksum mismatch for $EMBER_MODEL_URL: expected $EMBER_MODEL_SHA256, got $got (nothing kept)"
	fi
	sync "$part" 2>/dev/null || true
	mv -f "$part" "$R$target"
	ensure_owner "$target"
}

step_packages
step_user
step_files
step_autologin
step_data
echo "provision: $CHANGES changes$([ "$DRY_RUN" = 1 ] && echo ' planned')"
