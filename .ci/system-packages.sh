#!/usr/bin/env bash
# Debian packages a test suite uses that the project does not bring itself:
#   docker-registry  – the real OCI registry of the supply-chain suite
#   chromium         – the headless browser that proves /docs (Swagger UI) works (npm test;
#                      skipped with the reason outside CI when it is missing)
# (shellcheck is not here: `npm run toolchain` unpacks the pinned Debian package into its cache.)
set -euo pipefail
missing=()
[ -x /usr/bin/docker-registry ] || missing+=(docker-registry)
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages present"
  exit 0
fi
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
