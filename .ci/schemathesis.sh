#!/usr/bin/env bash
# A property-based run of the REST API against a live `keel demo` (the demo company, a bootstrap
# token), driven by the API's own OpenAPI document: schemathesis must find no 5xx and no answer
# that contradicts the document (status, content type, headers, body schema). On SQLite, and
# on PostgreSQL too when KEEL_TEST_POSTGRES_URL names a server. schemathesis is installed into
# target/ci-venv on first use. KEEL_SCHEMATHESIS_EXAMPLES sets the examples per route (20).
set -euo pipefail
cd "$(dirname "$0")/.."
. .ci/venv.sh
bin="$(ci_venv schemathesis)"
cargo build --quiet --bin keel

token="schemathesis-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
examples="${KEEL_SCHEMATHESIS_EXAMPLES:-20}"
pids=()
databases=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for db in "${databases[@]}"; do
    psql -q "$KEEL_TEST_POSTGRES_URL" -c "drop database if exists \"$db\" with (force)" || true
  done
}
trap cleanup EXIT

# Serves the demo on a free port with database $2 (empty: the demo folder's SQLite file) and
# runs schemathesis against it.
run_against() {
  local label="$1" database="$2"
  local dir="target/tmp/schemathesis/$label"
  rm -rf "$dir" && mkdir -p "$dir"
  KEEL_API_TOKEN="$token" target/debug/keel demo --bind 127.0.0.1:0 --dir "$dir" \
    ${database:+--database "$database"} >"$dir/keel.log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  local address=""
  for _ in $(seq 1 300); do
    address="$(sed -n 's|^keel demo is running: open http://\([^/]*\)/console$|\1|p' "$dir/keel.log")"
    [ -n "$address" ] && break
    kill -0 "$pid" 2>/dev/null || { cat "$dir/keel.log"; echo "keel demo stopped ($label)"; exit 1; }
    sleep 0.5
  done
  [ -n "$address" ] || { cat "$dir/keel.log"; echo "keel demo did not start ($label)"; exit 1; }
  echo "schemathesis against keel demo on $label at $address"
  "$bin/schemathesis" run "http://$address/api/v1/openapi.json" \
    --header "Authorization: Bearer $token" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance \
    --phases examples,coverage,fuzzing \
    --max-examples "$examples" --seed 17 --workers 2 --no-color \
    --report junit --report-dir "$dir/report"
  kill "$pid" && wait "$pid" 2>/dev/null || true
}

run_against sqlite ""
if [ -n "${KEEL_TEST_POSTGRES_URL:-}" ]; then
  db="keel_schemathesis_$$"
  psql -q "$KEEL_TEST_POSTGRES_URL" -c "create database \"$db\""
  databases+=("$db")
  run_against postgres "${KEEL_TEST_POSTGRES_URL%/*}/$db"
fi
