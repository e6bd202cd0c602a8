"""Broadcast latency of discussions messages to N real websocket clients.

Starts one or two Parvis server processes (``socketio.run``, threading mode; two
processes share Redis as Socket.IO message queue), connects N python-socketio clients
(spread over a few client processes, alternating between the servers) to one channel,
then one more client posts messages. Each message carries the wall-clock time it was
sent; every receiving client records how long it took to arrive. The server stores
each message (SQLite) before broadcasting it, so the figure includes that write.

    python benchmarks/realtime_broadcast.py --clients 100 500 1000 --servers 1 2
    python benchmarks/realtime_broadcast.py --churn 600   # memory under connect/disconnect churn

Numbers go to benchmarks/README.md by hand, with the command and the machine's load.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import multiprocessing as mp
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

REDIS_URL = os.environ.get("PARVIS_BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
USERS = 25  # the N connections are spread over this many people
PER_CLIENT_PROCESS = 125
#: Messages sent before the measured ones (clients ignore them: no send time in them).
WARM_UP = 2

SERVER = textwrap.dedent(
    """
    import sys
    from parvis import create_app

    database, instance, port, redis_url, channel = sys.argv[1:6]
    config = {
        "SQLALCHEMY_DATABASE_URI": database, "SECRET_KEY": "bench-secret",
        "SEARCH_BACKEND": "postgres" if database.startswith("postgresql") else "whoosh",
        "SOCKETIO_CHANNEL": channel, "RATELIMIT_ENABLED": False,
        "REALTIME_RATE_LIMIT_ENABLED": False, "MAIL_BACKEND": "memory",
    }
    if redis_url != "-":
        config["REDIS_URL"] = redis_url
    app = create_app(config, instance_path=instance)
    app.extensions["socketio"].run(
        app, host="127.0.0.1", port=int(port), allow_unsafe_werkzeug=True,
        use_reloader=False, log_output=False,
    )
    """
)


# -- set-up --------------------------------------------------------------------------


def search_backend(database: str) -> str:
    """The search backend that goes with the database (PostgreSQL's own on PostgreSQL)."""
    return "postgres" if database.startswith("postgresql") else "whoosh"


def prepare(workdir: Path, sessions: int, database: str | None = None) -> tuple[str, int, list[str]]:
    """A database (SQLite by default; ``database`` is EMPTIED first) with a space, a
    channel and ``sessions`` signed-in sessions."""
    from parvis import create_app
    from parvis.extensions import db
    from parvis.models import Membership, UserSession
    from parvis.services.spaces import create_space
    from parvis.services.users import create_user

    database = database or f"sqlite:///{workdir / 'bench.db'}"
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": database, "SECRET_KEY": "bench-secret",
         "PASSWORD_HASH_FAST": True, "MAIL_BACKEND": "memory", "SEARCH_BACKEND": search_backend(database)},
        instance_path=str(workdir / "instance"),
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
        owner = create_user("owner@bench.test", "Owner", "bench password 1", platform_role="user")
        space = create_space(name="Bench", slug="bench", owner=owner, visibility="private")
        people = [owner]
        for n in range(USERS):
            user = create_user(f"user{n}@bench.test", f"User {n}", "bench password 1")
            db.session.add(Membership(space_id=space.id, user_id=user.id, role="member"))
            people.append(user)
        db.session.commit()
        from parvis_modules.discussions.models import Channel

        channel = db.session.scalar(db.select(Channel).filter_by(space_id=space.id))
        serializer = app.session_interface.get_signing_serializer(app)
        cookies = []
        for n in range(sessions):
            row = UserSession(id=UserSession.new_id(), user=people[n % len(people)], user_agent="bench")
            db.session.add(row)
            cookies.append(row.id)
        db.session.commit()
        signed = [serializer.dumps({"_user_id": sid, "_fresh": True}) for sid in cookies]
        channel_id = channel.id
        db.engine.dispose()
    return database, channel_id, signed


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


#: How each kind of server is started: the development server of ``parvis demo``
#: (``socketio.run``, threading) and the two production commands of docs/operations.md.
SERVER_KINDS = ("werkzeug", "gthread", "gevent")


def gunicorn_command(kind: str, port: int) -> list[str]:
    """The documented production command of a real-time process (docs/operations.md)."""
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    if kind == "gevent":
        workers = ["--worker-class", "gevent", "--worker-connections", "4000"]
    else:
        workers = ["--worker-class", "gthread", "--threads", "1200", "--worker-connections", "1200"]
    return [gunicorn, *workers, "--workers", "1", "--bind", f"127.0.0.1:{port}", "--timeout", "0",
            "--graceful-timeout", "5",
            "--keep-alive", "75", "parvis:create_app()"]


def start_servers(count: int, database: str, workdir: Path, channel: str, kind: str = "werkzeug") -> tuple[list, list[str]]:
    script = workdir / "serve.py"
    script.write_text(SERVER)
    procs, urls = [], []
    for n in range(count):
        port = free_port()
        instance = workdir / f"instance-{n}-{port}"
        instance.mkdir()
        redis_url = REDIS_URL if count > 1 else "-"
        if kind == "werkzeug":
            command = [sys.executable, str(script), database, str(instance), str(port), redis_url, channel]
            env = None
        else:
            command = gunicorn_command(kind, port)
            env = {**os.environ, "PARVIS_DATABASE_URL": database, "PARVIS_INSTANCE_PATH": str(instance),
                   "PARVIS_SEARCH_BACKEND": search_backend(database),
                   "PARVIS_SECRET_KEY": "bench-secret", "PARVIS_SOCKETIO_CHANNEL": channel,
                   "PARVIS_RATELIMIT_ENABLED": "false", "PARVIS_REALTIME_RATE_LIMIT_ENABLED": "false",
                   "PARVIS_MAIL_BACKEND": "memory", "PARVIS_SOCKETIO_ASYNC_MODE": "gevent" if kind == "gevent" else "threading"}
            if redis_url != "-":
                env["PARVIS_REDIS_URL"] = redis_url
        procs.append(
            subprocess.Popen(  # noqa: S603 - our own script, our own arguments
                command, stdout=subprocess.DEVNULL, stderr=(workdir / f"server-{n}.log").open("w"), env=env,
            )
        )
        urls.append(f"http://127.0.0.1:{port}")
    for url in urls:
        port = int(url.rsplit(":", 1)[1])
        for _ in range(1800):  # up to 3 minutes on a loaded machine
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.1)
    return procs, urls


def stop(procs: list) -> None:
    """Stop the servers: SIGTERM, then SIGKILL (with their workers) after 10 s."""
    for p in procs:
        p.terminate()
    for p in procs:
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            for pid in reversed(process_tree(p.pid)):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, 9)
            p.wait(5)


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (gunicorn's master and its worker)."""
    found = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        for child in task.read_text().split():
            found.extend(process_tree(int(child)))
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU time so far of a process and its descendants."""
    total = 0.0
    for one in process_tree(pid):
        fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def rss_kb(pid: int) -> int:
    """Resident memory of the process serving the connections (gunicorn: its worker)."""
    pid = process_tree(pid)[-1]
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


# -- clients -------------------------------------------------------------------------


def client_worker(jobs: list[tuple[str, str]], channel_id: int, ready, go, results) -> None:  # noqa: ANN001
    """Connect every (url, cookie), join the channel, record message latencies."""
    import socketio

    latencies: list[float] = []
    lock = threading.Lock()
    clients = []

    def on_message(data):  # noqa: ANN001, ANN202
        now = time.time()
        try:
            sent = float(data["body"].split()[-1])
        except (KeyError, ValueError, IndexError):
            return
        with lock:
            latencies.append(now - sent)

    failures = 0
    for url, cookie in jobs:
        client = socketio.Client(reconnection=False)
        client.on("discussions:message", on_message)
        try:
            client.connect(url, headers={"Cookie": f"session={cookie}"}, transports=["websocket"], wait_timeout=20)
            answer = client.call("discussions:join", {"channel_id": channel_id}, timeout=30)
            if not answer.get("ok"):
                failures += 1
        except Exception:  # noqa: BLE001
            failures += 1
            continue
        clients.append(client)
    ready.put(failures)
    go.wait()
    time.sleep(0.1)
    results.put(list(latencies))
    for client in clients:
        try:
            client.disconnect()
        except Exception:  # noqa: BLE001, S110
            pass


def async_client_worker(jobs: list[tuple[str, str]], channel_id: int, ready, go, results) -> None:  # noqa: ANN001
    """As :func:`client_worker`, with python-socketio's ``AsyncClient``: every connection of
    the process in one asyncio event loop (aiohttp websockets) instead of a thread each,
    so that the client processes cost the shared cores as little as possible."""
    import asyncio

    import socketio

    latencies: list[float] = []

    def on_message(data):  # noqa: ANN001, ANN202
        now = time.time()
        try:
            latencies.append(now - float(data["body"].split()[-1]))
        except (KeyError, ValueError, IndexError):
            return

    async def connect(url: str, cookie: str, gate: asyncio.Semaphore):  # noqa: ANN202
        async with gate:
            client = socketio.AsyncClient(reconnection=False)
            client.on("discussions:message", on_message)
            try:
                await client.connect(url, headers={"Cookie": f"session={cookie}"}, transports=["websocket"],
                                     wait_timeout=30)
                answer = await client.call("discussions:join", {"channel_id": channel_id}, timeout=60)
            except Exception:  # noqa: BLE001
                return None
            return client if answer.get("ok") else None

    async def main() -> None:
        gate = asyncio.Semaphore(20)  # connections opened at once
        clients = await asyncio.gather(*(connect(url, cookie, gate) for url, cookie in jobs))
        ready.put(sum(1 for c in clients if c is None))
        while not go.is_set():
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.1)
        results.put(list(latencies))
        for client in clients:
            if client is not None:
                try:
                    await client.disconnect()
                except Exception:  # noqa: BLE001, S110
                    pass

    asyncio.run(main())


def run_broadcast(n_clients: int, n_servers: int, messages: int, workdir: Path,
                  client_kind: str = "async", per_process: int = PER_CLIENT_PROCESS, server_kind: str = "werkzeug",
                  database: str | None = None) -> dict:
    database, channel_id, cookies = prepare(workdir, n_clients + 1, database)
    channel = f"bench-{os.getpid()}-{n_clients}-{n_servers}-{int(time.time())}"
    procs, urls = start_servers(n_servers, database, workdir, channel, server_kind)
    try:
        jobs = [(urls[n % len(urls)], cookies[n + 1]) for n in range(n_clients)]
        n_workers = max(1, math.ceil(n_clients / per_process))
        ctx = mp.get_context("spawn")
        ready, results, go = ctx.Queue(), ctx.Queue(), ctx.Event()
        target = async_client_worker if client_kind == "async" else client_worker
        workers = [
            ctx.Process(target=target, args=(jobs[w::n_workers], channel_id, ready, go, results))
            for w in range(n_workers)
        ]
        started = time.monotonic()
        for w in workers:
            w.start()
        failures = sum(ready.get(timeout=600) for _ in workers)
        connect_seconds = time.monotonic() - started
        import socketio

        sender = socketio.Client(reconnection=False)
        sender.connect(urls[0], headers={"Cookie": f"session={cookies[0]}"}, transports=["websocket"])
        sender.call("discussions:join", {"channel_id": channel_id}, timeout=30)
        rss_before = [rss_kb(p.pid) for p in procs]
        cpu_before = [cpu_seconds(p.pid) for p in procs] + [cpu_seconds(w.pid) for w in workers]
        for m in range(WARM_UP):  # first messages of a process (imports, caches): not counted
            sender.call("discussions:send", {"channel_id": channel_id, "body": f"warm-up {m} (not timed)"}, timeout=60)
            time.sleep(0.25)
        time.sleep(1)
        acks = []  # the sender's round trip: stored, committed and handed to the broadcast
        for m in range(messages):
            sent = time.time()
            sender.call(
                "discussions:send", {"channel_id": channel_id, "body": f"bench {m} {sent:.6f}"},
                timeout=60,
            )
            acks.append(time.time() - sent)
            time.sleep(0.25)
        time.sleep(3)
        cpu_after = [cpu_seconds(p.pid) for p in procs] + [cpu_seconds(w.pid) for w in workers]
        go.set()
        latencies = []
        for _ in workers:
            latencies.extend(results.get(timeout=120))
        rss_after = [rss_kb(p.pid) for p in procs]
        sender.disconnect()
        for w in workers:
            w.join(60)
    finally:
        stop(procs)
    latencies.sort()
    expected = (n_clients - failures) * messages

    def pct(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 if latencies else float("nan")

    return {
        "clients": n_clients, "servers": n_servers, "failed": failures,
        "delivered": len(latencies), "expected": expected,
        "p50_ms": pct(0.50), "p99_ms": pct(0.99), "max_ms": latencies[-1] * 1000 if latencies else float("nan"),
        "connect_s": connect_seconds, "ack_p50_ms": statistics.median(acks) * 1000,
        "ack_max_ms": max(acks) * 1000,
        # CPU per broadcast message: every server together, every client process together
        "server_cpu_ms": sum(a - b for a, b in zip(cpu_after[:len(procs)], cpu_before[:len(procs)], strict=True))
        * 1000 / messages,
        "client_cpu_ms": sum(a - b for a, b in zip(cpu_after[len(procs):], cpu_before[len(procs):], strict=True))
        * 1000 / messages,
        "rss_mb": [round(kb / 1024) for kb in rss_after], "rss_before_mb": [round(kb / 1024) for kb in rss_before],
    }


def churn_worker(url: str, cookies: list[str], channel_id: int, until: float, done=None) -> None:  # noqa: ANN001
    """Connect, join the channel and disconnect in a loop until ``until``; count cycles in ``done``."""
    import socketio

    while time.time() < until:
        for cookie in cookies:
            client = socketio.Client(reconnection=False)
            try:
                client.connect(url, headers={"Cookie": f"session={cookie}"}, transports=["websocket"], wait_timeout=20)
                client.call("discussions:join", {"channel_id": channel_id}, timeout=30)
                client.disconnect()
                if done is not None:
                    with done.get_lock():
                        done.value += 1
            except Exception:  # noqa: BLE001, S110
                pass
            if time.time() >= until:
                return


def run_churn(seconds: int, workdir: Path, parallel: int = 4) -> dict:
    """One server; ``parallel`` processes connect, join and disconnect in a loop."""
    database, channel_id, cookies = prepare(workdir, 40)
    procs, urls = start_servers(1, database, workdir, f"churn-{os.getpid()}")
    ctx = mp.get_context("spawn")
    samples: list[tuple[float, int]] = []
    try:
        warm_until = time.time() + 30
        warm = [ctx.Process(target=churn_worker, args=(urls[0], cookies[w::parallel], channel_id, warm_until)) for w in range(parallel)]
        for w in warm:
            w.start()
        for w in warm:
            w.join()
        start = time.time()
        until = start + seconds
        done = ctx.Value("i", 0)
        workers = [
            ctx.Process(target=churn_worker, args=(urls[0], cookies[w::parallel], channel_id, until, done))
            for w in range(parallel)
        ]
        for w in workers:
            w.start()
        while time.time() < until:
            samples.append((time.time() - start, rss_kb(procs[0].pid)))
            time.sleep(10)
        for w in workers:
            w.join(60)
        samples.append((time.time() - start, rss_kb(procs[0].pid)))
    finally:
        stop(procs)
    first, last = samples[0][1], samples[-1][1]
    return {
        "seconds": seconds, "start_mb": first / 1024, "end_mb": last / 1024,
        "max_mb": max(s for _t, s in samples) / 1024, "growth_pct": (last - first) * 100 / first,
        "cycles": done.value, "samples": [(round(t), round(kb / 1024, 1)) for t, kb in samples],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[100, 500, 1000])
    parser.add_argument("--servers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--messages", type=int, default=20)
    parser.add_argument("--churn", type=int, default=0, help="seconds of connect/disconnect churn")
    parser.add_argument("--client", choices=["async", "thread"], default="async",
                        help="async: python-socketio AsyncClient, one event loop per client process "
                             "(needs aiohttp, in the bench extra); thread: socketio.Client, a thread each")
    parser.add_argument("--server", choices=SERVER_KINDS, default="werkzeug",
                        help="werkzeug: socketio.run (parvis demo, threading); gthread / gevent: the "
                             "production gunicorn commands of docs/operations.md (bench extra)")
    parser.add_argument("--database", default=None,
                        help="a database URL, EMPTIED first (default: a temporary SQLite file); on "
                             "PostgreSQL the servers use the PostgreSQL search backend")
    parser.add_argument("--per-process", type=int, default=0,
                        help=f"clients per client process (default: 500 async, {PER_CLIENT_PROCESS} thread)")
    args = parser.parse_args()
    print(f"load average: {os.getloadavg()[0]:.1f}, cores: {os.cpu_count()}, clients: {args.client}, "
          f"server: {args.server}, database: {(args.database or 'sqlite').split('://')[0]}")
    if args.churn:
        with tempfile.TemporaryDirectory() as tmp:
            r = run_churn(args.churn, Path(tmp))
        print(
            f"churn {r['seconds']} s: worker RSS {r['start_mb']:.0f} MB -> {r['end_mb']:.0f} MB "
            f"(max {r['max_mb']:.0f} MB, {r['growth_pct']:+.1f} %), "
            f"{r['cycles']} connect/join/disconnect cycles"
        )
        print("RSS samples (s, MB):", r["samples"])
        return
    print("| clients | servers | delivered | p50 | p99 | max | sender's ack p50 / max "
          "| CPU per message: servers / clients | connect | server RSS |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for servers in args.servers:
        for clients in args.clients:
            with tempfile.TemporaryDirectory() as tmp:
                r = run_broadcast(clients, servers, args.messages, Path(tmp), args.client,
                                  args.per_process or (500 if args.client == "async" else PER_CLIENT_PROCESS),
                                  args.server, args.database)
            print(
                f"| {r['clients']} | {r['servers']} | {r['delivered']}/{r['expected']}"
                f"{' (' + str(r['failed']) + ' failed to connect)' if r['failed'] else ''} "
                f"| {r['p50_ms']:.1f} ms | {r['p99_ms']:.1f} ms | {r['max_ms']:.1f} ms "
                f"| {r['ack_p50_ms']:.1f} / {r['ack_max_ms']:.1f} ms "
                f"| {r['server_cpu_ms']:.0f} / {r['client_cpu_ms']:.0f} ms | {r['connect_s']:.1f} s | {', '.join(f'{m} MB' for m in r['rss_mb'])} |",
                flush=True,
            )
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
