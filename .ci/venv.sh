# Sourced by the .ci scripts: a Python venv under target/ci-venv holding the tools they run
# (openapi-spec-validator, schemathesis), created and filled on first use.
ci_venv() {
  local venv="target/ci-venv"
  if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
  fi
  local missing=()
  for tool in "$@"; do
    [ -x "$venv/bin/$tool" ] || missing+=("$tool")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    "$venv/bin/pip" install --quiet --disable-pip-version-check "${missing[@]}"
  fi
  echo "$venv/bin"
}
