#!/usr/bin/env python3
"""A real SMTP server on loopback for the tests (aiosmtpd, from PyPI).

Each message that arrives is written whole to DIR as <n>.eml, after two lines the sink
adds: `X-Sink-Login:` (the AUTH user, or "-") and `X-Sink-Rcpt:` (the envelope's
recipients). With --user and --password, AUTH (PLAIN or LOGIN) is required and only that
pair is accepted; on loopback no TLS is asked for. Prints "ready <port>" once it serves,
and stops when its standard input closes (the test that started it has ended) or on
SIGTERM.

    scripts/smtp-sink.py DIR [--user U --password P]
"""
import argparse
import asyncio
import itertools
import logging
import os
import socket
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Keep:
    def __init__(self, folder):
        self.folder = folder
        self.numbers = itertools.count(1)

    async def handle_DATA(self, server, session, envelope):
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else "-"
        head = f"X-Sink-Login: {login}\r\nX-Sink-Rcpt: {', '.join(envelope.rcpt_tos)}\r\n"
        n = next(self.numbers)
        tmp = os.path.join(self.folder, f".{n}.tmp")
        with open(tmp, "wb") as f:
            f.write(head.encode() + envelope.original_content)
        os.rename(tmp, os.path.join(self.folder, f"{n}.eml"))
        return "250 Message accepted for delivery"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--user")
    ap.add_argument("--password")
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    # aiosmtpd warns that AUTH without TLS is unsafe: on loopback, for a test, it is meant.
    logging.getLogger("mail.log").setLevel(logging.ERROR)

    def check(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == args.user
            and auth_data.password.decode() == args.password
        )
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    extra = {}
    if args.user:
        extra = dict(authenticator=check, auth_required=True, auth_require_tls=False)
    controller = Controller(Keep(args.dir), hostname="127.0.0.1", port=port, **extra)
    controller.start()
    print(f"ready {port}", flush=True)
    done = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), done.set()), daemon=True).start()
    try:
        done.wait()
    except KeyboardInterrupt:
        pass
    controller.stop()


if __name__ == "__main__":
    main()
