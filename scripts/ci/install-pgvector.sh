#!/usr/bin/env bash
# Install the pgvector extension for PostgreSQL 15 (Debian bookworm).
#
# Bookworm has no pgvector binary package, so we build Debian trixie's source
# package against the local PG15 server headers. Idempotent: exits at once when
# vector.control and vector.so are already installed.
#
# Environment:
#   PG_CONFIG            pg_config of the target server (default: PG15's)
#   LONGHAUL_APT_STAMP   optional marker file; when it exists and is newer than
#                        every apt sources file, `apt-get update` is skipped
#                        (.ci/run sets it so apt-get update runs once per run)
set -euo pipefail

PG_CONFIG="${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}"
SRC_FILE=/etc/apt/sources.list.d/trixie-src.sources
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
export DEBIAN_FRONTEND=noninteractive
APT_OPTS=(-y -o DPkg::Lock::Timeout=300)

log() { echo "[install-pgvector] $*"; }
die() { echo "[install-pgvector] ERROR: $*" >&2; exit 1; }

[[ -x "$PG_CONFIG" ]] || die "$PG_CONFIG not found (is postgresql-15 installed?)"
SHAREDIR="$("$PG_CONFIG" --sharedir)"
PKGLIBDIR="$("$PG_CONFIG" --pkglibdir)"
CONTROL="$SHAREDIR/extension/vector.control"
SO="$PKGLIBDIR/vector.so"

installed_version() {
  sed -n "s/^default_version *= *'\(.*\)'.*/\1/p" "$CONTROL" 2>/dev/null || true
}

if [[ -f "$CONTROL" && -f "$SO" ]]; then
  log "pgvector $(installed_version) already installed ($CONTROL, $SO); nothing to do"
  exit 0
fi

[[ $EUID -eq 0 ]] || die "must run as root to install packages"

# ---- apt helpers --------------------------------------------------------------
apt_sources_files() {
  ls -1 /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null || true
}

# apt-get update, unless $LONGHAUL_APT_STAMP shows it already ran after the last
# change to any sources file.
apt_update_once() {
  local stamp="${LONGHAUL_APT_STAMP:-}" f fresh=1
  if [[ -n "$stamp" && -f "$stamp" ]]; then
    while read -r f; do
      if [[ -n "$f" && "$f" -nt "$stamp" ]]; then fresh=0; fi
    done < <(apt_sources_files)
    if [[ $fresh -eq 1 ]]; then
      log "apt-get update already done in this run; skipping"
      return 0
    fi
  fi
  log "apt-get update"
  apt-get -o DPkg::Lock::Timeout=300 update -q
  if [[ -n "$stamp" ]]; then touch "$stamp"; fi
}

# The Debian archive URI the machine already uses (first non-security "debian"
# URI in the enabled sources), default http://deb.debian.org/debian.
debian_archive_uri() {
  local uri
  uri="$(
    {
      # deb822 *.sources: "URIs: a b c"
      for f in /etc/apt/sources.list.d/*.sources; do
        [[ -f "$f" ]] || continue
        sed -n 's/^URIs:[[:space:]]*//Ip' "$f" | tr ' \t' '\n\n'
      done
      # one-line format: "deb [opts] URI suite comps"
      for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [[ -f "$f" ]] || continue
        sed -e 's/#.*//' -e 's/\[[^]]*\]//' "$f" \
          | awk '$1=="deb" || $1=="deb-src" {print $2}'
      done
    } | grep -E '^https?://' \
      | grep -i 'debian' \
      | grep -viE 'debian-security|security\.debian|debian-ports|nodesource|/trixie' \
      | head -n1
  )"
  echo "${uri:-http://deb.debian.org/debian}"
}

# ---- 1. deb-src entry for trixie (source packages only) -------------------------
# Only "Types: deb-src", so apt never sees trixie *binary* packages and cannot
# try to upgrade anything to trixie.
if [[ -f "$SRC_FILE" ]]; then
  log "$SRC_FILE already present"
else
  URI="$(debian_archive_uri)"
  log "writing $SRC_FILE (URIs: $URI)"
  cat > "$SRC_FILE" <<SOURCES
# Added by scripts/ci/install-pgvector.sh: source packages only (for pgvector).
Types: deb-src
URIs: $URI
Suites: trixie
Components: main
Signed-By: $KEYRING
SOURCES
fi

# ---- 2. build dependencies -----------------------------------------------------
apt_update_once
log "installing build-essential dpkg-dev postgresql-server-dev-15"
apt-get install "${APT_OPTS[@]}" --no-install-recommends \
  build-essential dpkg-dev postgresql-server-dev-15

# ---- 3. fetch and build pgvector -------------------------------------------------
BUILD_DIR="$(mktemp -d /tmp/longhaul-pgvector-build.XXXXXX)"
trap 'rm -rf "$BUILD_DIR"' EXIT
# Let apt's sandbox user write the download (avoids the "unsandboxed as root" note).
if id _apt >/dev/null 2>&1; then chown _apt "$BUILD_DIR"; fi
cd "$BUILD_DIR"
log "apt-get source pgvector (in $BUILD_DIR)"
apt-get source -q pgvector
SRC_DIR="$(find "$BUILD_DIR" -mindepth 1 -maxdepth 1 -type d -name 'pgvector-*' | head -n1)"
[[ -n "$SRC_DIR" ]] || die "apt-get source pgvector produced no pgvector-* directory"
cd "$SRC_DIR"
log "building $(basename "$SRC_DIR") with $PG_CONFIG"
# OPTFLAGS="" drops -march=native so the build does not depend on the CPU.
make -j"$(nproc)" OPTFLAGS="" PG_CONFIG="$PG_CONFIG"
make install OPTFLAGS="" PG_CONFIG="$PG_CONFIG"

[[ -f "$CONTROL" && -f "$SO" ]] || die "make install finished but $CONTROL / $SO missing"
log "installed pgvector $(installed_version) ($CONTROL, $SO)"
