#!/usr/bin/env python3
"""Opens N WebSocket connections through the gateway, completes each handshake, prints
"ready N" and holds them idle until stdin closes. Used by run.sh for the idle-WebSocket RSS."""
import base64
import os
import socket
import sys

host, port, n, path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
socks = []
for i in range(n):
    s = socket.create_connection((host, port))
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall(
        f"GET {path} HTTP/1.1\r\nHost: bench.example\r\nConnection: Upgrade\r\n"
        f"Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {key}\r\n\r\n".encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(4096)
        if not chunk:
            sys.exit(f"connection {i} closed during the handshake")
        head += chunk
    if not head.startswith(b"HTTP/1.1 101"):
        sys.exit(f"connection {i}: {head[:80]!r}")
    socks.append(s)
print(f"ready {len(socks)}", flush=True)
sys.stdin.read()
