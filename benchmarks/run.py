"""Measure Parvis's cold start and a worker's memory; write benchmarks/README.md.

Usage (from the repository root, in the project's virtualenv)::

    .venv/bin/python benchmarks/run.py [--runs 5] [--no-write]

* **cold start**: a fresh Python process imports Parvis and runs ``create_app()`` with
  every installed module loaded; timed inside the process, ``--runs`` times.
* **worker memory**: a fresh process creates the app, signs in once (Argon2 password
  check included) and requests the main pages of a demo platform once each; its peak
  resident memory (``ru_maxrss``) is reported.

Targets: start < 1.5 s, resident memory < 150 MB. Numbers depend on the machine: they
are recorded, never asserted in tests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
START_TARGET_S = 1.5
RSS_TARGET_MB = 150

COLD_START = r"""
import json, sys, time
t0, c0 = time.perf_counter(), time.process_time()
from parvis import create_app
app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1]}, instance_path=sys.argv[2])
elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
print(json.dumps({"seconds": elapsed, "cpu": cpu, "modules": sorted(app.extensions["parvis"].modules)}))
"""

SEED = r"""
import sys
from parvis import create_app
from parvis.demo import prepare_database, seed_demo
app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "MAIL_BACKEND": "memory"},
                 instance_path=sys.argv[2])
with app.app_context():
    prepare_database(app, echo=lambda *a: None)
    seed_demo(app, echo=lambda *a: None)
"""

WORKER = r"""
import json, resource, sys
from parvis import create_app
from parvis.demo import CREDENTIALS_FILE
from pathlib import Path
config = {"SQLALCHEMY_DATABASE_URI": sys.argv[1], "MAIL_BACKEND": "memory",
          "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False}
app = create_app(config, instance_path=sys.argv[2])
accounts = json.loads((Path(sys.argv[2]) / CREDENTIALS_FILE).read_text())
alice = next(a for a in accounts if a["email"].startswith("alice@"))
client = app.test_client()
statuses = {}
statuses["/login"] = client.get("/login").status_code
statuses["POST /login"] = client.post(
    "/login", data={"email": alice["email"], "password": alice["password"]}).status_code
pages = ["/", "/s/numerique-en-commun/", "/s/portail-des-mediatheques/",
         "/s/comite-de-pilotage/", "/notifications", "/account/profile"]
modules = sorted(app.extensions["parvis"].modules)
pages += [f"/s/numerique-en-commun/{m}/" for m in modules]
for page in pages:
    statuses[page] = client.get(page).status_code
rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"rss_mb": rss_mb, "statuses": statuses}))
"""


def run_python(code: str, *args: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARVIS_")}
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code, *args], check=True, capture_output=True, text=True, env=env
    )
    return json.loads(out.stdout.strip().splitlines()[-1]) if out.stdout.strip() else {}


def measure(runs: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="parvis-bench-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        instance = str(Path(tmp) / "instance")
        run_python(COLD_START, url, instance)  # warm the file cache and .pyc files
        starts = [run_python(COLD_START, url, instance) for _ in range(runs)]
        run_python(SEED, url, instance)
        worker = run_python(WORKER, url, instance)
    seconds = [s["seconds"] for s in starts]
    return {
        "runs": runs,
        "modules": starts[0]["modules"],
        "start_median_s": statistics.median(seconds),
        "start_max_s": max(seconds),
        "start_cpu_s": statistics.median(s["cpu"] for s in starts),
        "rss_mb": worker["rss_mb"],
        "statuses": worker["statuses"],
        "load": os.getloadavg()[0],
    }


def report(result: dict, command: str) -> str:
    ok_start = "yes" if result["start_median_s"] < START_TARGET_S else "**no**"
    ok_cpu = "yes" if result["start_cpu_s"] < START_TARGET_S else "**no**"
    ok_rss = "yes" if result["rss_mb"] < RSS_TARGET_MB else "**no**"
    statuses = ", ".join(f"`{page}` {code}" for page, code in result["statuses"].items())
    return f"""## Start-up time and worker memory

`benchmarks/run.py` measures how long a Parvis process takes to start and how much
memory a worker holds once it has served the main pages.

Command: `{command}`

Date: {datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}; machine: {os.cpu_count()} cores,
{platform.system()} {platform.machine()}, Python {platform.python_version()}, load average
{result["load"]:.1f} when measured; modules loaded:
{", ".join(result["modules"]) or "none"}.

| measure | result | target | met |
| --- | --- | --- | --- |
| cold start, `create_app()` in a fresh process, wall time (median of {result["runs"]}) | {result["start_median_s"]:.2f} s (max {result["start_max_s"]:.2f} s) | < {START_TARGET_S} s | {ok_start} |
| the same, CPU time of the process (median) | {result["start_cpu_s"]:.2f} s | < {START_TARGET_S} s | {ok_cpu} |
| worker peak resident memory after serving the main pages once | {result["rss_mb"]:.0f} MB | < {RSS_TARGET_MB} MB | {ok_rss} |

Pages served for the memory measure (status codes): {statuses}.

### What is measured

- **Cold start**: a new Python process imports Parvis and calls `create_app()` with every
  installed module (entry points) loaded, on a SQLite database; imports included, the
  interpreter's own start-up excluded. A first run warms the disk cache and the `.pyc`
  files. Wall time depends on what else the machine runs (see the load average); the
  process's CPU time is what start-up costs on an idle core.
- **Worker memory**: a new process creates the app, signs in once (an Argon2 password
  check, which itself allocates 64 MB) and requests each main page once (dashboard,
  the three demo spaces, every module's page in the public space, notifications,
  profile) through Flask's test client; `ru_maxrss` is its peak resident memory.
"""


BEGIN = "<!-- benchmarks/run.py: begin -->"
END = "<!-- benchmarks/run.py: end -->"
HEADER = """# Benchmarks

Numbers are recorded here with the command that produced them, never asserted in tests
(they depend on the machine).
"""


def write_section(readme: Path, section: str) -> None:
    """Replace this script's section of ``readme``, keeping what other scripts wrote."""
    block = f"{BEGIN}\n{section.rstrip()}\n{END}\n"
    text = readme.read_text() if readme.exists() else HEADER
    if BEGIN in text and END in text:
        before, rest = text.split(BEGIN, 1)
        after = rest.split(END, 1)[1].lstrip("\n")
        text = before + block + ("\n" + after if after else "")
    else:
        text = text.rstrip() + "\n\n" + block
    readme.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="cold starts to time")
    parser.add_argument("--no-write", action="store_true", help="print, don't write README.md")
    args = parser.parse_args()
    result = measure(args.runs)
    command = "python benchmarks/run.py" + (f" --runs {args.runs}" if args.runs != 5 else "")
    text = report(result, command)
    if args.no_write:
        print(text)
    else:
        write_section(HERE / "README.md", text)
        print(text)


if __name__ == "__main__":
    main()
