#!/usr/bin/env bash
# There is no Docker engine on the CI machines, so this replays the Dockerfile's two stages with the
# same commands, in scratch folders, from the files its build context holds, and then checks that the
# runtime stage works from the compiled output alone: no TypeScript, no tsx, no dev dependency. It
# crawls the mock API into the embedded database, runs a report and draws the charts.
# Keep it in step with the Dockerfile's RUN and COPY lines.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
mock=
cleanup() {
  [ -z "$mock" ] || kill "$mock" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
quiet=(--no-audit --no-fund --loglevel=error)

echo "build stage: npm ci --ignore-scripts, then npm run build"
mkdir "$work/build"
cp package.json package-lock.json "$work/build/"
(cd "$work/build" && npm ci --ignore-scripts "${quiet[@]}")
cp tsconfig.json tsconfig.build.json crawl.ts "$work/build/"
cp -r src "$work/build/src"
(cd "$work/build" && npm run --silent build)

echo "runtime stage: production dependencies, dist/ and sql/"
mkdir "$work/app"
cp package.json package-lock.json "$work/app/"
(cd "$work/app" && NODE_ENV=production npm ci --omit=dev --ignore-scripts "${quiet[@]}")
cp -r "$work/build/dist" "$work/app/dist"
cp -r sql "$work/app/sql"
for dev in typescript tsx jest; do
  if [ -e "$work/app/node_modules/$dev" ]; then echo "runtime stage has $dev" >&2 && exit 1; fi
done

echo "runtime checks"
port=$((20000 + RANDOM % 20000))
node --import tsx test/mock-api/main.ts --port "$port" --quiet >"$work/mock.log" 2>&1 &
mock=$!
for _ in $(seq 1 100); do
  grep -q listening "$work/mock.log" 2>/dev/null && break
  sleep 0.1
done
run() { (cd "$work/app" && env -u DATABASE_URL DATA_DIR="$work/data" node dist/crawl.js "$@"); }
run --version
run -c bitcoin -s 2017-12-15 -e 2017-12-20 -d --api-url "http://127.0.0.1:$port/api/v3" --log-level warn
csv=$(run report avg_price_by_month --format csv --log-level warn)
# The header, then December 2017 of bitcoin from its 6 stored days.
[[ "$csv" == $'coin_id,year,month,avg_usd_price,days\r\nbitcoin,2017,12,'*',6'$'\r' ]] ||
  { echo "unexpected report: $csv" >&2 && exit 1; }
run plot -c bitcoin --days 5 --out-dir "$work/figures" --log-level warn
test -s "$work/figures/price_last_5_days.png"
echo "Dockerfile stages: OK"
