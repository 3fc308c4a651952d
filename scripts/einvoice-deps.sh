#!/usr/bin/env bash
# Installs what the interchange crate's e-invoice tests (crates/interchange/tests/interchange/ubl.rs)
# need to validate the UBL they write, only when missing:
#   - `xmllint` (Debian's libxml2-utils, apt) for the UBL 2.1 XSD check;
#   - `saxonche` (Saxon-HE for Python, pinned, pip) to run the EN 16931 schematron XSLT.
# Idempotent and quiet: a second run installs nothing and prints one line per tool. The tests
# fail (never skip) without these.
set -euo pipefail

SAXONCHE_VERSION=13.1.1
PYTHON="${PYTHON:-python3}"

if command -v xmllint >/dev/null 2>&1; then
  echo "einvoice-deps: xmllint present"
else
  echo "einvoice-deps: installing Debian package libxml2-utils (apt)…"
  sudo_cmd=()
  if [[ $(id -u) -ne 0 ]] && command -v sudo >/dev/null 2>&1; then sudo_cmd=(sudo); fi
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive DEBCONF_NOWARNINGS=yes "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
    libxml2-utils >/dev/null
  command -v xmllint >/dev/null 2>&1 || { echo "error: xmllint did not install" >&2; exit 1; }
fi

if "$PYTHON" -c 'import saxonche' 2>/dev/null; then
  echo "einvoice-deps: saxonche present"
else
  echo "einvoice-deps: installing saxonche==$SAXONCHE_VERSION (pip)…"
  "$PYTHON" -m pip install --quiet --disable-pip-version-check --root-user-action=ignore "saxonche==$SAXONCHE_VERSION"
  "$PYTHON" -c 'import saxonche' || { echo "error: saxonche did not install" >&2; exit 1; }
fi
