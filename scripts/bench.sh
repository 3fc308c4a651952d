#!/usr/bin/env bash
# Reproduces the figures in BENCHMARKS.md on this machine, over loopback only.
#
#   scripts/bench.sh                      # SQLite: every step below, 1,000,000 seeded orders
#   ORDERS=200000 scripts/bench.sh        # a smaller seeded database
#   BACKEND=postgres scripts/bench.sh     # PostgreSQL at 127.0.0.1:5432/test, fresh schemas (ORDERS default 100000)
#   STEPS="pages search" scripts/bench.sh # only the portal's figures
#
# Steps (STEPS, default "writes status pages search"; each on its own fresh database):
#   writes  serve an empty database on 127.0.0.1; run `place`, `ship-invoice` and `tracking`
#           (BENCH_SECONDS each, CONCURRENCY concurrent requests).
#   status  seed ORDERS ten-line orders (every SHIP_EVERY-th shipped, with a tracking number);
#           serve them; run `status` (GET /api/v1/orders/{id}/status).
#   search  on the same seeded database: run `page-search` (the console's /search page with real
#           order numbers, PO numbers and tracking numbers in turn, as a staff agent the run
#           creates), then each kind alone (page-search-number, -po, -tracking).
#   pages   `aftercart demo` on a fresh database (the demo data); `bench weight` (bytes a browser
#           transfers on the first load of the order page, every asset included); then
#           `page-order` and `page-dashboard` as the demo buyer.
# The server's resident memory (VmRSS) is recorded after each run; a summary table is printed.
#
# Knobs (environment): BACKEND=sqlite|postgres, ORDERS, STEPS, SHIP_EVERY (10; 0 ships none),
# SEEDED_DB (reuse a database `bench seed` filled, e.g. sqlite:/tmp/1m.db, instead of seeding;
# never deleted), WARM_CACHE (1: read a seeded SQLite file once before serving it; 0: not),
# BENCH_SECONDS (10), CONCURRENCY (64), PORT (18080),
# PG_URL (postgres://postgres@127.0.0.1:5432/test), KEEP=1 keeps the databases, SKIP_BUILD=1 uses
# the existing binary, RUN_ARGS adds flags to every `bench run` (e.g. "--prepare 3000" for a
# quick try). Cargo honours CARGO_TARGET_DIR as usual.
set -euo pipefail

BACKEND=${BACKEND:-sqlite}
case "$BACKEND" in
  sqlite) ORDERS=${ORDERS:-1000000} ;;
  postgres) ORDERS=${ORDERS:-100000} ;;
  *) echo "BACKEND must be sqlite or postgres, not '$BACKEND'" >&2; exit 2 ;;
esac
STEPS=" ${STEPS:-writes status pages search} "
for s in $STEPS; do
  case "$s" in writes|status|pages|search) ;; *) echo "STEPS: unknown step '$s' (writes, status, pages, search)" >&2; exit 2 ;; esac
done
step() { case "$STEPS" in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
SHIP_EVERY=${SHIP_EVERY:-10}
SEEDED_DB=${SEEDED_DB:-}
WARM_CACHE=${WARM_CACHE:-1}
BENCH_SECONDS=${BENCH_SECONDS:-10}
CONCURRENCY=${CONCURRENCY:-64}
PORT=${PORT:-18080}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432/test}
KEEP=${KEEP:-0}
read -r -a RUN_EXTRA <<<"${RUN_ARGS:-}"
STAMP=$(date +%Y%m%d%H%M%S)
# 32+ characters: serve refuses shorter bootstrap keys.
KEY="bench-key-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d " \n")"
ADDR="127.0.0.1:$PORT"
URL="http://$ADDR"

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
BIN="$TARGET_DIR/release/aftercart"
cd "$ROOT"

case "$PG_URL" in
  postgres://*@127.0.0.1[:/]*|postgres://*@localhost[:/]*|postgres://127.0.0.1[:/]*|postgres://localhost[:/]*) ;;
  *) if [ "$BACKEND" = postgres ]; then echo "PG_URL must point at 127.0.0.1 or localhost" >&2; exit 2; fi ;;
esac

WORK=$(mktemp -d "${TMPDIR:-/tmp}/aftercart-bench.XXXXXX")
SERVER_PID=""
SCHEMAS=()

stop_server() {
  if [ -n "$SERVER_PID" ]; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
  fi
}

cleanup() {
  local rc=$?
  stop_server
  if [ "$KEEP" = 1 ]; then
    echo "kept: $WORK ${SCHEMAS[*]:-}" >&2
  else
    rm -rf "$WORK"
    for s in "${SCHEMAS[@]:-}"; do
      [ -n "$s" ] && psql "$PG_URL" -q -v ON_ERROR_STOP=1 -c "DROP SCHEMA IF EXISTS $s CASCADE" >/dev/null 2>&1 || true
    done
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Sets DB_URL to a fresh, empty database; $1 names it. (Not called in a subshell, so that the
# schema is remembered for the cleanup.)
fresh_db() {
  if [ "$BACKEND" = sqlite ]; then
    DB_URL="sqlite:$WORK/$1.db"
  else
    local schema="bench_${STAMP}_$1"
    psql "$PG_URL" -q -v ON_ERROR_STOP=1 -c "CREATE SCHEMA $schema" >/dev/null
    SCHEMAS+=("$schema")
    local sep='?'
    case "$PG_URL" in *\?*) sep='&' ;; esac
    DB_URL="${PG_URL}${sep}options=-csearch_path%3D${schema}"
  fi
}

start_server() { # $1 database URL, $2 log name, $3 command (serve, or demo: loads the demo data first)
  if curl -s -o /dev/null --max-time 1 "$URL/healthz"; then
    echo "something already listens on $ADDR; set PORT" >&2
    exit 1
  fi
  "$BIN" "${3:-serve}" --db "$1" --addr "$ADDR" --api-key "$KEY" >"$WORK/$2.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 600); do
    if curl -sf -o /dev/null --max-time 1 "$URL/healthz"; then
      return 0
    fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "the server exited; its log:" >&2
      tail -n 30 "$WORK/$2.log" >&2
      SERVER_PID=""
      exit 1
    fi
    sleep 0.1
  done
  echo "the server did not become healthy within 60 s" >&2
  exit 1
}

rss_kb() {
  awk '/^VmRSS:/ {print $2}' "/proc/$SERVER_PID/status"
}

RAN=()
run_scenario() { # $1 name (the JSON line goes to $WORK/$1.json), $2 scenario, then extra `bench run` flags
  local name=$1 scenario=$2
  shift 2
  # Other work on the machine skews the figures: keep the 1-minute load average before the run.
  cut -d' ' -f1 /proc/loadavg >"$WORK/$name.load"
  echo "== $name: ${BENCH_SECONDS}s at concurrency $CONCURRENCY (load average $(cat "$WORK/$name.load"))" >&2
  "$BIN" bench run --url "$URL" --key "$KEY" --scenario "$scenario" --concurrency "$CONCURRENCY" --seconds "$BENCH_SECONDS" \
    "$@" "${RUN_EXTRA[@]}" | tail -n 1 >"$WORK/$name.json"
  cat "$WORK/$name.json"
  echo "$(rss_kb)" >"$WORK/$name.rss"
  RAN+=("$name")
}

# A scalar field of a one-line JSON object (keys used here are unique within it).
field() { # $1 file, $2 key
  sed -n "s/.*\"$2\":\(\"[^\"]*\"\|[^,}]*\).*/\1/p" "$1" | tr -d '"'
}

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  echo "== building (release)" >&2
  cargo build --release -p aftercart
fi
[ -x "$BIN" ] || { echo "no binary at $BIN" >&2; exit 1; }
GIT_REV="$(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo '+dirty')"

# 1. Writes on an empty database.
if step writes; then
  fresh_db writes
  start_server "$DB_URL" server-writes
  echo "== server $SERVER_PID on $URL, $BACKEND, RSS at start $(rss_kb) kB" >&2
  for s in place ship-invoice tracking; do
    run_scenario "$s" "$s"
  done
  stop_server
fi

# 2. Reads and search on a seeded database.
SEEDED=0
if step status || step search; then
  SEEDED=1
  if [ -n "$SEEDED_DB" ]; then
    DB_SEED=$SEEDED_DB
    echo "== reusing the seeded database $DB_SEED (not seeded again, not deleted)" >&2
    echo '{"reused":true}' >"$WORK/seed.json"
  else
    fresh_db seeded
    DB_SEED=$DB_URL
    echo "== seeding $ORDERS orders, every ${SHIP_EVERY}th shipped ($BACKEND)" >&2
    "$BIN" bench seed --db "$DB_SEED" --orders "$ORDERS" --ship-every "$SHIP_EVERY" | tail -n 1 >"$WORK/seed.json"
    cat "$WORK/seed.json"
  fi
  DB_SIZE=""
  case "$DB_SEED" in
    sqlite:*) DB_SIZE="$(du -ch "${DB_SEED#sqlite:}"* | tail -n 1 | cut -f1) (database + WAL)" ;;
  esac
  # A SQLite file read once is in the OS page cache: the figures are for a database held in memory
  # (this VM's proactive reclaim evicts half of a 6 GB file within minutes; reads of evicted
  # pages wait for the disk and made search's p99 several times worse). WARM_CACHE=0 skips this.
  if [ "$WARM_CACHE" = 1 ]; then
    case "$DB_SEED" in
      sqlite:*) echo "== reading ${DB_SEED#sqlite:} into the page cache" >&2; cat "${DB_SEED#sqlite:}"* >/dev/null ;;
    esac
  fi
  start_server "$DB_SEED" server-seeded
  echo "== server $SERVER_PID on $URL, RSS at start $(rss_kb) kB" >&2
  if step status; then
    run_scenario status status
  fi
  if step search; then
    run_scenario page-search page-search
    for by in number po tracking; do
      run_scenario "page-search-$by" page-search --search-by "$by"
    done
  fi
  SEEDED_RSS=$(rss_kb)
  stop_server
fi

# 3. Portal pages on the demo data.
if step pages; then
  fresh_db demo
  start_server "$DB_URL" server-demo demo
  echo "== demo server $SERVER_PID on $URL, RSS at start $(rss_kb) kB" >&2
  cut -d' ' -f1 /proc/loadavg >"$WORK/weight.load"
  echo "== first load of the order page (bench weight)" >&2
  "$BIN" bench weight --url "$URL" | tail -n 1 >"$WORK/weight.json"
  cat "$WORK/weight.json"
  for s in page-order page-dashboard; do
    run_scenario "$s" "$s"
  done
  stop_server
fi

# 4. Summary (also saved next to the binary, with the raw JSON lines).
REPORT="$TARGET_DIR/bench-$BACKEND-$STAMP.txt"
summary() {
echo
echo "Aftercart bench, $(date -u +%Y-%m-%dT%H:%MZ), git $GIT_REV (at build time), steps:$STEPS"
echo "machine: $(nproc) CPU ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), $(free -g | awk '/^Mem:/ {print $2}') GiB RAM, Linux $(uname -r)"
echo "backend: $BACKEND; each run ${BENCH_SECONDS}s after 1s warm-up, concurrency $CONCURRENCY, client and server on the same cores"
echo
printf '| %-20s | %-18s | %12s | %8s | %6s | %7s | %7s | %7s | %7s | %10s | %10s | %7s |\n' scenario unit "throughput/s" requests errors "p50 ms" "p90 ms" "p99 ms" "max ms" "server RSS" "client CPU" "load1"
printf '|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|\n' ---------------------- -------------------- -------------- ---------- -------- --------- --------- --------- --------- ------------ ------------ ---------
for s in "${RAN[@]}"; do
  f="$WORK/$s.json"
  printf '| %-20s | %-18s | %12s | %8s | %6s | %7s | %7s | %7s | %7s | %7s MB | %8s %% | %7s |\n' "$s" "$(field "$f" unit)" \
    "$(field "$f" throughput_per_s)" "$(field "$f" requests)" "$(field "$f" errors)" \
    "$(field "$f" p50)" "$(field "$f" p90)" "$(field "$f" p99)" "$(field "$f" max)" "$(( $(cat "$WORK/$s.rss") / 1024 ))" \
    "$(field "$f" client_cpu_pct)" "$(cat "$WORK/$s.load")"
done
echo "(server RSS after the run; client CPU = the load generator, in % of one core; load1 = 1-minute load average before the run)"
echo
if [ "$SEEDED" = 1 ]; then
  if [ -n "$SEEDED_DB" ]; then
    echo "seeded database reused: $SEEDED_DB${DB_SIZE:+ ($DB_SIZE)}"
  else
    echo "seed: $(field "$WORK/seed.json" seed_orders) orders in $(field "$WORK/seed.json" seconds) s = $(field "$WORK/seed.json" orders_per_s) orders/s through the application layer, then $(field "$WORK/seed.json" shipments) shipments in $(field "$WORK/seed.json" ship_seconds) s${DB_SIZE:+; database on disk: $DB_SIZE}"
  fi
  echo "server RSS after the runs on the seeded database: $((SEEDED_RSS / 1024)) MB"
fi
if step pages; then
  w="$WORK/weight.json"
  echo "first load of $(field "$w" page) (the heaviest of $(field "$w" pages_weighed) order pages): $(field "$w" transferred_bytes) bytes transferred in $(field "$w" requests) requests ($(field "$w" uncompressed_bytes) uncompressed), JavaScript $(field "$w" js_bytes) bytes; budgets $(field "$w" budget_kib) KiB / $(field "$w" js_budget_kib) KiB of JavaScript: met=$(field "$w" met)"
fi
for s in "${RAN[@]}"; do
  e=$(field "$WORK/$s.json" first_error)
  if [ -n "$e" ] && [ "$e" != null ]; then echo "$s first error: $e"; fi
done
echo
echo "raw JSON lines:"
for s in "${RAN[@]}"; do cat "$WORK/$s.json"; done
if [ "$SEEDED" = 1 ]; then cat "$WORK/seed.json"; fi
if step pages; then cat "$WORK/weight.json"; fi
}
summary | tee "$REPORT"
echo "(saved to $REPORT)" >&2
