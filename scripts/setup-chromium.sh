#!/usr/bin/env bash
# Installs Debian's chromium (the browser the web page's tests drive, headless, WebGPU on SwiftShader) when it is
# missing. Idempotent: does nothing when /usr/bin/chromium exists. Prints the manual step where it cannot act.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then echo "setup-chromium: $(/usr/bin/chromium --version 2>/dev/null | head -1) is installed; nothing to do"; exit 0; fi

manual="install it by hand: apt-get install chromium (Debian), so that /usr/bin/chromium exists"
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "setup-chromium: /usr/bin/chromium not found and this is not root with apt-get; $manual" >&2
  exit 1
fi

echo "setup-chromium: installing Debian's chromium for the web page's browser tests"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium >/dev/null
if [ -x /usr/bin/chromium ]; then echo "setup-chromium: $(/usr/bin/chromium --version 2>/dev/null | head -1) ready"; exit 0; fi
echo "setup-chromium: apt-get installed chromium but /usr/bin/chromium is missing; $manual" >&2
exit 1
