"""A real SMTP server (aiosmtpd) for ublflow's delivery tests.

Usage: smtp_server.py PORT OUTDIR [--user NAME --password-env VAR [--auth-require-tls] [--mechanism M]]
                      [--reject ADDR ...] [--tls starttls|tls --tls-dir DIR]

Each accepted message is stored as OUTDIR/<n>.eml with OUTDIR/<n>.json holding the envelope
(mail_from, rcpt_tos), written to a temporary name and renamed before the server answers 250, so every
message the server acknowledged is on disk. Recipients listed with --reject are refused with 550.
With --tls, a test CA and a certificate for 127.0.0.1 are made with trustme; the CA goes to DIR/ca.pem.
`starttls` requires STARTTLS before MAIL; `tls` speaks TLS from the first byte. With --user, a login is
required; --auth-require-tls offers AUTH only after STARTTLS (and refuses it before, with 538), and
--mechanism offers that one mechanism only (PLAIN or LOGIN). The envelope file also holds "auth",
`MECHANISM:user` of the login, and every refused login appends a line to OUTDIR/refused-logins.
Prints "ready" once listening.
"""
import argparse
import asyncio
import itertools
import json
import os
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

parser = argparse.ArgumentParser()
parser.add_argument("port", type=int)
parser.add_argument("outdir")
parser.add_argument("--user")
parser.add_argument("--password-env")
parser.add_argument("--auth-require-tls", action="store_true")
parser.add_argument("--mechanism", choices=["PLAIN", "LOGIN"])
parser.add_argument("--reject", action="append", default=[])
parser.add_argument("--tls", choices=["starttls", "tls"])
parser.add_argument("--tls-dir")
args = parser.parse_args()
os.makedirs(args.outdir, exist_ok=True)
start = len([n for n in os.listdir(args.outdir) if n.endswith(".eml")])
counter = itertools.count(start)


class Store:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in (r.lower() for r in args.reject):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        n = next(counter)
        base = os.path.join(args.outdir, f"{n:06d}")
        # Another server process may have written this index before a restart: never overwrite.
        while os.path.exists(base + ".eml"):
            n = next(counter)
            base = os.path.join(args.outdir, f"{n:06d}")
        with open(base + ".json.tmp", "w") as f:
            json.dump(
                {
                    "mail_from": envelope.mail_from,
                    "rcpt_tos": envelope.rcpt_tos,
                    "auth": session.auth_data,
                },
                f,
            )
        os.rename(base + ".json.tmp", base + ".json")
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
            f.flush()
            os.fsync(f.fileno())
        os.rename(base + ".eml.tmp", base + ".eml")
        return f"250 2.0.0 queued as {n:06d}"


def authenticator(server, session, envelope, mechanism, auth_data):
    password = os.environ.get(args.password_env or "", "")
    ok = (
        args.user is not None
        and auth_data.login.decode() == args.user
        and auth_data.password.decode() == password
    )
    if not ok:
        with open(os.path.join(args.outdir, "refused-logins"), "a") as f:
            f.write(f"{mechanism}\n")
        return AuthResult(success=False, handled=False)  # aiosmtpd then answers 535
    return AuthResult(success=True, auth_data=f"{mechanism}:{args.user}")


kwargs = {}
if args.user:
    kwargs = dict(
        authenticator=authenticator, auth_require_tls=args.auth_require_tls, auth_required=True
    )
    if args.mechanism:
        kwargs["auth_exclude_mechanism"] = [m for m in ("PLAIN", "LOGIN") if m != args.mechanism]
if args.tls:
    import ssl

    import trustme

    ca = trustme.CA()
    os.makedirs(args.tls_dir, exist_ok=True)
    ca.cert_pem.write_to_path(os.path.join(args.tls_dir, "ca.pem"))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    if args.tls == "starttls":
        kwargs.update(tls_context=context, require_starttls=True)
    else:
        kwargs.update(ssl_context=context)
controller = Controller(Store(), hostname="127.0.0.1", port=args.port, decode_data=False, **kwargs)
controller.start()
print("ready", flush=True)
try:
    sys.stdin.read()  # run until the test closes our standard input or kills us
finally:
    controller.stop()
