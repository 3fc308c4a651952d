#!/usr/bin/env bash
# Generated-request testing: a bounded schemathesis run against the OpenAPI document of a running
# server with the demo data. Checks: no 5xx (not_a_server_error), every response matches its
# documented schema (response_schema_conformance), status code (status_code_conformance) and
# content type (content_type_conformance). Path ids and body references are drawn, most of the
# time, from the demo's real records (schemathesis dictionaries), so requests reach real orders,
# invoices and accounts instead of only answering 404.
#
# Installs schemathesis (pinned, from PyPI) into a venv under ~/.cache/aftercart the first time.
# Knobs: SCHEMATHESIS_MAX_TIME (seconds, default 120), SCHEMATHESIS_MAX_EXAMPLES (per operation,
# default 15), SCHEMATHESIS_SEED (default 1: CI is reproducible; vary it locally to explore),
# SCHEMATHESIS_CHECKS (comma-separated schemathesis checks, default the four above),
# AFTERCART_BIN (default: builds and uses target/debug/aftercart).
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=4.32.5
# CPython 3.11 can fail inside hypothesis with "AST constructor recursion depth mismatch"
# (a CPython bug); a newer interpreter is used when the machine has one (pyenv), else python3.
PYTHON="${SCHEMATHESIS_PYTHON:-}"
if [[ -z "$PYTHON" ]]; then
  PYTHON=python3
  for c in "$(pyenv root 2>/dev/null || echo /nonexistent)"/versions/3.1[2-9]*/bin/python3; do
    [[ -x "$c" ]] && PYTHON="$c"
  done
fi
PYV="$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
VENV="${XDG_CACHE_HOME:-$HOME/.cache}/aftercart/schemathesis-$VERSION-py$PYV"
MAX_TIME="${SCHEMATHESIS_MAX_TIME:-120}"
MAX_EXAMPLES="${SCHEMATHESIS_MAX_EXAMPLES:-15}"
SEED="${SCHEMATHESIS_SEED:-1}"
CHECKS="${SCHEMATHESIS_CHECKS:-not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance}"
OUT="target/schemathesis"

if ! "$VENV/bin/schemathesis" --version 2>/dev/null | grep -q "$VERSION"; then
  echo "installing schemathesis $VERSION into $VENV…"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$VERSION"
fi

if [[ -z "${AFTERCART_BIN:-}" ]]; then
  cargo build --quiet -p aftercart
  AFTERCART_BIN="target/debug/aftercart"
fi

mkdir -p "$OUT"
tmp="$(mktemp -d)"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

# A strong, explicit staff key (whatever the minimum-strength rules are).
KEY="schemathesis-$(od -An -N20 -tx1 /dev/urandom | tr -d ' \n')"
started=$(date +%s)
"$AFTERCART_BIN" demo --addr 127.0.0.1:0 --db "sqlite:$tmp/demo.db" --api-key "$KEY" \
  >"$tmp/stdout" 2>"$OUT/server.log" &
server_pid=$!
base=""
for _ in $(seq 1 600); do
  base="$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$tmp/stdout" 2>/dev/null | head -n 1 || true)"
  [[ -n "$base" ]] && break
  kill -0 "$server_pid" 2>/dev/null || { echo "error: the demo server exited; see $OUT/server.log" >&2; exit 1; }
  sleep 0.2
done
[[ -n "$base" ]] || { echo "error: the demo server did not start; see $OUT/server.log" >&2; exit 1; }
echo "demo server at $base (ready in $(( $(date +%s) - started ))s)"

# Real ids from the demo data, as schemathesis dictionaries bound to path and body parameters.
BASE="$base" KEY="$KEY" "$VENV/bin/python" - >"$tmp/schemathesis.toml" <<'PY'
import json, os, urllib.request

base, key = os.environ["BASE"], os.environ["KEY"]

def get(path):
    req = urllib.request.Request(base + path, headers={"Authorization": "Bearer " + key})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)

def items(path, limit=25):
    page = get(f"{path}?limit={limit}")
    return (page["items"] if isinstance(page, dict) else page)[:limit]

def ids(path, limit=25):
    return [x["id"] for x in items(path, limit)]

accounts = items("/api/v1/accounts", 50)
dicts = {
    "accounts": [a["id"] for a in accounts],
    "locations": [l["id"] for a in accounts for l in a.get("locations", [])][:40],
    "orders": ids("/api/v1/orders", 40),
    "invoices": ids("/api/v1/invoices"),
    "credit_memos": ids("/api/v1/credit-memos"),
    "payments": ids("/api/v1/payments"),
    "shipments": ids("/api/v1/shipments"),
    "products": ids("/api/v1/products"),
    "fulfilment_locations": ids("/api/v1/fulfilment-locations"),
    "users": ids("/api/v1/users"),
    "saved_lists": ids("/api/v1/saved-lists"),
    "lines": [1, 2, 3],
}
shipments = items("/api/v1/shipments")
dicts["tracking_numbers"] = [s["tracking_number"] for s in shipments if s.get("tracking_number")] or ["1Z999AA10123456784"]
dicts["skus"] = [p["sku"] for p in items("/api/v1/products")]
dicts = {k: v for k, v in dicts.items() if v}

def q(s):
    return json.dumps(s)

print("[dictionaries]")
for name, values in dicts.items():
    print(f"{name} = {{ values = {json.dumps(values)} }}")

def bind(name, p=0.8):
    return f"{{ dictionary = {q(name)}, probability = {p} }}" if name in dicts else None

body = {
    "body.account_id": "accounts",
    "body.order_id": "orders",
    "body.invoice_id": "invoices",
    "body.shipment_id": "shipments",
    "body.product_id": "products",
    "body.sku": "skus",
    "body.fulfilment_location_id": "fulfilment_locations",
    "body.from_location_id": "fulfilment_locations",
    "body.to_location_id": "locations",
    "body.bill_to": "locations",
    "body.from": "users",
    "body.to": "users",
    "body.line": "lines",
    "body.lines[*].product_id": "products",
    "body.lines[*].sku": "skus",
    "body.lines[*].ship_to": "locations",
    "body.lines[*].order_id": "orders",
    "body.lines[*].line": "lines",
    "body.lines[*].order_line": "lines",
    "body.applications[*].invoice_id": "invoices",
    "body.events[*].tracking_number": "tracking_numbers",
    "body.events[*].shipment_id": "shipments",
}
path_id = {
    r"^/api/v1/accounts/\{id\}": "accounts",
    r"^/api/v1/orders/\{id\}": "orders",
    r"^/api/v1/invoices/\{id\}": "invoices",
    r"^/api/v1/credit-memos/\{id\}": "credit_memos",
    r"^/api/v1/payments/\{id\}": "payments",
    r"^/api/v1/shipments/\{id\}": "shipments",
    r"^/api/v1/products/\{id\}": "products",
    r"^/api/v1/fulfilment-locations/\{id\}": "fulfilment_locations",
    r"^/api/v1/users/\{id\}": "users",
    r"^/api/v1/saved-lists/\{id\}": "saved_lists",
}
extra = {"path.product_id": "products", "path.location_id": "locations", "path.line": "lines"}

def params(entries):
    out = [f"{q(k)} = {bind(v)}" for k, v in entries.items() if bind(v)]
    return "{ " + ", ".join(out) + " }"

for regex, name in path_id.items():
    entries = {"path.id": name, **extra, **body}
    print()
    print("[[operations]]")
    print(f"include-path-regex = {q(regex)}")
    print(f"parameters = {params(entries)}")
print()
print("[parameters]")
for k, v in {**extra, **body}.items():
    if bind(v):
        print(f"{q(k)} = {bind(v)}")
PY
cp "$tmp/schemathesis.toml" "$OUT/schemathesis.toml"

echo "schemathesis $VERSION: at most $MAX_EXAMPLES examples per operation, at most ${MAX_TIME}s, seed $SEED"
st_started=$(date +%s)
set +e
"$VENV/bin/schemathesis" --config-file "$tmp/schemathesis.toml" run "$base/api/v1/openapi.json" \
  --url "$base" \
  -H "Authorization: Bearer $KEY" \
  --checks "$CHECKS" \
  --phases examples,coverage,fuzzing \
  --max-examples "$MAX_EXAMPLES" \
  --max-time "$MAX_TIME" \
  --seed "$SEED" \
  --workers 2 \
  --request-timeout 10 \
  --suppress-health-check all \
  --warnings off \
  --output-truncate true \
  --report junit --report-dir "$OUT" \
  >"$OUT/run.log" 2>&1
rc=$?
set -e
tail -n 40 "$OUT/run.log"
echo "schemathesis took $(( $(date +%s) - st_started ))s (full log: $OUT/run.log, server log: $OUT/server.log)"
if ! kill -0 "$server_pid" 2>/dev/null; then
  echo "error: the server died during the run; see $OUT/server.log" >&2
  exit 1
fi
if grep -q "panicked" "$OUT/server.log"; then
  echo "error: the server panicked during the run; see $OUT/server.log" >&2
  exit 1
fi
# A plain closing line for log readers: generated requests passed and failed.
passed=$(grep -oE '[0-9]+ passed' "$OUT/run.log" | tail -n 1 | grep -oE '[0-9]+' || true)
failures=$(grep -oE '[0-9]+ unique failures' "$OUT/run.log" | tail -n 1 | grep -oE '[0-9]+' || true)
if [[ -n "$passed" || -n "$failures" ]]; then
  echo "schemathesis: ${passed:-0} passed, ${failures:-0} failed"
fi
exit "$rc"
