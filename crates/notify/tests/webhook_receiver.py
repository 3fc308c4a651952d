#!/usr/bin/env python3
"""HTTP receiver for aftercart-notify's tests.

Listens on 127.0.0.1 at a free port and prints "PORT <n>" once it accepts connections.
Every request except to /_control is appended as one JSON line to --record: method,
path, headers, body, and for each --secret whether the reference Standard Webhooks
implementation (the `standardwebhooks` package) verifies it. The answer is 204 when
one of the secrets verifies the request and 400 when none does, unless a scripted answer
is queued: POST /_control with {"responses": [{"status": 302, "headers": {...},
"body": "..."}]} makes the next requests get those answers, in order.

Paths under /2010-04-01/Accounts/ answer like the Twilio Messages API (201 and a JSON
message with a sid) instead of checking signatures, for the SMS sender's tests.
"""
import argparse
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from standardwebhooks.webhooks import Webhook

LOCK = threading.Lock()
QUEUE = []
DELAY = 0.0


def make_handler(record_path, secrets):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def _body(self):
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def _answer(self, status, headers=None, body=b""):
            if isinstance(body, str):
                body = body.encode()
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body:
                self.wfile.write(body)

        def _handle(self):
            body = self._body()
            if DELAY:
                time.sleep(DELAY)
            url = urlsplit(self.path)
            if url.path == "/_control":
                with LOCK:
                    QUEUE.extend(json.loads(body)["responses"])
                return self._answer(204)

            headers = {k.lower(): v for k, v in self.headers.items()}
            verified = []
            for secret in secrets:
                try:
                    Webhook(secret).verify(body, headers, json_parse=False)
                    verified.append(True)
                except Exception:
                    verified.append(False)
            record = {
                "method": self.command,
                "path": url.path,
                "query": url.query,
                "headers": headers,
                "body": body.decode("utf-8", "replace"),
                "form": {k: v for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
                if headers.get("content-type", "").startswith("application/x-www-form-urlencoded")
                else None,
                "verified": verified,
            }
            with LOCK:
                with open(record_path, "a", encoding="utf-8") as f:
                    f.write(json.dumps(record) + "\n")
                scripted = QUEUE.pop(0) if QUEUE else None

            if scripted is not None:
                return self._answer(
                    scripted["status"], scripted.get("headers"), scripted.get("body", "")
                )
            if url.path.startswith("/2010-04-01/Accounts/"):
                reply = {"sid": "SM" + uuid.uuid4().hex, "status": "queued"}
                return self._answer(
                    201, {"Content-Type": "application/json"}, json.dumps(reply)
                )
            if url.path == "/redirected":
                return self._answer(200)
            return self._answer(204 if any(verified) else 400)

        do_POST = _handle
        do_GET = _handle
        do_PUT = _handle

    return Handler


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--record", required=True)
    parser.add_argument("--secret", action="append", default=[])
    parser.add_argument("--delay-ms", type=int, default=0,
                        help="answer each request this late (a slow receiver)")
    args = parser.parse_args()
    global DELAY
    DELAY = args.delay_ms / 1000.0
    open(args.record, "a").close()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(args.record, args.secret))
    print(f"PORT {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
