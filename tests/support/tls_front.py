"""A TLS front for the tests' plain-HTTP portal, so that ublflow's uploads go over HTTPS to a real TLS server.

Usage: tls_front.py PORT UPSTREAM_PORT CERTDIR

Makes a test CA and a certificate for 127.0.0.1 with trustme and writes the CA to CERTDIR/ca.pem. Accepts TLS
connections on 127.0.0.1:PORT and relays the bytes of each, decrypted, to 127.0.0.1:UPSTREAM_PORT and back.
Prints "ready" once listening, and runs until its standard input is closed.
"""
import asyncio
import os
import ssl
import sys

import trustme

port, upstream, certdir = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]


async def relay(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, ssl.SSLError):
        pass
    finally:
        writer.close()


async def handle(client_reader, client_writer):
    try:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", upstream)
    except OSError:
        client_writer.close()
        return
    await asyncio.gather(relay(client_reader, up_writer), relay(up_reader, client_writer))


async def main():
    ca = trustme.CA()
    os.makedirs(certdir, exist_ok=True)
    ca.cert_pem.write_to_path(os.path.join(certdir, "ca.pem"))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    server = await asyncio.start_server(handle, "127.0.0.1", port, ssl=context)
    print("ready", flush=True)
    async with server:
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


asyncio.run(main())
