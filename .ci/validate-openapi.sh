#!/usr/bin/env bash
# Validates an OpenAPI document against the OpenAPI 3.1 specification with
# openapi-spec-validator (installed into target/ci-venv on first use). Usage: validate-openapi.sh FILE
set -euo pipefail
cd "$(dirname "$0")/.."
. .ci/venv.sh
bin="$(ci_venv openapi-spec-validator)"
"$bin/openapi-spec-validator" "$1"
