#!/usr/bin/env python3
"""Loopback servers for the Spin runtime test: a bundle store and an echo upstream.

  servers.py store DIR PORTFILE      serves DIR with the store layout, ETag and 304s
  servers.py upstream PORTFILE       echoes requests as JSON; /slow* sleeps 3 s,
                                     /flaky* answers 503 to every other request

Each writes the port it bound (port 0 → a free one) to PORTFILE once listening.
"""
import hashlib
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Store(BaseHTTPRequestHandler):
    root = "."
    hits = []

    def log_message(self, *args):
        pass

    def do_GET(self):
        path = os.path.normpath(os.path.join(self.root, self.path.lstrip("/").split("?")[0]))
        Store.hits.append((self.path, self.headers.get("if-none-match")))
        if self.path == "/_hits":
            body = json.dumps(Store.hits).encode()
            self.send_response(200)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if not path.startswith(os.path.abspath(self.root)) or not os.path.isfile(path):
            self.send_response(404)
            self.send_header("content-length", "0")
            self.end_headers()
            return
        with open(path, "rb") as f:
            data = f.read()
        etag = '"%s"' % hashlib.sha256(data).hexdigest()[:32]
        if self.headers.get("if-none-match") == etag:
            self.send_response(304)
            self.send_header("etag", etag)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("etag", etag)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class Upstream(BaseHTTPRequestHandler):
    flaky = 0
    lock = threading.Lock()

    def log_message(self, *args):
        pass

    def answer(self):
        length = int(self.headers.get("content-length") or 0)
        body_in = self.rfile.read(length) if length else b""
        if self.path.startswith("/slow"):
            time.sleep(3)
        status = 200
        if self.path.startswith("/flaky"):
            with Upstream.lock:
                Upstream.flaky += 1
                status = 503 if Upstream.flaky % 2 == 1 else 200
        body = json.dumps({
            "method": self.command,
            "path": self.path,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": body_in.decode("utf-8", "replace"),
            "attempt": Upstream.flaky,
        }).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("x-upstream-private", "secret")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the gateway gave up first (the timeout test)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = answer


def main():
    kind = sys.argv[1]
    if kind == "store":
        Store.root = os.path.abspath(sys.argv[2])
        handler, portfile = Store, sys.argv[3]
    else:
        handler, portfile = Upstream, sys.argv[2]
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    with open(portfile + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(portfile + ".tmp", portfile)
    server.serve_forever()


if __name__ == "__main__":
    main()
