#!/usr/bin/env bash
# Makes sure localstripe (a stateful, Stripe-compatible test server from the Python registry,
# GPL-3.0, never linked into Aftercart) answers on 127.0.0.1:${AFTERCART_LOCALSTRIPE_PORT:-8420}
# for the payments crate's suite (crates/payments/tests/payments), which fails (never skips)
# without it. Installs the pinned version with pip when missing and starts it in the background
# when nothing answers there. Idempotent: a second run installs and starts nothing.
#
# Started through localstripe's own aiohttp app rather than its `localstripe` command: the
# command binds every interface (`::`, which also needs IPv6) and reloads whatever an earlier run
# pickled to /tmp/localstripe.pickle; here it binds loopback only and starts empty. Its store is
# also kept from pickling itself to that file after every write: nothing reads the file back,
# and each dump costs as much as everything stored so far, so a server that outlives many
# suite runs would slow every request down.
set -euo pipefail

VERSION=1.15.10
# localstripe leaves aiohttp unpinned; this is the one the suite was written against.
AIOHTTP_VERSION=3.14.5
PORT="${AFTERCART_LOCALSTRIPE_PORT:-8420}"
LOG="${AFTERCART_LOCALSTRIPE_LOG:-/tmp/localstripe-$PORT.log}"

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }

if answers; then
  exit 0
fi

installed=$(python3 -c 'import localstripe; print(localstripe.__version__)' 2>/dev/null || true)
if [[ "$installed" != "$VERSION" ]]; then
  echo "localstripe: installing localstripe==$VERSION (pip)…"
  python3 -m pip install --quiet --disable-pip-version-check \
    "localstripe==$VERSION" "aiohttp==$AIOHTTP_VERSION" 2>&1 | grep -v "Running pip as the 'root' user" >&2 || true
  installed=$(python3 -c 'import localstripe; print(localstripe.__version__)' 2>/dev/null || true)
  [[ "$installed" == "$VERSION" ]] || { echo "error: localstripe $VERSION did not install" >&2; exit 1; }
fi

echo "localstripe: starting on 127.0.0.1:$PORT (log: $LOG)…"
# setsid + nohup: the server outlives this script and the shell that ran it.
PORT="$PORT" setsid nohup python3 -c '
import logging, os
from aiohttp import web
from localstripe.resources import Store
from localstripe.server import app
Store.dump_to_disk = lambda self: None
logging.basicConfig(level=logging.INFO)
web.run_app(app, host="127.0.0.1", port=int(os.environ["PORT"]),
            access_log=logging.getLogger("aiohttp.access"))
' >"$LOG" 2>&1 </dev/null &

for _ in $(seq 1 100); do
  answers && exit 0
  sleep 0.1
done
echo "error: localstripe did not answer on 127.0.0.1:$PORT within 10 s; see $LOG" >&2
tail -n 20 "$LOG" >&2 || true
exit 1
