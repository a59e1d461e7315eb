#!/usr/bin/env bash
# Fetches axe-core (the accessibility engine the browser tests run) from the npm registry into
# target/axe-core/axe.min.js, once. The version is pinned: the audit's rules change with it.
set -euo pipefail
cd "$(dirname "$0")/.."
version=4.14.1
dest=target/axe-core
if [ -f "$dest/axe.min.js" ] && grep -q "axe v$version" "$dest/axe.min.js"; then
  exit 0
fi
if ! command -v npm >/dev/null; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq npm >/dev/null
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack "axe-core@$version" --silent >/dev/null && tar xzf "axe-core-$version.tgz")
mkdir -p "$dest"
cp "$work/package/axe.min.js" "$dest/axe.min.js"
echo "axe-core $version in $dest/axe.min.js"
