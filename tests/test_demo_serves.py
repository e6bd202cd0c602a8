"""``parvis demo`` really serves (the README's first command), with Socket.IO attached."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

PARVIS = Path(sys.executable).parent / "parvis"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.skipif(not PARVIS.exists(), reason="the parvis console script is not installed")
def test_demo_command_serves_pages(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "PARVIS_INSTANCE_PATH": str(tmp_path / "instance")}
    env.pop("PARVIS_TEST_DATABASE_URL", None)
    proc = subprocess.Popen(  # noqa: S603 - our own console script
        [str(PARVIS), "demo", "--port", str(port)],
        env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        deadline = time.monotonic() + 120
        body = ""
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/spaces", timeout=5) as response:  # noqa: S310
                    body = response.read().decode()
                    break
            except OSError:
                time.sleep(0.5)
        assert proc.poll() is None, f"parvis demo exited instead of serving:\n{proc.stdout.read()}"
        assert '<html lang="fr">' in body  # the demo speaks French
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout:
            proc.stdout.close()
