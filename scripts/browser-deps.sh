#!/usr/bin/env bash
# Installs what the web crate's real-browser suite (crates/web/tests/web/browser.rs) needs, only
# when missing, and says what it does:
#   - Debian's `chromium` and `chromium-driver` (apt) when /usr/bin/chromium or
#     /usr/bin/chromedriver is missing;
#   - axe-core (pinned, from the npm registry) into target/npm/node_modules/axe-core, the
#     accessibility checker the suite injects into every page it visits.
# Idempotent: a second run installs nothing. The suite fails (never skips) without these.
set -euo pipefail
cd "$(dirname "$0")/.."

AXE_VERSION=4.14.1
NPM_DIR="${AFTERCART_NPM_DIR:-target/npm}"

if [[ -x /usr/bin/chromium && -x /usr/bin/chromedriver ]]; then
  echo "browser-deps: chromium and chromedriver present ($(/usr/bin/chromium --version 2>/dev/null || echo '?'))"
else
  echo "browser-deps: installing Debian packages chromium and chromium-driver (apt)…"
  sudo_cmd=()
  if [[ $(id -u) -ne 0 ]] && command -v sudo >/dev/null 2>&1; then sudo_cmd=(sudo); fi
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
    chromium chromium-driver >/dev/null
  echo "browser-deps: installed $(/usr/bin/chromium --version 2>/dev/null || echo chromium)"
fi

axe="$NPM_DIR/node_modules/axe-core"
installed=""
if [[ -f "$axe/package.json" ]]; then
  installed=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$axe/package.json" | head -n 1)
fi
if [[ "$installed" == "$AXE_VERSION" && -f "$axe/axe.min.js" ]]; then
  echo "browser-deps: axe-core $AXE_VERSION present in $NPM_DIR"
else
  echo "browser-deps: installing axe-core@$AXE_VERSION into $NPM_DIR (npm)…"
  mkdir -p "$NPM_DIR"
  npm install --silent --no-audit --no-fund --no-save --prefix "$NPM_DIR" "axe-core@$AXE_VERSION"
  [[ -f "$axe/axe.min.js" ]] || { echo "error: axe-core did not install into $axe" >&2; exit 1; }
fi
