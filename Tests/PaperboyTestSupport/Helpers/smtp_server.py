#!/usr/bin/env python3
"""A real SMTP server on 127.0.0.1 for Paperboy's SMTP transport tests (aiosmtpd).

Usage: smtp_server.py --mode starttls|implicit|plain --out DIR
                      [--cert FILE --key FILE] [--user NAME --password SECRET]

Prints the port it listens on as the first line of stdout, then serves until
its standard input closes (so it never outlives the test process).

  starttls   plain greeting, STARTTLS offered and required before MAIL
  implicit   TLS from the first byte (as on port 465)
  plain      no TLS at all

With --user and --password, AUTH (PLAIN and LOGIN) is offered, over TLS only,
and required before MAIL. Every accepted message is written to DIR as
N.eml (the bytes received, dot-unstuffed), with N.env holding
"MAIL FROM\\nRCPT TO\\n"; the reply is "250 2.0.0 Ok: queued as N".
A recipient whose local part starts with "defer" gets 451, "reject" gets 550.

With --lock-db FILE --lock-seconds N, the first message's 250 is sent only
once another connection holds FILE's SQLite write lock (BEGIN IMMEDIATE),
which it then keeps for N seconds: a database busy right after the server
accepted a message.
"""
import argparse
import asyncio
import os
import ssl
import sys
import threading

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

parser = argparse.ArgumentParser()
parser.add_argument("--mode", choices=["starttls", "implicit", "plain"], required=True)
parser.add_argument("--out", required=True)
parser.add_argument("--cert")
parser.add_argument("--key")
parser.add_argument("--user")
parser.add_argument("--password")
parser.add_argument("--lock-db")
parser.add_argument("--lock-seconds", type=float, default=15)
args = parser.parse_args()


def hold_write_lock(locked):
    """Takes the database's write lock, says so, keeps it, then lets go."""
    import sqlite3
    import time
    connection = sqlite3.connect(args.lock_db, timeout=30, isolation_level=None)
    connection.execute("BEGIN IMMEDIATE")
    locked.set()
    time.sleep(args.lock_seconds)
    connection.execute("COMMIT")
    connection.close()


class Handler:
    def __init__(self):
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("defer"):
            return "451 4.2.0 Mailbox busy, try later"
        if address.startswith("reject"):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        number = self.count
        if args.lock_db and number == 1:
            locked = threading.Event()
            threading.Thread(target=hold_write_lock, args=(locked,), daemon=True).start()
            await asyncio.get_running_loop().run_in_executor(None, locked.wait)
        with open(os.path.join(args.out, f"{number}.env"), "w") as env:
            env.write(f"{envelope.mail_from}\n{','.join(envelope.rcpt_tos)}\n")
        with open(os.path.join(args.out, f"{number}.eml"), "wb") as eml:
            eml.write(envelope.original_content)
        return f"250 2.0.0 Ok: queued as {number}"


def authenticator(server, session, envelope, mechanism, auth_data):
    if not isinstance(auth_data, LoginPassword):
        return AuthResult(success=False, handled=False)
    good = auth_data.login == (args.user or "").encode() and auth_data.password == (args.password or "").encode()
    return AuthResult(success=good, handled=False)


def tls_context():
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)
    return context


async def main():
    loop = asyncio.get_running_loop()
    handler = Handler()
    auth = args.user is not None
    smtp_options = dict(
        hostname="aiosmtpd.test",
        authenticator=authenticator if auth else None,
        auth_required=auth,
        # aiosmtpd 1.4 counts only STARTTLS as TLS: on an implicit-TLS port it would never offer AUTH.
        auth_require_tls=args.mode != "implicit",
        auth_exclude_mechanism=[],
        timeout=30,
    )
    if args.mode == "starttls":
        smtp_options.update(tls_context=tls_context(), require_starttls=True)
    server = await loop.create_server(
        lambda: SMTP(handler, **smtp_options),
        host="127.0.0.1",
        port=0,
        ssl=tls_context() if args.mode == "implicit" else None,
    )
    print(server.sockets[0].getsockname()[1], flush=True)
    # Serve until stdin closes (the test process ended or closed the pipe).
    stopped = asyncio.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), loop.call_soon_threadsafe(stopped.set)), daemon=True).start()
    await stopped.wait()
    server.close()


asyncio.run(main())
