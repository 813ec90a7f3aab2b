#!/bin/sh
# Footfall installer for a Linux server with systemd.
#
#   curl -fsSLO https://github.com/footfallhq/footfall/releases/latest/download/install.sh
#   sudo sh install.sh --domain stats.example.com --email you@example.com
#
# Installs the binary, a "footfall" system user, /var/lib/footfall, the
# config file /etc/footfall/footfall.env and a hardened systemd unit, then
# starts the service and waits until it answers. Running it again upgrades
# the binary and restarts the service; the config file is never rewritten
# once it exists, so an operator's edits survive upgrades.
#
# For tests and image builds, FOOTFALL_ROOT puts everything under another
# directory, and SYSTEMCTL, USERADD, USERDEL and CHOWN replace the system
# commands (see --help).

set -eu

RELEASE_URL=${FOOTFALL_RELEASE_URL:-https://github.com/footfallhq/footfall/releases}
ROOT=${FOOTFALL_ROOT:-}
ROOT=${ROOT%/}
USERADD=${USERADD:-useradd}
USERDEL=${USERDEL:-userdel}
CHOWN=${CHOWN:-chown}

BIN=/usr/local/bin/footfall
UNIT=/etc/systemd/system/footfall.service
ENV_DIR=/etc/footfall
ENV_FILE=$ENV_DIR/footfall.env
DATA=/var/lib/footfall
SVC=footfall
# With a domain the binary serves HTTPS itself; plain HTTP then stays on
# loopback, where this script (and a local reverse proxy, if any) reach it.
LOCAL_ADDR=127.0.0.1:8000
HEALTH_TIMEOUT=${FOOTFALL_HEALTH_TIMEOUT:-60}

usage() {
	cat <<'EOF'
Usage: install.sh [options]

Installs or upgrades Footfall as a systemd service. Safe to run again.

  --version V     release to install (default: latest; FOOTFALL_VERSION)
  --from FILE     install from a local footfall_VERSION_linux_ARCH.tar.gz
  --sha256 HEX    expected SHA-256 of --from FILE; without it a checksums.txt
                  next to FILE is used if present
  --domain D      serve HTTPS for D with a Let's Encrypt certificate
                  (first install only; later, edit /etc/footfall/footfall.env)
  --email E       contact address for Let's Encrypt (with --domain)
  --no-wait       don't wait for /healthz after starting (FOOTFALL_NO_WAIT=1);
                  otherwise wait up to FOOTFALL_HEALTH_TIMEOUT seconds (60)
  --uninstall     stop and remove the service and the binary; keep the data
                  in /var/lib/footfall and the config in /etc/footfall
  --purge         with --uninstall: also delete the data, the config and
                  the footfall user
  -h, --help      this text

Without --domain or --email, on a terminal, the script asks for them.

Environment:
  FOOTFALL_RELEASE_URL  release base URL
                        (default https://github.com/footfallhq/footfall/releases)
  FOOTFALL_ROOT         install under this directory instead of /; systemctl
                        is then only run if SYSTEMCTL is set
  SYSTEMCTL, USERADD, USERDEL, CHOWN
                        commands run instead of systemctl, useradd, userdel
                        and chown
EOF
}

say() { printf '%s\n' "$*"; }
warn() { printf 'install.sh: warning: %s\n' "$*" >&2; }
die() {
	printf 'install.sh: error: %s\n' "$*" >&2
	exit 1
}
usage_error() {
	printf 'install.sh: %s\nRun "sh install.sh --help" for the options.\n' "$*" >&2
	exit 2
}

# valid_domain and valid_email keep values to characters that mean the same
# to systemd's EnvironmentFile= parser and to a shell sourcing the file.
valid_domain() {
	case $1 in
	"" | *[!A-Za-z0-9.-]* | .* | *. | *..* | -* | *-) return 1 ;;
	*.*) return 0 ;;
	*) return 1 ;;
	esac
}

valid_email() {
	case $1 in
	*[!A-Za-z0-9._%+@-]* | *@*@* | @* | *@) return 1 ;;
	*@*.*) return 0 ;;
	*) return 1 ;;
	esac
}

need_value() {
	[ "$#" -ge 2 ] || usage_error "$1 needs a value"
}

version=${FOOTFALL_VERSION:-latest}
from=
sha=
domain=
email=
wait_health=1
uninstall=0
purge=0
if [ "${FOOTFALL_NO_WAIT:-}" = 1 ]; then
	wait_health=0
fi

while [ "$#" -gt 0 ]; do
	case $1 in
	--version) need_value "$@"; version=$2; shift 2 ;;
	--version=*) version=${1#*=}; shift ;;
	--from) need_value "$@"; from=$2; shift 2 ;;
	--from=*) from=${1#*=}; shift ;;
	--sha256) need_value "$@"; sha=$2; shift 2 ;;
	--sha256=*) sha=${1#*=}; shift ;;
	--domain) need_value "$@"; domain=$2; shift 2 ;;
	--domain=*) domain=${1#*=}; shift ;;
	--email) need_value "$@"; email=$2; shift 2 ;;
	--email=*) email=${1#*=}; shift ;;
	--no-wait) wait_health=0; shift ;;
	--uninstall) uninstall=1; shift ;;
	--purge) uninstall=1; purge=1; shift ;;
	-h | --help) usage; exit 0 ;;
	*) usage_error "unknown option: $1" ;;
	esac
done

version=${version#v}
case $version in
"" | *[!A-Za-z0-9.+~-]*) usage_error "--version $version is not a release version such as 1.4.0" ;;
esac
if [ -n "$domain" ] && ! valid_domain "$domain"; then
	usage_error "--domain $domain is not a host name such as stats.example.com"
fi
if [ -n "$email" ] && ! valid_email "$email"; then
	usage_error "--email $email is not an email address"
fi
if [ -n "$email" ] && [ -z "$domain" ]; then
	usage_error "--email is the Let's Encrypt contact and needs --domain"
fi
case $HEALTH_TIMEOUT in
"" | *[!0-9]*) usage_error "FOOTFALL_HEALTH_TIMEOUT=$HEALTH_TIMEOUT is not a number of seconds" ;;
esac
if [ -n "$sha" ]; then
	[ -n "$from" ] || usage_error "--sha256 checks a --from FILE; downloads are checked against the release's checksums.txt"
	sha=$(printf '%s' "$sha" | tr 'A-F' 'a-f')
	case $sha in
	*[!0-9a-f]*) usage_error "--sha256 must be 64 hex digits" ;;
	esac
	[ "${#sha}" -eq 64 ] || usage_error "--sha256 must be 64 hex digits"
fi

if [ -z "$ROOT" ] && [ "$(id -u)" -ne 0 ]; then
	die "run as root, e.g.: sudo sh install.sh (it writes to /usr/local/bin, /etc and /var/lib)"
fi

# Under FOOTFALL_ROOT the host's systemd has nothing to do with the files
# being written, so it is only called when the caller names a SYSTEMCTL.
if [ -n "${SYSTEMCTL:-}" ]; then
	use_systemd=1
elif [ -z "$ROOT" ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
	SYSTEMCTL=systemctl
	use_systemd=1
else
	SYSTEMCTL=
	use_systemd=0
fi

user_exists() {
	if [ -z "$ROOT" ]; then
		id -u "$SVC" >/dev/null 2>&1
	else
		grep -q "^$SVC:" "$ROOT/etc/passwd" 2>/dev/null
	fi
}

# env_value prints NAME's value from the installed config file, if set there.
env_value() {
	[ -f "$ROOT$ENV_FILE" ] || return 0
	sed -n "s/^[[:space:]]*$1=//p" "$ROOT$ENV_FILE" | tail -n 1 | sed "s/^[\"']//; s/[\"']\$//"
}

do_uninstall() {
	if [ "$use_systemd" = 1 ] && [ -f "$ROOT$UNIT" ]; then
		"$SYSTEMCTL" disable --now "$SVC" || warn "could not stop the footfall service"
	fi
	rm -f "$ROOT$UNIT" "$ROOT$BIN"
	if [ "$use_systemd" = 1 ]; then
		"$SYSTEMCTL" daemon-reload
	fi
	if [ "$purge" = 1 ]; then
		rm -rf "$ROOT$DATA" "$ROOT$ENV_DIR"
		if user_exists; then
			if [ -n "$ROOT" ]; then
				"$USERDEL" --prefix "$ROOT" "$SVC"
			else
				"$USERDEL" "$SVC"
			fi
		fi
		say "Footfall is removed, with its data, its config and the $SVC user."
	else
		say "Footfall is removed. Kept: the data in $DATA and the config in $ENV_FILE."
		say "To delete them too: sh install.sh --uninstall --purge"
	fi
}

if [ "$uninstall" = 1 ]; then
	do_uninstall
	exit 0
fi

os=$(uname -s)
case $os in
Linux) ;;
*) die "this installer supports Linux only, and this is $os; elsewhere, run the Docker image or build from source (see README.md)" ;;
esac
machine=$(uname -m)
case $machine in
x86_64 | amd64) arch=amd64 ;;
aarch64 | arm64) arch=arm64 ;;
*) die "there is no Footfall release for $machine: releases exist for Linux amd64 (x86_64) and arm64 (aarch64)" ;;
esac

# The config is written on the first install only, so that is also the only
# time the questions make sense.
if [ ! -e "$ROOT$ENV_FILE" ] && [ -z "$domain" ] && [ -t 0 ]; then
	while :; do
		printf 'Domain name for HTTPS, e.g. stats.example.com (empty: plain HTTP on port 8000): '
		read -r domain || domain=
		if [ -z "$domain" ] || valid_domain "$domain"; then
			break
		fi
		say "  \"$domain\" is not a host name."
	done
	while [ -n "$domain" ]; do
		printf "Email address for Let's Encrypt (optional): "
		read -r email || email=
		if [ -z "$email" ] || valid_email "$email"; then
			break
		fi
		say "  \"$email\" is not an email address."
	done
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/footfall-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fetch() {
	if command -v curl >/dev/null 2>&1; then
		curl -fsSL --retry 3 -o "$2" "$1" || die "download failed: $1"
	elif command -v wget >/dev/null 2>&1; then
		wget -q -O "$2" "$1" || die "download failed: $1"
	else
		die "downloading needs curl or wget; or download the release yourself and use --from FILE"
	fi
}

sha256_of() {
	if command -v sha256sum >/dev/null 2>&1; then
		sha256sum "$1" | cut -d ' ' -f 1
	elif command -v shasum >/dev/null 2>&1; then
		shasum -a 256 "$1" | cut -d ' ' -f 1
	else
		die "verifying the archive needs sha256sum (coreutils) or shasum"
	fi
}

# sum_for prints the checksum listed for archive $2 in checksums file $1.
sum_for() {
	awk -v name="$2" '{ n = $2; sub(/^\*/, "", n) } n == name { print tolower($1); exit }' "$1"
}

if [ -n "$from" ]; then
	[ -f "$from" ] || die "--from $from: no such file"
	archive=$from
	name=$(basename "$from")
	sums=$(dirname "$from")/checksums.txt
	if [ -n "$sha" ]; then
		expected=$sha
	elif [ -f "$sums" ]; then
		expected=$(sum_for "$sums" "$name")
		[ -n "$expected" ] || die "$name is not listed in $sums; nothing was installed"
	else
		expected=
		warn "no --sha256 and no checksums.txt next to $from: the archive is not verified"
	fi
	case $name in
	footfall_*_linux_*.tar.gz)
		a=${name%.tar.gz}
		a=${a##*_}
		[ "$a" = "$arch" ] || die "$name is built for $a, but this machine is $arch"
		;;
	esac
else
	base=${RELEASE_URL%/}
	# Release tags are v-prefixed, archive names are not (goreleaser.yaml).
	# "latest" is resolved through the newest release's checksums.txt, whose
	# file name is stable and which lists the versioned archive names.
	if [ "$version" = latest ]; then
		fetch "$base/latest/download/checksums.txt" "$tmp/checksums.txt"
		name=$(awk -v arch="$arch" '{ n = $2; sub(/^\*/, "", n) }
			n ~ ("^footfall_.+_linux_" arch "[.]tar[.]gz$") { print n; exit }' "$tmp/checksums.txt")
		[ -n "$name" ] || die "the latest release has no archive for linux $arch"
		version=${name#footfall_}
		version=${version%_linux_"$arch".tar.gz}
	else
		fetch "$base/download/v$version/checksums.txt" "$tmp/checksums.txt"
		name=footfall_${version}_linux_${arch}.tar.gz
	fi
	expected=$(sum_for "$tmp/checksums.txt" "$name")
	[ -n "$expected" ] || die "release $version lists no $name in its checksums.txt"
	say "Downloading Footfall $version for linux $arch"
	archive=$tmp/$name
	fetch "$base/download/v$version/$name" "$archive"
fi

if [ -n "$expected" ]; then
	actual=$(sha256_of "$archive")
	[ "$actual" = "$expected" ] ||
		die "checksum mismatch for $name: expected $expected, got $actual; nothing was installed"
fi

mkdir "$tmp/x"
tar -xzf "$archive" -C "$tmp/x" || die "cannot unpack $name (not a .tar.gz?); nothing was installed"
new=$tmp/x/footfall
if [ ! -f "$new" ]; then
	new=$(find "$tmp/x" -mindepth 2 -maxdepth 2 -type f -name footfall | head -n 1)
fi
if [ -z "$new" ] || [ ! -f "$new" ]; then
	die "$name holds no footfall binary; nothing was installed"
fi
chmod 0755 "$new"
# Running it before it replaces anything catches a wrong architecture or a
# too-old glibc (DuckDB needs 2.34 or newer) while the old install still works.
new_version=$("$new" version 2>&1) ||
	die "the new binary does not run on this machine: $new_version; nothing was installed"

upgrade=0
if [ -f "$ROOT$UNIT" ]; then
	upgrade=1
fi

if ! user_exists; then
	set -- --system --user-group --home-dir "$DATA" --no-create-home \
		--shell /usr/sbin/nologin --comment "Footfall web analytics"
	if [ -n "$ROOT" ]; then
		set -- --prefix "$ROOT" "$@"
	fi
	"$USERADD" "$@" "$SVC"
fi

if [ ! -d "$ROOT$DATA" ]; then
	mkdir -p "$ROOT$DATA"
	chmod 0750 "$ROOT$DATA"
	"$CHOWN" "$SVC:$SVC" "$ROOT$DATA"
fi

mkdir -p "$ROOT${BIN%/*}"
cp "$new" "$ROOT$BIN.new"
chmod 0755 "$ROOT$BIN.new"
# rename(2) swaps the file while a running old binary keeps its inode.
mv -f "$ROOT$BIN.new" "$ROOT$BIN"

if [ -e "$ROOT$ENV_FILE" ]; then
	if [ -n "$domain$email" ]; then
		warn "$ENV_FILE exists and is left as it is: --domain and --email apply to a first install; edit the file, then: systemctl restart footfall"
	fi
else
	mkdir -p "$ROOT$ENV_DIR"
	(
		umask 077
		{
			say "# Footfall configuration: one NAME=value a line, no quotes, no spaces."
			say "# Read by systemd (EnvironmentFile=) and by the commands install.sh prints."
			say "# All settings: https://github.com/footfallhq/footfall#configuration"
			say "# After a change: sudo systemctl restart footfall"
			say "# A data directory elsewhere also needs ReadWritePaths= in a drop-in"
			say "# (systemctl edit footfall)."
			say "FOOTFALL_DATA_DIR=$DATA"
			if [ -n "$domain" ]; then
				say "FOOTFALL_DOMAIN=$domain"
				if [ -n "$email" ]; then
					say "FOOTFALL_ACME_EMAIL=$email"
				fi
				say "FOOTFALL_BASE_URL=https://$domain"
				say "FOOTFALL_ADDR=$LOCAL_ADDR"
			fi
		} >"$ROOT$ENV_FILE.new"
	)
	chmod 0640 "$ROOT$ENV_FILE.new"
	# Group-readable so the footfall user can run admin commands with it.
	"$CHOWN" "root:$SVC" "$ROOT$ENV_FILE.new"
	mv -f "$ROOT$ENV_FILE.new" "$ROOT$ENV_FILE"
fi

# The unit is ours and rewritten on every run; local changes belong in a
# drop-in, which survives upgrades.
mkdir -p "$ROOT${UNIT%/*}"
cat >"$ROOT$UNIT.new" <<EOF
# Written by Footfall's install.sh and replaced on upgrade.
# Local changes: systemctl edit footfall
[Unit]
Description=Footfall web analytics
Documentation=https://github.com/footfallhq/footfall
Wants=network-online.target
After=network-online.target

[Service]
Type=simple
User=$SVC
Group=$SVC
EnvironmentFile=$ENV_FILE
WorkingDirectory=$DATA
ExecStart=$BIN serve
Restart=on-failure
RestartSec=2
# SIGTERM makes Footfall stop accepting and drain its queue into the
# database; give that time before systemd escalates to SIGKILL.
TimeoutStopSec=60
LimitNOFILE=65536
UMask=0027

# Ports 80 and 443 for the built-in HTTPS, and nothing else root can do.
AmbientCapabilities=CAP_NET_BIND_SERVICE
CapabilityBoundingSet=CAP_NET_BIND_SERVICE
NoNewPrivileges=true

ProtectSystem=strict
ReadWritePaths=$DATA
ProtectHome=true
PrivateTmp=true
PrivateDevices=true
ProtectKernelTunables=true
ProtectKernelModules=true
ProtectKernelLogs=true
ProtectControlGroups=true
ProtectClock=true
ProtectHostname=true
RestrictNamespaces=true
RestrictRealtime=true
RestrictSUIDSGID=true
LockPersonality=true
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX AF_NETLINK

[Install]
WantedBy=multi-user.target
EOF
chmod 0644 "$ROOT$UNIT.new"
mv -f "$ROOT$UNIT.new" "$ROOT$UNIT"

if [ "$use_systemd" = 1 ]; then
	"$SYSTEMCTL" daemon-reload
	if [ "$upgrade" = 1 ]; then
		"$SYSTEMCTL" restart "$SVC"
	else
		"$SYSTEMCTL" enable --now "$SVC"
	fi
fi

addr=$(env_value FOOTFALL_ADDR)
addr=${addr:-:8000}
port=${addr##*:}
host=${addr%:*}
case $host in
"" | 0.0.0.0 | "[::]" | ::) host=127.0.0.1 ;;
esac
health=http://$host:$port/healthz

# probe asks the local listener directly, never through a configured proxy.
probe() {
	if command -v curl >/dev/null 2>&1; then
		curl -fsS -o /dev/null --max-time 2 --noproxy '*' "$1" 2>/dev/null
	else
		wget -q -O /dev/null -T 2 --no-proxy "$1" 2>/dev/null
	fi
}

if [ "$use_systemd" = 1 ] && [ "$wait_health" = 1 ]; then
	if command -v curl >/dev/null 2>&1 || command -v wget >/dev/null 2>&1; then
		printf 'Waiting for Footfall to answer %s ' "$health"
		i=0
		until probe "$health"; do
			i=$((i + 1))
			if [ "$i" -ge "$HEALTH_TIMEOUT" ]; then
				say
				die "Footfall did not answer within ${HEALTH_TIMEOUT}s; see: journalctl -u footfall -n 50 --no-pager"
			fi
			printf '.'
			sleep 1
		done
		say ' ok'
	else
		warn "neither curl nor wget is installed: not waiting for $health"
	fi
fi

url=$(env_value FOOTFALL_BASE_URL)
cfg_domain=$(env_value FOOTFALL_DOMAIN)
if [ -z "$url" ] && [ -n "$cfg_domain" ]; then
	url=https://$cfg_domain
fi
if [ -z "$url" ]; then
	ip=$(hostname -I 2>/dev/null | awk '{ print $1 }') || ip=
	url=http://${ip:-YOUR-SERVER-IP}:$port
fi

# Admin commands must run as the service user with the service's config:
# the data files belong to it, and the settings live only in the env file.
as_footfall="sudo -u $SVC sh -c 'set -a; . $ENV_FILE; exec $BIN"

say
if [ "$upgrade" = 1 ]; then
	say "Footfall is upgraded: $new_version"
	say "Open $url"
	exit 0
fi
say "Footfall is installed: $new_version"
say
say "Open $url"
if [ -n "$cfg_domain" ]; then
	say "(the DNS name $cfg_domain must point at this server, and ports 80 and 443 be open,"
	say " for the certificate to be issued)"
fi
if [ "$use_systemd" = 0 ]; then
	say
	say "systemd was not used here: start it with"
	say "  $as_footfall serve'"
fi
say
say "Next steps:"
say "  1. Create your account (the password is read from stdin):"
say "     $as_footfall user create --email you@example.com --admin'"
say "  2. Add your website:"
say "     $as_footfall site add example.com --owner you@example.com'"
say "  3. Put the tracker on its pages:"
say "     <script defer data-domain=\"example.com\" src=\"$url/js/script.js\"></script>"
say
say "Config: $ENV_FILE (then: sudo systemctl restart footfall)"
say "Logs:   journalctl -u footfall -f"
