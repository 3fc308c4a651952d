#!/usr/bin/env bash
# The test command: makes sure PostgreSQL is up (installing and starting it if needed), runs the
# whole suite, then a bounded schemathesis run (scripts/schemathesis.sh; skip it with
# AFTERCART_SKIP_SCHEMATHESIS=1). Every API scenario runs twice, on SQLite and on PostgreSQL;
# the PostgreSQL variants fail (never skip) if the database cannot be reached.
set -euo pipefail
cd "$(dirname "$0")/.."

export AFTERCART_TEST_PG="${AFTERCART_TEST_PG:-postgres://postgres@127.0.0.1:5432/test}"

pg_up() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }

if ! command -v pg_isready >/dev/null 2>&1; then
  echo "PostgreSQL client tools not found; installing PostgreSQL (Debian packages)…"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
if ! pg_up; then
  echo "PostgreSQL is not answering on 127.0.0.1:5432; starting it…"
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 30); do pg_up && break; sleep 1; done
fi
pg_up || { echo "error: PostgreSQL is required for the test suite (127.0.0.1:5432)" >&2; exit 1; }
# The suite expects trust auth and a database named `test`, as on the project's machines.
psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'test'" | grep -q 1 \
  || psql -h 127.0.0.1 -U postgres -d postgres -c "CREATE DATABASE test" >/dev/null

# Notifications are tested against real servers: an SMTP server (aiosmtpd) and a webhook
# receiver verifying signatures with the Standard Webhooks reference implementation, both from
# the Python registry, and NATS JetStream on 127.0.0.1:4222 (started here if it is not running).
python3 -c 'import aiosmtpd, standardwebhooks' 2>/dev/null \
  || python3 -m pip install --quiet aiosmtpd==1.4.6 standardwebhooks==1.1.0
nats_up() { (exec 3<>/dev/tcp/127.0.0.1/4222) 2>/dev/null; }
if ! nats_up; then
  if ! command -v nats-server >/dev/null 2>&1; then
    echo "NATS not found; installing nats-server (Debian package)…"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nats-server >/dev/null
  fi
  echo "NATS is not answering on 127.0.0.1:4222; starting it with JetStream…"
  mkdir -p /var/lib/nats-server
  start-stop-daemon --start --oknodo --background --exec "$(command -v nats-server)" -- \
    -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
  for _ in $(seq 1 30); do nats_up && break; sleep 1; done
fi
nats_up || { echo "error: NATS JetStream is required for the test suite (127.0.0.1:4222)" >&2; exit 1; }

# The web crate's real-browser suite needs Chromium, chromedriver and axe-core (installed when missing).
./scripts/browser-deps.sh

# Receivables are tested against real tools: a Stripe-compatible server (localstripe, from the
# Python registry) for the payment provider adapter, poppler's pdftotext for PDFs, and the UBL 2.1
# schema (xmllint) and EN 16931 rules (Saxon-HE) for e-invoices (../shared/validators).
./scripts/localstripe.sh
export AFTERCART_TEST_STRIPE="${AFTERCART_TEST_STRIPE:-http://127.0.0.1:8420}"
./scripts/pdf-deps.sh
./scripts/einvoice-deps.sh

# Includes the crash test (crates/cli/tests/cli/crash.rs): the real binary on SQLite and on
# PostgreSQL, SIGKILLed mid-stream and restarted, several times.
cargo test --workspace --all-targets "$@"

# Generated-request testing against a running demo server (bounded: about 2.5 minutes).
if [[ "${AFTERCART_SKIP_SCHEMATHESIS:-}" != 1 ]]; then
  ./scripts/schemathesis.sh
fi
