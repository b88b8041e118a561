"""moto (the S3 server from the shared test infrastructure) for the Spin runtime test.

start() runs `moto_server` on a free loopback port with request recording on, so the test
can read back exactly what the component sent (method, URL, headers) and check its SigV4
signature independently of the Rust signer. Bucket set-up and object edits go straight to
moto over plain HTTP (moto does not check signatures unless told to).
"""
import hashlib
import hmac
import json
import os
import re
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request


class Moto:
    def __init__(self, binary, work, procs):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.recording = os.path.join(work, "moto-recording.jsonl")
        open(self.recording, "w").close()
        env = {**os.environ, "MOTO_ENABLE_RECORDING": "true", "MOTO_RECORDER_FILEPATH": self.recording}
        log = open(os.path.join(work, "moto.log"), "w")
        self.proc = subprocess.Popen([binary, "-H", "127.0.0.1", "-p", str(self.port)],
                                     stdout=log, stderr=subprocess.STDOUT, env=env)
        procs.append(self.proc)

    def wait(self, timeout=30):
        """Bounded wait for moto to answer; raises if it does not."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"moto_server exited with {self.proc.returncode}")
            try:
                urllib.request.urlopen(f"{self.endpoint}/moto-api/", timeout=1).close()
                return
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        raise SystemExit(f"moto_server not answering on {self.endpoint} after {timeout} s")

    def request(self, method, path, data=None, keys=("AKIDTESTSETUP", "setup-secret")):
        """A SigV4-signed request (moto answers anonymous object reads with 403)."""
        req = urllib.request.Request(f"{self.endpoint}/{path}", method=method, data=data)
        # urllib's default form content type makes moto's werkzeug swallow the body.
        req.add_header("content-type", "application/octet-stream")
        for k, v in sign(method, f"127.0.0.1:{self.port}", f"/{path}", data or b"", *keys).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=15) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def requests(self):
        """Every request moto has received so far (its recorder's log)."""
        with open(self.recording) as f:
            return [json.loads(line) for line in f if line.strip()]


def _hmac(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def _signature(secret, day, region, to_sign):
    k = _hmac(("AWS4" + secret).encode(), day)
    for part in (region, "s3", "aws4_request"):
        k = _hmac(k, part)
    return hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()


def _string_to_sign(method, path, headers, signed, amz_date, scope):
    canonical = "\n".join([
        method, path or "/", "",
        "".join(f"{n}:{' '.join(headers[n].split())}\n" for n in signed.split(";")),
        signed, headers["x-amz-content-sha256"],
    ])
    return "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])


def sign(method, host, path, body, key_id, secret, region="us-east-1"):
    """Headers that sign a query-less request (for the test's own set-up requests)."""
    amz_date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    h = {"host": host, "x-amz-content-sha256": hashlib.sha256(body).hexdigest(), "x-amz-date": amz_date}
    signed = "host;x-amz-content-sha256;x-amz-date"
    scope = f"{amz_date[:8]}/{region}/s3/aws4_request"
    sig = _signature(secret, amz_date[:8], region, _string_to_sign(method, path, h, signed, amz_date, scope))
    return {"x-amz-content-sha256": h["x-amz-content-sha256"], "x-amz-date": amz_date,
            "authorization": f"AWS4-HMAC-SHA256 Credential={key_id}/{scope}, SignedHeaders={signed}, Signature={sig}"}


AUTH = re.compile(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/s3/aws4_request, ?"
                  r"SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$")


def sigv4_check(entry, secret):
    """Recomputes the SigV4 (S3 flavour) signature of a recorded request from what moto
    received: returns (ok, why). Only header-signed requests without a query (what the
    component sends) are handled."""
    h = {k.lower(): v for k, v in entry["headers"].items()}
    m = AUTH.match(h.get("authorization", ""))
    if not m:
        return False, f"authorization header {h.get('authorization')!r} is not SigV4"
    key_id, day, region, signed, signature = m.groups()
    url = urllib.parse.urlsplit(entry["url"])
    if url.query:
        return False, "unexpected query string"
    missing = [n for n in signed.split(";") if n not in h]
    if missing or "host" not in signed.split(";") or "x-amz-content-sha256" not in h:
        return False, f"signed headers {signed} not all received: {sorted(h)}"
    scope = f"{day}/{region}/s3/aws4_request"
    to_sign = _string_to_sign(entry["method"], url.path, h, signed, h["x-amz-date"], scope)
    return _signature(secret, day, region, to_sign) == signature, {"key_id": key_id, "region": region, "signed": signed}
