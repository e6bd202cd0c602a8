"""Space home under load: gunicorn with several workers, locust from a second process.

Run from the repository root on a database filled by ``parvis seed`` (same ``PARVIS_*``
variables as the seed)::

    .venv/bin/pip install -e '.[bench]'        # gunicorn and locust
    .venv/bin/python benchmarks/load_home.py --users 500 --spawn-rate 50 --run-time 5m --workers 4

It picks ``--users`` seeded accounts that are members of a space (each reads the home of
one of its spaces, see ``benchmarks/locustfile.py``), starts gunicorn (sync workers) on
the seeded database, runs locust headless against it, then reads each worker's resident
memory (``VmRSS``, ``VmHWM``) and writes requests, errors, p50/p95/p99 and throughput
to ``benchmarks/README.md``. The login rate limit is switched off for the run (500
sign-ins from one address would be refused, as they should be in production).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import re
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent


def pick_accounts(count: int, out: Path) -> None:
    """Write ``count`` (email, space slug) pairs of seeded members to ``out``."""
    from parvis import create_app
    from parvis.extensions import db
    from parvis.models import Membership, Space, User

    app = create_app({"SEARCH_QUEUE": "manual"})
    with app.app_context():
        rows = db.session.execute(
            db.select(User.email, Space.slug).join(Membership, Membership.user_id == User.id)
            .join(Space, Space.id == Membership.space_id).where(User.email.like("%@seed.example.org"))
            .order_by(Membership.id).limit(count * 20)
        ).all()
        db.engine.dispose()
    by_user: dict[str, str] = {}
    for email, slug in rows:
        by_user.setdefault(email, slug)
    accounts = [{"email": e, "slug": s} for e, s in by_user.items()]
    random.Random(1).shuffle(accounts)
    if len(accounts) < count:
        sys.exit(f"only {len(accounts)} seeded members found: run parvis seed first")
    out.write_text(json.dumps(accounts[:count]))


def worker_memory(master: int) -> list[tuple[int, int, int]]:
    """(pid, VmRSS kB, VmHWM kB) of each child of ``master``."""
    out = []
    for pid_dir in Path("/proc").iterdir():
        if not pid_dir.name.isdigit():
            continue
        try:
            status = (pid_dir / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if fields.get("PPid", "").strip() == str(master):
            out.append((int(pid_dir.name), int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])))
    return out


def wait_ready(url: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - our local server
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    sys.exit(f"gunicorn did not answer {url}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--spawn-rate", type=float, default=50)
    parser.add_argument("--run-time", default="5m")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()

    work = Path(os.environ.get("PARVIS_LOAD_DIR", "/tmp/perf"))  # noqa: S108 - benchmark scratch folder
    work.mkdir(parents=True, exist_ok=True)
    accounts = work / "load_users.json"
    pick_accounts(args.users, accounts)
    # (PARVIS_RATELIMIT_ENABLED=false is not read from the environment: it has no default to type it)
    env = {**os.environ, "PARVIS_RATELIMIT_LOGIN": "100000 per minute", "PARVIS_LOAD_USERS": str(accounts)}
    host = f"http://127.0.0.1:{args.port}"
    server = subprocess.Popen(  # noqa: S603 - fixed command
        [str(BIN / "gunicorn"), "-w", str(args.workers), "-b", f"127.0.0.1:{args.port}", "--timeout", "120",
         "--log-level", "warning", "parvis:create_app()"], env=env, cwd=ROOT)
    try:
        wait_ready(f"{host}/login")
        before = worker_memory(server.pid)
        prefix = work / "locust"
        started = time.time()
        subprocess.run(  # noqa: S603 - fixed command
            [str(BIN / "locust"), "-f", str(HERE / "locustfile.py"), "--headless", "--users", str(args.users),
             "--spawn-rate", str(args.spawn_rate), "--run-time", args.run_time, "--host", host,
             "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING"], env=env, cwd=ROOT, check=False)
        elapsed = time.time() - started
        after = worker_memory(server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    with open(f"{prefix}_stats.csv", newline="") as f:
        stats = {row["Name"]: row for row in csv.DictReader(f)}
    home = stats["/s/<space>/ (space home)"]
    total = stats["Aggregated"]
    result = {
        "requests": int(home["Request Count"]), "failures": int(home["Failure Count"]),
        "all_failures": int(total["Failure Count"]), "p50": float(home["50%"]), "p95": float(home["95%"]),
        "p99": float(home["99%"]), "rps": float(home["Requests/s"]), "elapsed": elapsed,
        "rss_before": max((m[1] for m in before), default=0) / 1024,
        "rss_after": max((m[1] for m in after), default=0) / 1024,
        "hwm": max((m[2] for m in after), default=0) / 1024,
    }
    print(json.dumps(result, indent=2))
    if not args.no_write:
        write_result(args, result)


def write_result(args: argparse.Namespace, r: dict) -> None:
    """Replace this benchmark's section of benchmarks/README.md."""
    load = os.getloadavg()[0]
    ok = r["all_failures"] == 0 and r["p95"] < 500
    section = f"""<!-- benchmarks/load_home.py: begin -->
### Space home under load (gunicorn, locust)

Command: `.venv/bin/python benchmarks/load_home.py --users {args.users} --spawn-rate {args.spawn_rate:g} --run-time {args.run_time} --workers {args.workers}`
(gunicorn {args.workers} sync workers, locust headless in a second process on the same machine; each
simulated member signs in, then reads the home of one of its spaces every 5 to 15 s).
The full run of the issue is the same command with `--run-time 5m`.

Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; machine: {os.cpu_count()} cores shared with other agents' jobs
(load average {load:.1f} at the end), {platform.system()} {platform.machine()}, Python {platform.python_version()},
SQLite; server, load generator and other jobs on the same cores.

| measure | result | target | met |
| --- | --- | --- | --- |
| space home requests in {args.run_time} ({r["rps"]:.1f} per second) | {r["requests"]} | | |
| errors (every request, sign-ins included) | {r["all_failures"]} | 0 | {"yes" if r["all_failures"] == 0 else "no"} |
| space home latency p50 / p95 / p99 | {r["p50"]:.0f} / {r["p95"]:.0f} / {r["p99"]:.0f} ms | p95 < 500 ms | {"yes" if r["p95"] < 500 else "no"} |
| largest worker resident memory after the run (peak) | {r["rss_after"]:.0f} MB ({r["hwm"]:.0f} MB; {r["rss_before"]:.0f} MB before) | < 150 MB | {"yes" if r["hwm"] < 150 else "no"} |

Budget {"met" if ok else "not met"} on this run.
<!-- benchmarks/load_home.py: end -->"""
    readme = HERE / "README.md"
    text = readme.read_text(encoding="utf-8")
    pattern = re.compile(r"<!-- benchmarks/load_home.py: begin -->.*?<!-- benchmarks/load_home.py: end -->", re.S)
    text = pattern.sub(lambda _m: section, text) if pattern.search(text) else text.rstrip() + "\n\n" + section + "\n"
    readme.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
