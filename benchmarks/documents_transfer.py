"""Upload and download of a 200 MB file through the documents module: throughput and
the worker's memory.

A real WSGI server (Werkzeug's, one thread) runs Parvis in a child process on a fresh
SQLite database and a local storage folder (or S3 with ``--s3``: a moto server). The
script streams a 200 MB multipart upload to the JSON API (bearer token) from a
generator, never holding the file, then downloads it back, and reads the child's
resident memory from ``/proc``: ``VmRSS`` before, ``VmHWM`` (peak) during each
transfer (the peak is reset between them through ``/proc/<pid>/clear_refs``).

    python benchmarks/documents_transfer.py [--size-mb 200] [--s3]
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import os
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHUNK = 1024 * 1024


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def status(pid: int, field: str) -> int:
    """A ``/proc/<pid>/status`` memory field, in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(field)


def reset_peak(pid: int) -> None:
    Path(f"/proc/{pid}/clear_refs").write_text("5")


SERVER = textwrap.dedent(
    """
    import sys
    from werkzeug.serving import run_simple
    from parvis.app import create_app
    app = create_app({"DOCUMENTS_MAX_FILE_MB": 1024, "RATELIMIT_ENABLED": False})
    run_simple("127.0.0.1", int(sys.argv[1]), app, threaded=False, use_reloader=False)
    """
)

SETUP = textwrap.dedent(
    """
    from parvis.app import create_app
    from parvis.extensions import db
    from parvis.models import ApiToken, SpaceModule
    from parvis.services.users import create_user
    from parvis.services.spaces import create_space
    app = create_app()
    with app.app_context():
        db.create_all()
        user = create_user("bench@example.org", "Bench", "a long password 123", platform_role="admin")
        space = create_space(name="Bench", slug="bench", owner=user, visibility="private")
        db.session.flush()
        row = db.session.scalar(db.select(SpaceModule).filter_by(space_id=space.id, module_id="documents"))
        row.enabled = True
        row.settings = {"max_file_mb": 1024, "quota_mb": 0}
        _row, token = ApiToken.issue(user, "bench")
        db.session.commit()
        print(token)
    """
)


def multipart(size: int, boundary: str) -> tuple[int, object, str]:
    """Length, a generator of the body, and the expected SHA-256 of the file part."""
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"big.bin\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    block = hashlib.sha256(b"parvis").digest() * (CHUNK // 32)
    digest = hashlib.sha256()
    full, rest = divmod(size, CHUNK)
    for _ in range(full):
        digest.update(block)
    digest.update(block[:rest])

    def body():  # noqa: ANN202
        yield head
        for _ in range(full):
            yield block
        if rest:
            yield block[:rest]
        yield tail

    return len(head) + size + len(tail), body(), digest.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=200)
    parser.add_argument("--s3", action="store_true", help="store in a moto S3 server instead of a folder")
    args = parser.parse_args()
    size = args.size_mb * 1024 * 1024
    python = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, PARVIS_INSTANCE_PATH=tmp, PARVIS_DATABASE_URL=f"sqlite:///{tmp}/bench.db",
                   PARVIS_MAIL_BACKEND="memory")
        moto = None
        if args.s3:
            from moto.server import ThreadedMotoServer

            mport = free_port()
            moto = ThreadedMotoServer(ip_address="127.0.0.1", port=mport, verbose=False)
            moto.start()
            env.update(AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x",  # noqa: S106 - moto accepts any
                       AWS_DEFAULT_REGION="us-east-1",
                       AWS_ENDPOINT_URL=f"http://127.0.0.1:{mport}", PARVIS_STORAGE_URL="s3://bench/files")
            import boto3

            boto3.client("s3", endpoint_url=f"http://127.0.0.1:{mport}", region_name="us-east-1",
                         aws_access_key_id="x", aws_secret_access_key="x",  # noqa: S106 - moto
                         ).create_bucket(Bucket="bench")
        token = subprocess.run([python, "-c", SETUP]  # noqa: S603 - our own interpreter and script
                               , env=env, check=True, capture_output=True, text=True).stdout.split()[-1]
        port = free_port()
        server = subprocess.Popen([python, "-c", SERVER, str(port)]  # noqa: S603 - our own script
                                  , env=env, stderr=subprocess.DEVNULL)
        try:
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.2)
            auth = {"Authorization": f"Bearer {token}"}
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
            conn.request("GET", "/api/v1/spaces/bench/documents/documents", headers=auth)
            conn.getresponse().read()
            base = status(server.pid, "VmRSS")
            reset_peak(server.pid)
            boundary = "parvisbenchboundary"
            length, body, expected = multipart(size, boundary)
            start = time.perf_counter()
            conn.request("POST", "/api/v1/spaces/bench/documents/documents", body=body,
                         headers={**auth, "Content-Type": f"multipart/form-data; boundary={boundary}",
                                  "Content-Length": str(length)})
            answer = conn.getresponse()
            payload = answer.read()
            up_time = time.perf_counter() - start
            assert answer.status == 201, payload[:500]
            up_peak = status(server.pid, "VmHWM")
            import json

            doc_id = json.loads(payload)["data"][0]["id"]
            reset_peak(server.pid)
            base_down = status(server.pid, "VmRSS")
            start = time.perf_counter()
            conn.request("GET", f"/api/v1/spaces/bench/documents/documents/{doc_id}/download", headers=auth)
            answer = conn.getresponse()
            digest = hashlib.sha256()
            received = 0
            while chunk := answer.read(CHUNK):
                digest.update(chunk)
                received += len(chunk)
            down_time = time.perf_counter() - start
            down_peak = status(server.pid, "VmHWM")
            assert received == size and digest.hexdigest() == expected, "downloaded bytes differ"
        finally:
            server.terminate()
            server.wait()
            if moto:
                moto.stop()
    mb = 1024 * 1024
    backend = "S3 (moto server)" if args.s3 else "local folder"
    print(f"file: {args.size_mb} MB, storage: {backend}, server: Werkzeug, 1 thread")
    print(f"upload:   {up_time:6.2f} s, {size / mb / up_time:7.1f} MB/s, worker RSS {base / mb:.0f} MB -> peak {up_peak / mb:.0f} MB (+{(up_peak - base) / mb:.0f} MB)")
    print(f"download: {down_time:6.2f} s, {size / mb / down_time:7.1f} MB/s, worker RSS {base_down / mb:.0f} MB -> peak {down_peak / mb:.0f} MB (+{(down_peak - base_down) / mb:.0f} MB)")
    print("sha256 of the downloaded file matches the upload")


if __name__ == "__main__":
    main()
