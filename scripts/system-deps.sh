#!/usr/bin/env bash
# System packages the Python build needs (mysqlclient compiles against the MariaDB/MySQL client
# headers, found through pkg-config; compilemessages needs gettext). Installs them with apt-get
# when possible, otherwise says exactly what to install.
set -euo pipefail

missing=()
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
if ! pkg-config --exists mysqlclient 2>/dev/null && ! pkg-config --exists libmariadb 2>/dev/null; then
  missing+=(libmariadb-dev)
fi
command -v msgfmt >/dev/null 2>&1 || missing+=(gettext)
# End-to-end login tests: Debian's chromium (driven by Playwright, never a downloaded browser) and
# node + npm for the test OpenID provider (tests/e2e).
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
# Guarantee-letter tests read the PDFs back with poppler (pdftotext, pdftoppm, pdffonts); the
# application itself only needs ReportLab, a wheel, so nothing changes in docker/.
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)

[ ${#missing[@]} -eq 0 ] && exit 0

if command -v apt-get >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "Installing system packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "Please install: ${missing[*]} (MySQL/MariaDB client headers, pkg-config, gettext, poppler)." >&2
  echo "  macOS: brew install mysql-client pkg-config gettext poppler" >&2
  exit 1
fi
