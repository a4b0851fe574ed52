#!/usr/bin/env python3
"""Interop client: Python's `websockets` (Debian python3-websockets 10.4) against a wspipe server.

Usage:
    python_client.py echo URL          exchange messages with the echo app, then close with 4000/"bye"
    python_client.py server-close URL  send "close-me" and report the close the server initiates

Prints one JSON object on stdout describing what was sent and what came back; the vitest test
(apps/conformance/test/interop-python.test.ts) makes the assertions, so this script reports facts
rather than verdicts. Exits 1 with {"error": ...} on any exception. Every wait is bounded.

Run it with Debian's interpreter (/usr/bin/python3): that is where apt installs `websockets`.
"""
import asyncio
import hashlib
import json
import sys

import websockets

STEP_TIMEOUT = 10.0
TOTAL_TIMEOUT = 25.0


def pattern_bytes(length, seed=0):
    """Same formula as patternBytes() in interop/util.ts: not periodic, so lost or reordered
    chunks inside a large message change the content, not only the length."""
    return bytes(
        (i * 31 + (i >> 8) * 7 + (i >> 16) * 13 + seed) & 0xFF for i in range(length)
    )


def describe(value):
    """What came back, in a JSON-friendly form that keeps type and exact content."""
    if isinstance(value, str):
        return {"type": "str", "text": value}
    return {
        "type": "bytes",
        "length": len(value),
        "sha256": hashlib.sha256(value).hexdigest(),
        # Small payloads in full, so a failing assertion shows the actual bytes.
        "hex": value.hex() if len(value) <= 256 else None,
    }


async def recv(ws):
    return await asyncio.wait_for(ws.recv(), STEP_TIMEOUT)


async def echo(ws, message):
    await asyncio.wait_for(ws.send(message), STEP_TIMEOUT)
    return describe(await recv(ws))


def connect(url):
    # Defaults kept where they matter for interop: websockets offers permessage-deflate, which the
    # server must decline. Keepalive pings are off so the only pings are the ones we check.
    return websockets.connect(
        url,
        open_timeout=STEP_TIMEOUT,
        close_timeout=STEP_TIMEOUT,
        ping_interval=None,
        max_size=8 * 2**20,
    )


def close_info(ws):
    return {
        "close_code": ws.close_code,
        "close_reason": ws.close_reason,
        # A Close frame came back from the server (otherwise close_code would read 1006).
        "close_frame_received": ws.close_rcvd is not None,
    }


async def run_echo(url):
    out = {"websockets_version": websockets.__version__}
    async with connect(url) as ws:
        out["extensions"] = ws.response_headers.get("Sec-WebSocket-Extensions")
        out["subprotocol"] = ws.subprotocol

        texts = ["hello from python", "", "ünïcödé € 𝄞 😀", "x" * 70000]
        out["text"] = [{"sent": t, "received": await echo(ws, t)} for t in texts]

        binaries = [bytes(range(256)), b"", pattern_bytes(1 << 20, 1)]  # incl. 1 MiB
        out["binary"] = [
            {"sent": describe(b), "received": await echo(ws, b)} for b in binaries
        ]

        # An iterable makes websockets send one message as several frames (RFC 6455 §5.4).
        await asyncio.wait_for(ws.send(["frag", "mented ", "tëxt"]), STEP_TIMEOUT)
        frag_text = describe(await recv(ws))
        parts = [pattern_bytes(1000, k) for k in range(5)]
        await asyncio.wait_for(ws.send(parts), STEP_TIMEOUT)
        out["fragmented"] = {
            "text": {"sent": "fragmented tëxt", "received": frag_text},
            "binary": {"sent": describe(b"".join(parts)), "received": describe(await recv(ws))},
        }

        # One ping at a time: websockets resolves a ping's future only for a pong whose payload
        # equals that ping's, so a wrong payload shows up as a timeout here.
        pings = []
        for payload in [b"py-ping", b"", pattern_bytes(125, 7), None]:
            waiter = await asyncio.wait_for(ws.ping(payload), STEP_TIMEOUT)
            try:
                await asyncio.wait_for(waiter, STEP_TIMEOUT)
                pings.append({"payload_length": None if payload is None else len(payload), "pong": True})
            except asyncio.TimeoutError:
                pings.append({"payload_length": None if payload is None else len(payload), "pong": False})
        out["pings"] = pings

        # Pipelined messages must come back in order.
        n = 300
        for i in range(n):
            await ws.send(f"seq-{i}" if i % 2 == 0 else i.to_bytes(4, "big") + pattern_bytes(i, i))
        order_errors = []
        for i in range(n):
            got = await recv(ws)
            want = f"seq-{i}" if i % 2 == 0 else i.to_bytes(4, "big") + pattern_bytes(i, i)
            if got != want:
                order_errors.append({"index": i, "received": describe(got)})
        out["ordered"] = {"count": n, "mismatches": order_errors[:5], "mismatch_count": len(order_errors)}

        await asyncio.wait_for(ws.close(code=4000, reason="bye"), STEP_TIMEOUT + 1)
        out["close"] = {"sent_code": 4000, "sent_reason": "bye", **close_info(ws)}
    return out


async def run_server_close(url):
    out = {"websockets_version": websockets.__version__}
    async with connect(url) as ws:
        out["before"] = await echo(ws, "still echoing")
        await ws.send("close-me")
        try:
            extra = await recv(ws)
            out["unexpected_message"] = describe(extra)
        except websockets.ConnectionClosed:
            pass
        # recv() raises once the closing handshake is done; wait for the TCP close as well.
        await asyncio.wait_for(ws.wait_closed(), STEP_TIMEOUT)
        out["close"] = close_info(ws)
    return out


async def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("echo", "server-close"):
        raise SystemExit("usage: python_client.py echo|server-close ws://127.0.0.1:PORT/")
    mode, url = sys.argv[1], sys.argv[2]
    run = run_echo if mode == "echo" else run_server_close
    return await asyncio.wait_for(run(url), TOTAL_TIMEOUT)


if __name__ == "__main__":
    try:
        result = asyncio.run(main())
    except Exception as exc:  # report any failure as JSON so the test can show it
        print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}))
        sys.exit(1)
    print(json.dumps(result))
