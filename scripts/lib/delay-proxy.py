#!/usr/bin/env python3
"""A TCP forwarder that delays every byte by a fixed one-way latency, for benchmarks.

    delay-proxy.py LISTEN_PORT TARGET_HOST:TARGET_PORT ONE_WAY_MS

Both directions are delayed by ONE_WAY_MS (so a request/response round trip costs twice
that), order is kept, and bandwidth is not limited: each chunk read is stamped and written
once its time has come, so many chunks can be in flight, as on a long fat network. The
kernel here has no netem qdisc, hence this. Prints "listening on PORT" once ready.
"""

import asyncio
import sys
import time


async def pump(reader, writer, delay):
    queue = asyncio.Queue()

    async def drain():
        while True:
            due, chunk = await queue.get()
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            if chunk is None:
                try:
                    writer.write_eof()
                except OSError:
                    pass
                return
            writer.write(chunk)
            await writer.drain()

    sender = asyncio.ensure_future(drain())
    try:
        while True:
            chunk = await reader.read(1 << 16)
            queue.put_nowait((time.monotonic() + delay, chunk or None))
            if not chunk:
                break
        await sender
    except (ConnectionError, OSError):
        sender.cancel()


async def main():
    port = int(sys.argv[1])
    host, target_port = sys.argv[2].rsplit(":", 1)
    delay = float(sys.argv[3]) / 1000.0

    async def handle(client_reader, client_writer):
        try:
            server_reader, server_writer = await asyncio.open_connection(host, int(target_port))
        except OSError:
            client_writer.close()
            return
        # The connection itself costs a round trip too.
        await asyncio.sleep(2 * delay)
        await asyncio.gather(
            pump(client_reader, server_writer, delay),
            pump(server_reader, client_writer, delay),
            return_exceptions=True,
        )
        for w in (client_writer, server_writer):
            w.close()

    server = await asyncio.start_server(handle, "127.0.0.1", port)
    print(f"listening on {port}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
