#!/usr/bin/env python3
"""SMTP sink for aftercart-notify's tests.

Listens on 127.0.0.1 at a free port and prints "PORT <n>" once it accepts connections.
Each accepted message is written to <dir>/<n>.eml (raw) and <dir>/<n>.json: the envelope,
the headers and every leaf MIME part as Python's own email parser reads them, so the
tests check our messages with a parser that is not ours. With --refuse N the first N
messages are answered "451" at the end of DATA, as a greylisting or busy relay would;
with --reject ADDRESS that recipient is refused with "550" (no such mailbox).
"""
import argparse
import asyncio
import json
import os
import socket
from email import policy
from email.parser import BytesParser

from aiosmtpd.smtp import SMTP


class Handler:
    def __init__(self, out_dir, refuse, reject):
        self.out_dir = out_dir
        self.reject = {a.lower() for a in reject}
        self.refuse = refuse
        self.refused = 0
        self.accepted = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.reject:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.refused < self.refuse:
            self.refused += 1
            return "451 4.3.0 Busy, try again later"
        self.accepted += 1
        raw = envelope.content
        message = BytesParser(policy=policy.default).parsebytes(raw)
        parts = [
            {
                "content_type": part.get_content_type(),
                "charset": part.get_content_charset(),
                "content": part.get_content(),
            }
            for part in message.walk()
            if not part.is_multipart()
        ]
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "content_type": message.get_content_type(),
            "headers": [[name, str(value)] for name, value in message.items()],
            "parts": parts,
        }
        stem = os.path.join(self.out_dir, str(self.accepted))
        with open(stem + ".eml", "wb") as f:
            f.write(raw)
        # Written under a temporary name and renamed, so a reader never sees half a file.
        with open(stem + ".json.tmp", "w", encoding="utf-8") as f:
            json.dump(record, f)
        os.replace(stem + ".json.tmp", stem + ".json")
        return "250 2.0.0 Stored"


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--refuse", type=int, default=0)
    parser.add_argument("--reject", action="append", default=[])
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)

    handler = Handler(args.dir, args.refuse, args.reject)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="sink.test", decode_data=False), sock=sock
    )
    print(f"PORT {sock.getsockname()[1]}", flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
