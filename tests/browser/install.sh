#!/usr/bin/env bash
# Installs what tests/browser/check-site.mjs needs: Debian's chromium and the
# npm packages of the repository's package.json (playwright-core, which never
# downloads a browser of its own here). Idempotent: each step is skipped when
# its result is already in place. Run from anywhere: bash tests/browser/install.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

say() { printf 'install.sh: %s\n' "$*"; }

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    say "Node.js and npm are required (node >= 20) but were not found on PATH; install them first" >&2
    exit 1
fi

bash tests/install-debian-package.sh chromium /usr/bin/chromium
say "chromium: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"

# npm ci again only when node_modules is missing or older than package.json or
# package-lock.json: npm writes node_modules/.package-lock.json at the end of
# every install (whoever ran it, `cargo xtask book` included), so its time says
# when node_modules was last brought up to date.
installed=node_modules/.package-lock.json
if [ -f "$installed" ] && [ ! package-lock.json -nt "$installed" ] && [ ! package.json -nt "$installed" ]; then
    say "node_modules up to date with package-lock.json"
else
    say "npm ci (node_modules missing or older than package-lock.json)"
    # Belt and braces: no package may fetch a browser build at install time.
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 PUPPETEER_SKIP_DOWNLOAD=1 \
        npm ci --no-audit --no-fund --loglevel=error >/dev/null
fi
say "done: node $(node --version), playwright-core $(node -p 'require("playwright-core/package.json").version')"
