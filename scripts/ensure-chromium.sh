#!/usr/bin/env bash
# Make sure Debian's chromium is installed for the storefront's browser test (tests/api/browser.py).
#
# Playwright drives the system browser at /usr/bin/chromium (its own download is not used). When it
# is missing and we are root with apt-get (a fresh CI machine), install it; otherwise say how.
# Under CI=true a browser that cannot be installed is a failure, as the test itself is.
set -euo pipefail

if [[ -x /usr/bin/chromium ]]; then
    exit 0
fi
if [[ "$(id -u)" == "0" ]] && command -v apt-get >/dev/null 2>&1; then
    echo "ensure-chromium: installing chromium (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends chromium >/dev/null
    [[ -x /usr/bin/chromium ]] && exit 0
fi
if [[ "${CI:-}" == "true" ]]; then
    echo "ensure-chromium: no /usr/bin/chromium and it could not be installed (CI=true: required)" >&2
    exit 1
fi
echo "ensure-chromium: no /usr/bin/chromium (apt-get install -y chromium); the browser test will skip" >&2
