# Sourced by the .ci scripts: a Python venv under target/ci-venv holding the tools they run
# (openapi-spec-validator, schemathesis), created and filled on first use.
ci_venv() {
  local venv="target/ci-venv"
  # A venv's scripts name its absolute path: one copied or moved with target/ (a second
  # checkout's) would install into, and run from, the first. Make it again here.
  if [ -f "$venv/bin/pip" ] && ! head -1 "$venv/bin/pip" | grep -qF "$(cd "$venv" && pwd -P)/"; then
    rm -rf "$venv"
  fi
  if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
  fi
  local missing=()
  for tool in "$@"; do
    [ -x "$venv/bin/$tool" ] || missing+=("$tool")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${missing[@]}"
  fi
  echo "$venv/bin"
}
