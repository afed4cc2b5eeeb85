#!/usr/bin/env bash
# npm run up — install dependencies when needed, then bring nnlq up (scripts/start.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
export ONNXRUNTIME_NODE_INSTALL=skip   # no GPU binaries download; the CPU runtime ships in the package
stamp=node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ package.json -nt "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  echo "[nnlq] installing dependencies (npm install)"
  npm install --no-audit --no-fund
  touch "$stamp"
fi
exec node --import tsx scripts/start.ts "$@"
