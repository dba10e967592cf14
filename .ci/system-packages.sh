#!/usr/bin/env bash
# Debian packages the test suites use and a fresh machine lacks:
#   shellcheck       – actionlint runs it over every workflow `run:` script (npm test)
#   docker-registry  – the real OCI registry of the supply-chain suite
set -euo pipefail
missing=()
command -v shellcheck >/dev/null 2>&1 || missing+=(shellcheck)
[ -x /usr/bin/docker-registry ] || missing+=(docker-registry)
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages present"
  exit 0
fi
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
