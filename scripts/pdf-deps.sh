#!/usr/bin/env bash
# Installs what the documents crate's suite (crates/documents/tests/documents) needs, only when
# missing: Debian's `poppler-utils` (pdftotext, pdfinfo, pdftoppm), which the tests use to
# extract text from, count pages of and rasterise the PDFs the crate writes.
# Idempotent: a second run installs nothing. The suite fails (never skips) without these.
set -euo pipefail

if command -v pdftotext >/dev/null 2>&1 && command -v pdfinfo >/dev/null 2>&1 \
  && command -v pdftoppm >/dev/null 2>&1; then
  echo "pdf-deps: poppler-utils present ($(pdftotext -v 2>&1 | head -n 1))"
  exit 0
fi

echo "pdf-deps: installing Debian package poppler-utils (apt)…"
sudo_cmd=()
if [[ $(id -u) -ne 0 ]] && command -v sudo >/dev/null 2>&1; then sudo_cmd=(sudo); fi
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive DEBCONF_NOWARNINGS=yes "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
  poppler-utils >/dev/null
command -v pdftotext >/dev/null 2>&1 || { echo "error: pdftotext still missing" >&2; exit 1; }
echo "pdf-deps: installed $(pdftotext -v 2>&1 | head -n 1)"
