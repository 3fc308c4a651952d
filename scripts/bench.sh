#!/usr/bin/env bash
# Reproduces the figures in BENCHMARKS.md on this machine, over loopback only.
#
#   scripts/bench.sh                      # SQLite: every step below, 1,000,000 seeded orders
#   ORDERS=200000 scripts/bench.sh        # a smaller seeded database
#   BACKEND=postgres scripts/bench.sh     # PostgreSQL at 127.0.0.1:5432/test, fresh schemas (ORDERS default 100000)
#   STEPS="pages search" scripts/bench.sh # only the portal's figures
#   STEPS=size scripts/bench.sh           # each step's cost on 10-, 100- and 1,000-line orders
#   BACKEND=postgres STEPS=processes scripts/bench.sh  # 1, 2 and 4 server processes on one database
#   STEPS=receivables AGING_DB=sqlite:/tmp/aging-1m.db scripts/bench.sh  # cash application and aging only
#
# Every step first runs `ceiling` (GET /api/v1/ping: authenticated, one store round trip, nothing
# else) on the same server with the same load generator and concurrency, and the summary gives
# each scenario's requests/s as a % of that step's ceiling as well as per second.
#
# Steps (STEPS, default "writes status pages search size outbox receivables", and "processes" on
# PostgreSQL; each on its own fresh database):
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
#   size    an empty database; `bench run --scenario size` (SIZE_CONCURRENCY workers, each on
#           orders of its own): its own ceiling run, then place, allocate, backorder, ship,
#           receive, one tracking scan and a status read, each measured alone on orders of each
#           of SIZES lines (the 1,000-line orders scanned and read carry 200 shipments), and
#           the largest size against the smallest. Fixtures per step: --prepare (10000).
#   outbox  an empty database: `bench outbox` in process (OUTBOX_EVENTS events, 5000; 2 workers):
#           commit to a verifying webhook receiver's 2xx, drained and live, with latency.
#   receivables  in process, no server (`bench receivables`): on a fresh database, RECEIVABLES_BOOK
#           (20000) open invoices and a RECEIVABLES_ENTRIES-entry (10000) camt.053 statement whose
#           receipts match by RF reference, invoice numbers, exact amount, or nothing; the import
#           timed end to end, the re-import (the parse), the pure matching and its parts. Then
#           AGING_INVOICES (1000000) unpaid invoices seeded in bulk and `App::book_aging` timed over
#           them, with the scan's time split (store reads, JSON decoding, sums) and the pure
#           `Aging::add` loop. AGING_DB (e.g. sqlite:/tmp/aging-1m.db) keeps and reuses that
#           database: seeded on the first run, not seeded again (never deleted).
#   processes  PostgreSQL only: for each of PROCESSES (1 2 4) a fresh schema served by that many
#           `aftercart serve` processes on ports PORT, PORT+1, …; `ceiling`, `place` and
#           `status` with the CONCURRENCY workers spread over the processes in turn.
# The server's resident memory (VmRSS) is recorded after each run; a summary table is printed.
#
# Knobs (environment): BACKEND=sqlite|postgres, ORDERS, STEPS, SHIP_EVERY (10; 0 ships none),
# SIZES (10,100,1000), SIZE_CONCURRENCY (8), PROCESSES ("1 2 4", at most 4 each),
# RECEIVABLES_ENTRIES, RECEIVABLES_BOOK, AGING_INVOICES, AGING_DB (see the receivables step),
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
DEFAULT_STEPS="writes status pages search size outbox receivables"
[ "$BACKEND" = postgres ] && DEFAULT_STEPS="$DEFAULT_STEPS processes"
STEPS=" ${STEPS:-$DEFAULT_STEPS} "
for s in $STEPS; do
  case "$s" in writes|status|pages|search|size|outbox|receivables|processes) ;; *) echo "STEPS: unknown step '$s' (writes, status, pages, search, size, outbox, receivables, processes)" >&2; exit 2 ;; esac
done
case "$STEPS" in
  *" processes "*) [ "$BACKEND" = postgres ] || { echo "STEPS: processes needs BACKEND=postgres (several servers share one PostgreSQL database)" >&2; exit 2; } ;;
esac
step() { case "$STEPS" in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
SHIP_EVERY=${SHIP_EVERY:-10}
SEEDED_DB=${SEEDED_DB:-}
WARM_CACHE=${WARM_CACHE:-1}
BENCH_SECONDS=${BENCH_SECONDS:-10}
CONCURRENCY=${CONCURRENCY:-64}
PORT=${PORT:-18080}
SIZES=${SIZES:-10,100,1000}
SIZE_CONCURRENCY=${SIZE_CONCURRENCY:-8}
PROCESSES=${PROCESSES:-1 2 4}
RECEIVABLES_ENTRIES=${RECEIVABLES_ENTRIES:-10000}
RECEIVABLES_BOOK=${RECEIVABLES_BOOK:-20000}
AGING_INVOICES=${AGING_INVOICES:-1000000}
AGING_DB=${AGING_DB:-}
for n in $PROCESSES; do
  case "$n" in 1|2|3|4) ;; *) echo "PROCESSES: counts of 1 to 4 server processes, not '$n'" >&2; exit 2 ;; esac
done
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
# The servers this script started (several in the processes step); only these are ever stopped.
SERVER_PIDS=()
SCHEMAS=()

stop_server() {
  local p
  for p in "${SERVER_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${SERVER_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  SERVER_PIDS=()
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

# Starts one more server (and waits until it is healthy, so that several processes on one
# database never run their migrations at the same time).
start_server() { # $1 database URL, $2 log name, $3 command (serve, or demo: loads the demo data first), $4 port (PORT)
  local port=${4:-$PORT}
  local url="http://127.0.0.1:$port"
  if curl -s -o /dev/null --max-time 1 "$url/healthz"; then
    echo "something already listens on 127.0.0.1:$port; set PORT" >&2
    exit 1
  fi
  "$BIN" "${3:-serve}" --db "$1" --addr "127.0.0.1:$port" --api-key "$KEY" >"$WORK/$2.log" 2>&1 &
  local pid=$!
  SERVER_PIDS+=("$pid")
  for _ in $(seq 1 600); do
    if curl -sf -o /dev/null --max-time 1 "$url/healthz"; then
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "the server exited; its log:" >&2
      tail -n 30 "$WORK/$2.log" >&2
      exit 1
    fi
    sleep 0.1
  done
  echo "the server did not become healthy within 60 s" >&2
  exit 1
}

# Resident memory of the running servers, summed (kB).
rss_kb() {
  local p total=0
  for p in "${SERVER_PIDS[@]}"; do
    total=$((total + $(awk '/^VmRSS:/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0)))
  done
  echo "$total"
}

RAN=()
# The base URL(s) `bench run` drives (comma-separated in the processes step), and the name of
# the ceiling run each scenario is compared with (the current step's).
RUN_URL=$URL
CEILING=""
declare -A CEILING_OF=()
run_scenario() { # $1 name (the JSON line goes to $WORK/$1.json), $2 scenario, then extra `bench run` flags
  local name=$1 scenario=$2
  shift 2
  if [ "$scenario" = ceiling ]; then CEILING=$name; fi
  CEILING_OF[$name]=$CEILING
  # Other work on the machine skews the figures: keep the 1-minute load average before the run.
  cut -d' ' -f1 /proc/loadavg >"$WORK/$name.load"
  echo "== $name: ${BENCH_SECONDS}s at concurrency $CONCURRENCY (load average $(cat "$WORK/$name.load"))" >&2
  "$BIN" bench run --url "$RUN_URL" --key "$KEY" --scenario "$scenario" --concurrency "$CONCURRENCY" --seconds "$BENCH_SECONDS" \
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
  echo "== server ${SERVER_PIDS[*]} on $URL, $BACKEND, RSS at start $(rss_kb) kB" >&2
  for s in ceiling place ship-invoice tracking; do
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
  echo "== server ${SERVER_PIDS[*]} on $URL, RSS at start $(rss_kb) kB" >&2
  run_scenario ceiling-seeded ceiling
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
  echo "== demo server ${SERVER_PIDS[*]} on $URL, RSS at start $(rss_kb) kB" >&2
  run_scenario ceiling-demo ceiling
  cut -d' ' -f1 /proc/loadavg >"$WORK/weight.load"
  echo "== first load of the order page (bench weight)" >&2
  "$BIN" bench weight --url "$URL" | tail -n 1 >"$WORK/weight.json"
  cat "$WORK/weight.json"
  for s in page-order page-dashboard; do
    run_scenario "$s" "$s"
  done
  stop_server
fi

# 4. Each step's cost against the order's size (its own ceiling run inside, at its concurrency).
if step size; then
  fresh_db size
  start_server "$DB_URL" server-size
  cut -d' ' -f1 /proc/loadavg >"$WORK/size.load"
  echo "== size: sizes $SIZES, ${BENCH_SECONDS}s per step at concurrency $SIZE_CONCURRENCY (load average $(cat "$WORK/size.load"))" >&2
  "$BIN" bench run --url "$URL" --key "$KEY" --scenario size --sizes "$SIZES" --concurrency "$SIZE_CONCURRENCY" \
    --seconds "$BENCH_SECONDS" "${RUN_EXTRA[@]}" >"$WORK/size.out"
  tail -n 1 "$WORK/size.out" >"$WORK/size.json"
  head -n -1 "$WORK/size.out" >"$WORK/size.md"
  cat "$WORK/size.md"
  echo "$(rss_kb)" >"$WORK/size.rss"
  stop_server
fi

# 5. Several server processes on one PostgreSQL database, the load spread over them.
if step processes; then
  for n in $PROCESSES; do
    fresh_db "procs$n"
    urls=()
    for k in $(seq 0 $((n - 1))); do
      start_server "$DB_URL" "server-procs$n-$k" serve $((PORT + k))
      urls+=("http://127.0.0.1:$((PORT + k))")
    done
    echo "== $n server process(es) ${SERVER_PIDS[*]} on one database: ${urls[*]}" >&2
    RUN_URL=$(IFS=,; echo "${urls[*]}")
    for s in ceiling place status; do
      run_scenario "procs$n-$s" "$s"
    done
    RUN_URL=$URL
    stop_server
  done
fi

# The outbox, in process: commit to a webhook receiver's 2xx.
if step outbox; then
  fresh_db outbox
  "$BIN" bench outbox --db "$DB_URL" --events "${OUTBOX_EVENTS:-5000}" --workers 2 \
    >"$WORK/outbox.json" 2>"$WORK/outbox.txt" || { cat "$WORK/outbox.txt" >&2; exit 1; }
  cat "$WORK/outbox.txt" >&2
fi

# Receivables, in process: a bank statement applied, and aging over a large book.
if step receivables; then
  fresh_db cash
  CASH_URL=$DB_URL
  if [ -n "$AGING_DB" ]; then
    AGING_URL=$AGING_DB
    echo "== receivables: aging on $AGING_URL (seeded there on its first run, reused after; never deleted)" >&2
    if [ "$WARM_CACHE" = 1 ]; then
      case "$AGING_URL" in
        sqlite:*) [ -f "${AGING_URL#sqlite:}" ] && cat "${AGING_URL#sqlite:}"* >/dev/null ;;
      esac
    fi
  else
    fresh_db aging
    AGING_URL=$DB_URL
  fi
  # Seeded (when empty) before the timed run; PostgreSQL then gets its statistics (`ANALYZE`), as
  # autovacuum would give them (it is off on some machines, and a planner that believes the 1M
  # invoices are 185 rows scans them all for a list's first page).
  "$BIN" bench receivables --aging-db "$AGING_URL" --aging-invoices "$AGING_INVOICES" --seed-only \
    >/dev/null 2>"$WORK/receivables-seed.txt" || { cat "$WORK/receivables-seed.txt" >&2; exit 1; }
  grep -E '^(aging|seeded)' "$WORK/receivables-seed.txt" >&2 || true
  if [ "$BACKEND" = postgres ]; then
    case "$AGING_URL" in
      *search_path%3D*) psql "$PG_URL" -q -v ON_ERROR_STOP=1 -c "ANALYZE ${AGING_URL##*search_path%3D}.docs" ;;
      *) psql "$AGING_URL" -q -v ON_ERROR_STOP=1 -c "ANALYZE docs" ;;
    esac
  fi
  cut -d' ' -f1 /proc/loadavg >"$WORK/receivables.load"
  echo "== receivables: $RECEIVABLES_ENTRIES-entry statement on $RECEIVABLES_BOOK open invoices, aging over $AGING_INVOICES (load average $(cat "$WORK/receivables.load"))" >&2
  "$BIN" bench receivables --cash-db "$CASH_URL" --aging-db "$AGING_URL" --entries "$RECEIVABLES_ENTRIES" \
    --book "$RECEIVABLES_BOOK" --aging-invoices "$AGING_INVOICES" \
    >"$WORK/receivables.json" 2>"$WORK/receivables.txt" || { cat "$WORK/receivables.txt" >&2; exit 1; }
  cat "$WORK/receivables.txt" >&2
fi

# 6. Summary (also saved next to the binary, with the raw JSON lines).
REPORT="$TARGET_DIR/bench-$BACKEND-$STAMP.txt"
summary() {
echo
echo "Aftercart bench, $(date -u +%Y-%m-%dT%H:%MZ), git $GIT_REV (at build time), steps:$STEPS"
echo "machine: $(nproc) CPU ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), $(free -g | awk '/^Mem:/ {print $2}') GiB RAM, Linux $(uname -r)"
echo "backend: $BACKEND; each run ${BENCH_SECONDS}s after 1s warm-up, concurrency $CONCURRENCY, client and server on the same cores"
echo
if [ "${#RAN[@]}" -gt 0 ]; then
printf '| %-20s | %-18s | %12s | %10s | %12s | %8s | %6s | %7s | %7s | %7s | %7s | %7s | %10s | %10s | %7s |\n' scenario unit "throughput/s" "requests/s" "% of ceiling" requests errors "mean ms" "p50 ms" "p90 ms" "p99 ms" "max ms" "server RSS" "client CPU" "load1"
printf '|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|\n' ---------------------- -------------------- -------------: ------------: --------------: ---------: -------: --------: --------: --------: --------: --------: -----------: -----------: --------:
for s in "${RAN[@]}"; do
  f="$WORK/$s.json"
  c="${CEILING_OF[$s]:-}"
  pct="—"
  if [ -n "$c" ] && [ -f "$WORK/$c.json" ]; then
    pct=$(awk -v x="$(field "$f" requests_per_s)" -v c="$(field "$WORK/$c.json" requests_per_s)" 'BEGIN { if (c > 0) printf "%.1f %%", 100 * x / c; else print "—" }')
  fi
  printf '| %-20s | %-18s | %12s | %10s | %12s | %8s | %6s | %7s | %7s | %7s | %7s | %7s | %7s MB | %8s %% | %7s |\n' "$s" "$(field "$f" unit)" \
    "$(field "$f" throughput_per_s)" "$(field "$f" requests_per_s)" "$pct" "$(field "$f" requests)" "$(field "$f" errors)" \
    "$(field "$f" mean)" "$(field "$f" p50)" "$(field "$f" p90)" "$(field "$f" p99)" "$(field "$f" max)" "$(( $(cat "$WORK/$s.rss") / 1024 ))" \
    "$(field "$f" client_cpu_pct)" "$(cat "$WORK/$s.load")"
done
echo "(% of ceiling = requests/s against the ceiling run of the same step: GET /api/v1/ping on the same server(s), same"
echo " load generator and concurrency, just before; server RSS after the run, summed over the processes; client CPU ="
echo " the load generator, in % of one core; load1 = 1-minute load average before the run)"
echo
fi
if step outbox; then
  echo "outbox step (bench outbox, commit to a verifying webhook receiver's 2xx):"
  echo
  grep -E '^(drain|live|signatures)' "$WORK/outbox.txt" | sed 's/^/    /'
  echo
fi
if step receivables; then
  echo "receivables step (bench receivables, in process; load1 $(cat "$WORK/receivables.load") before it):"
  echo
  grep -vE '^  [0-9]+ / |NOTICE' "$WORK/receivables.txt" | sed 's/^/    /'
  echo
fi
if step size; then
  echo "size step (load1 $(cat "$WORK/size.load") before it, server RSS after it $(( $(cat "$WORK/size.rss") / 1024 )) MB):"
  echo
  cat "$WORK/size.md"
  echo
fi
if step processes; then
  echo "processes step: the same load spread over 1..4 \`aftercart serve\` processes on one PostgreSQL database"
  echo
  echo "| processes | ceiling req/s | place orders/s | place % of ceiling | status reads/s | status % of ceiling | place p99 ms | status p99 ms | servers' RSS |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  for n in $PROCESSES; do
    c="$WORK/procs$n-ceiling.json" p="$WORK/procs$n-place.json" st="$WORK/procs$n-status.json"
    cr=$(field "$c" requests_per_s)
    pp=$(awk -v x="$(field "$p" requests_per_s)" -v c="$cr" 'BEGIN { if (c > 0) printf "%.1f %%", 100 * x / c; else print "—" }')
    sp=$(awk -v x="$(field "$st" requests_per_s)" -v c="$cr" 'BEGIN { if (c > 0) printf "%.1f %%", 100 * x / c; else print "—" }')
    echo "| $n | $cr | $(field "$p" throughput_per_s) | $pp | $(field "$st" throughput_per_s) | $sp | $(field "$p" p99) | $(field "$st" p99) | $(( $(cat "$WORK/procs$n-status.rss") / 1024 )) MB |"
  done
  echo
fi
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
if step size; then cat "$WORK/size.json"; fi
if step outbox; then cat "$WORK/outbox.json"; fi
if step receivables; then cat "$WORK/receivables.json"; fi
}
summary | tee "$REPORT"
echo "(saved to $REPORT)" >&2
