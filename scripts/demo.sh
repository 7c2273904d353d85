#!/usr/bin/env bash
# The offline demo: starts the project's mock CoinGecko API on a free port, crawls bitcoin
# 2017-12-15..2017-12-30 from it into ./data/raw (16 files), and stops the mock.
# Extra arguments go to the crawl, e.g. `npm run demo -- -c ethereum cardano -s 2021-01-01 -e 2021-01-31`,
# or `npm run demo -- -d` to store the demo's days in the database too.
set -euo pipefail
cd "$(dirname "$0")/.."

port=${MOCK_PORT:-8787}
node --import tsx test/mock-api/main.ts --port "$port" --quiet >/tmp/coingecko-mock-$port.log 2>&1 &
mock=$!
trap 'kill $mock 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  grep -q 'listening' "/tmp/coingecko-mock-$port.log" 2>/dev/null && break
  kill -0 $mock 2>/dev/null || { cat "/tmp/coingecko-mock-$port.log" >&2; exit 1; }
  sleep 0.1
done

# Without coins or days of its own (`npm run demo -- -d`, say), the demo's range comes first.
args=("$@")
ranged=false
for arg in "${args[@]}"; do
  case "$arg" in -c | --coin-id* | --coin_id* | -s | --start-date* | --start_date*) ranged=true ;; esac
done
$ranged || args=(--coin-id bitcoin --start-date 2017-12-15 --end-date 2017-12-30 "${args[@]}")
node dist/crawl.js "${args[@]}" --api-url "http://127.0.0.1:$port/api/v3"
