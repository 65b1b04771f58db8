#!/bin/sh
# The browser tests drive Debian's Chromium (Playwright cannot download its own
# browser here). Installs it, with a Chinese font so screenshots show Chinese,
# when either is missing; does nothing otherwise. Needs root (or sudo) and apt:
# CI runs as root. Without them it says so and the browser tests are skipped.
set -eu
has_cjk_font() { fc-list 2>/dev/null | grep -qiE "cjk|wenquanyi|wqy|droid sans fallback"; }
if [ -x /usr/bin/chromium ] && has_cjk_font; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO="sudo -n"
    else
        echo "ensure_chromium: /usr/bin/chromium or a CJK font is missing and this is not root:" \
             "the browser tests will be skipped (apt-get install chromium fonts-wqy-microhei)" >&2
        exit 0
    fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure_chromium: no apt-get here; install Chromium at /usr/bin/chromium by hand" >&2
    exit 0
fi
echo "ensure_chromium: installing Debian's chromium and a CJK font (once)"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-wqy-microhei fontconfig >/dev/null
