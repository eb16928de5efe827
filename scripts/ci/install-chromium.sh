#!/usr/bin/env bash
# Install Debian's chromium (used by Playwright via executablePath=/usr/bin/chromium).
# Idempotent: exits at once when /usr/bin/chromium exists.
#
# Environment:
#   LONGHAUL_APT_STAMP   optional marker file; when it exists and is newer than
#                        every apt sources file, `apt-get update` is skipped
#                        (.ci/run sets it so apt-get update runs once per run)
set -euo pipefail

CHROMIUM=/usr/bin/chromium
export DEBIAN_FRONTEND=noninteractive

log() { echo "[install-chromium] $*"; }
die() { echo "[install-chromium] ERROR: $*" >&2; exit 1; }

if [[ -x "$CHROMIUM" ]]; then
  log "$CHROMIUM already installed; nothing to do"
  exit 0
fi

[[ $EUID -eq 0 ]] || die "must run as root to install packages"

apt_sources_files() {
  ls -1 /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null || true
}

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

apt_update_once
log "apt-get install chromium"
apt-get install -y -o DPkg::Lock::Timeout=300 chromium

[[ -x "$CHROMIUM" ]] || die "chromium installed but $CHROMIUM is missing"
log "installed: $("$CHROMIUM" --version 2>/dev/null || echo '(version unknown)')"
