"""A stand-in RFC 3161 timestamp authority on 127.0.0.1: a test CA and a TSA certificate made
with openssl in a folder, and an HTTP server whose answers are ``openssl ts -reply``'s.

``fault`` turns the next answers into a 500, a body that is no timestamp, a token of other
data, or no answer until ``release`` is set (a timeout); ``queries`` counts what was asked.
"""

from __future__ import annotations

import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

CONFIG = """\
[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
dir = {dir}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256
accuracy = secs:1
ordering = yes
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""
EXTENSIONS = """\
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = critical,timeStamping
"""
EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]


def openssl(*args: str, cwd: Path, data: bytes | None = None) -> bytes:
    return subprocess.run(
        ["openssl", *args], cwd=cwd, input=data, capture_output=True, check=True
    ).stdout


def make_authority(folder: Path) -> Path:
    """A CA (``ca.pem``) and a TSA certified by it, with openssl's TSA settings; returns the
    settings file."""
    folder.mkdir(parents=True, exist_ok=True)
    openssl("req", "-x509", *EC, "-keyout", "ca.key", "-out", "ca.pem", "-days", "3650",
            "-subj", "/CN=Test timestamp CA", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign", cwd=folder)  # fmt: skip
    openssl("req", "-new", *EC, "-keyout", "tsa.key", "-out", "tsa.csr",
            "-subj", "/CN=Test timestamp authority", cwd=folder)  # fmt: skip
    (folder / "tsa.ext").write_text(EXTENSIONS)
    openssl("x509", "-req", "-in", "tsa.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "tsa.pem", "-days", "3650", "-extfile", "tsa.ext",
            cwd=folder)  # fmt: skip
    (folder / "serial").write_text("01\n")
    conf = folder / "tsa.cnf"
    conf.write_text(CONFIG.format(dir=folder))
    return conf


class Authority(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, folder: Path):
        self.folder = folder
        self.conf = make_authority(folder)
        self.faults: list[str] = []  # "500", "garbage", "other", "hang": one per request
        self.queries: list[bytes] = []
        self.release = threading.Event()
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/tsa"

    def reply(self, query: bytes) -> bytes:
        with self.lock:  # openssl's serial file takes one answer at a time
            (self.folder / "query.tsq").write_bytes(query)
            return openssl("ts", "-reply", "-config", str(self.conf), "-queryfile", "query.tsq",
                           cwd=self.folder)  # fmt: skip

    def query_of(self, data: bytes) -> bytes:
        return openssl("ts", "-query", "-sha256", "-cert", cwd=self.folder, data=data)

    def verify(self, data: Path, response: Path) -> subprocess.CompletedProcess:
        """What a reader runs: ``openssl ts -verify`` against the authority's CA."""
        return subprocess.run(
            ["openssl", "ts", "-verify", "-data", str(data), "-in", str(response),
             "-CAfile", str(self.folder / "ca.pem")],
            capture_output=True, text=True,
        )  # fmt: skip

    def __enter__(self) -> Authority:
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.shutdown()
        self.server_close()


class Handler(BaseHTTPRequestHandler):
    server: Authority

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        query = self.rfile.read(int(self.headers["Content-Length"]))
        server = self.server
        with server.lock:
            server.queries.append(query)
            fault = server.faults.pop(0) if server.faults else ""
        if fault == "hang":
            server.release.wait(30)
            return
        if fault == "500":
            self.send_error(500)
            return
        body = {
            "garbage": b"\x30\x03\x02\x01\x00 not a timestamp",
            "other": lambda: server.reply(server.query_of(b"other data")),
        }.get(fault, lambda: server.reply(query))
        body = body() if callable(body) else body
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
