#!/usr/bin/env bash
# Lighthouse (mobile, its default throttling) on the production stack: home, a company page, an embed.
# Starts the stack with scripts/loadtest.py --serve (gunicorn, DJANGO_ENV=production, PostgreSQL
# scratch database, Redis cache, collected static files) on 127.0.0.1, runs Lighthouse with Debian's
# Chromium, prints the scores (median of LIGHTHOUSE_RUNS runs) and the audits that cost points, and
# stops everything it started. Lighthouse is installed with npm under LIGHTHOUSE_DIR (outside the repo).
#
#   scripts/lighthouse.sh            # needs node 20+, npm, /usr/bin/chromium, PostgreSQL, Redis
set -euo pipefail
cd "$(dirname "$0")/.."

PORT=${LIGHTHOUSE_PORT:-8161}
RUNS=${LIGHTHOUSE_RUNS:-3}
# Lighthouse's default 4x CPU slowdown assumes a fast desktop host (benchmarkIndex 1500+). On a slower
# or busy host, its throttling guide says to lower it; the table shows the benchmarkIndex measured.
CPU_SLOWDOWN=${LIGHTHOUSE_CPU_SLOWDOWN:-4}
LIGHTHOUSE_DIR=${LIGHTHOUSE_DIR:-/tmp/data-demands-lighthouse}
LIGHTHOUSE_VERSION=12.8.2
export CHROME_PATH=${CHROME_PATH:-/usr/bin/chromium}
BASE="http://localhost:$PORT"
PAGES=(
  "home /"
  "company /companies/amazon/"
  "embed /embed/company-requests?company=amazon"
)

lighthouse="$LIGHTHOUSE_DIR/node_modules/.bin/lighthouse"
if [ ! -x "$lighthouse" ] || ! "$lighthouse" --version | grep -qx "$LIGHTHOUSE_VERSION"; then
  echo "==> installing lighthouse $LIGHTHOUSE_VERSION under $LIGHTHOUSE_DIR" >&2
  mkdir -p "$LIGHTHOUSE_DIR"
  npm install --prefix "$LIGHTHOUSE_DIR" --no-audit --no-fund --loglevel=error "lighthouse@$LIGHTHOUSE_VERSION" >&2
fi

out=$(mktemp -d /tmp/dd-lighthouse.XXXX)
stack=""
cleanup() {
  if [ -n "$stack" ] && kill -0 "$stack" 2>/dev/null; then
    kill -TERM "$stack" 2>/dev/null || true
    wait "$stack" 2>/dev/null || true
  fi
  rm -rf "$out"
}
trap cleanup EXIT INT TERM

echo "==> starting the production stack on $BASE" >&2
.venv/bin/python scripts/loadtest.py --port "$PORT" --database-name dd_lighthouse --cache-url "${LIGHTHOUSE_CACHE_URL:-redis://127.0.0.1:6379/6}" \
  --serve 1200 >"$out/stack.log" 2>&1 &
stack=$!
for _ in $(seq 1 600); do
  grep -q "^serving" "$out/stack.log" 2>/dev/null && break
  kill -0 "$stack" 2>/dev/null || { cat "$out/stack.log" >&2; exit 1; }
  sleep 1
done
grep -q "^serving" "$out/stack.log" || { echo "the stack did not start in 10 minutes" >&2; exit 1; }
# Warm the cache as a day's traffic after a refresh would: each page, and the preview pictures of its
# charts (drawn by Chromium once per data generation, about 1.5 s each when cold).
for page in "${PAGES[@]}"; do
  curl -fsS "$BASE${page#* }" | grep -o '/charts/[a-z0-9-]*/preview\.svg?[^"]*' | sed 's/&amp;/\&/g' | sort -u |
    while read -r picture; do curl -fsS -o /dev/null "$BASE$picture"; done
done

echo
echo "| page | performance | accessibility | best practices | runs | CPU slowdown | benchmarkIndex |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for page in "${PAGES[@]}"; do
  name=${page%% *}; path=${page#* }
  for run in $(seq 1 "$RUNS"); do
    # A busy host sometimes loses the trace (NO_NAVSTART): try a run up to three times.
    for attempt in 1 2 3; do
      echo "==> lighthouse $name run $run (attempt $attempt): $BASE$path" >&2
      if timeout 300 "$lighthouse" "$BASE$path" --quiet --form-factor=mobile \
        --throttling.cpuSlowdownMultiplier="$CPU_SLOWDOWN" \
        --chrome-flags="--headless --no-sandbox --disable-gpu" \
        --only-categories=performance,accessibility,best-practices \
        --output=json --output-path="$out/$name-$run.json" >&2; then
        break
      fi
      [ "$attempt" -lt 3 ] || { echo "lighthouse failed three times on $name" >&2; exit 1; }
    done
  done
  node - "$name" "$out" "$RUNS" "$CPU_SLOWDOWN" <<'EOF'
const [name, dir, runs, slowdown] = process.argv.slice(2);
const reports = [...Array(Number(runs)).keys()].map((i) => require(`${dir}/${name}-${i + 1}.json`));
const score = (report, id) => Math.round(report.categories[id].score * 100);
const median = (id) => {
  const all = reports.map((r) => score(r, id)).sort((a, b) => a - b);
  return all[Math.floor(all.length / 2)];
};
const bench = reports.map((r) => Math.round(r.environment.benchmarkIndex)).sort((a, b) => a - b);
console.log(
  `| ${name} | ${median("performance")} | ${median("accessibility")} | ${median("best-practices")} | ${runs} ` +
    `| ${slowdown}x | ${bench[Math.floor(bench.length / 2)]} |`,
);
// What cost points in the last run: every weighted audit below full marks, with its value.
const report = reports[reports.length - 1];
for (const [id, category] of Object.entries(report.categories)) {
  for (const ref of category.auditRefs) {
    const audit = report.audits[ref.id];
    if (ref.weight > 0 && audit.score !== null && audit.score < 1) {
      console.error(`    ${name} ${id}: ${ref.id} score ${audit.score} ${audit.displayValue || ""}`);
    }
  }
}
const metrics = ["first-contentful-paint", "largest-contentful-paint", "total-blocking-time", "cumulative-layout-shift", "speed-index"];
console.error(`    ${name} metrics: ` + metrics.map((m) => `${m} ${report.audits[m].displayValue}`).join(", "));
const lcp = report.audits["largest-contentful-paint-element"].details?.items?.[0]?.items?.[0]?.node;
if (lcp) console.error(`    ${name} LCP element: ${lcp.snippet}`);
const boot = report.audits["bootup-time"].details?.items || [];
console.error(`    ${name} script time: ` + boot.slice(0, 3).map((i) => `${i.url.split("/").pop()} ${Math.round(i.total)} ms`).join(", "));
EOF
done
