"""Locust scenario of the performance budget: members reading their space home.

Each simulated user signs in with a seeded account (``parvis seed``: every account has
the same password) and reads the home page of one of its spaces, then thinks for 5 to
15 seconds, again and again. The accounts and their spaces come from the JSON file
named by ``PARVIS_LOAD_USERS`` (written by ``benchmarks/load_home.py``)::

    locust -f benchmarks/locustfile.py --headless --users 500 --spawn-rate 50 --run-time 5m \\
        --host http://127.0.0.1:8765
"""

from __future__ import annotations

import itertools
import json
import os
import re
from pathlib import Path

from locust import HttpUser, between, task

PASSWORD = "parvis seed password"  # noqa: S105 - the seeded load-test accounts
_ACCOUNTS = json.loads(Path(os.environ.get("PARVIS_LOAD_USERS", "/tmp/perf/load_users.json")).read_text())  # noqa: S108
_NEXT = itertools.cycle(_ACCOUNTS)
_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


class Member(HttpUser):
    """A signed-in member reading the home page of one of their spaces."""

    wait_time = between(5, 15)

    def on_start(self) -> None:
        account = next(_NEXT)
        self.home = f"/s/{account['slug']}/"
        page = self.client.get("/login", name="/login (form)")
        match = _CSRF.search(page.text)
        token = (match.group(1) or match.group(2)) if match else ""
        with self.client.post("/login", data={"email": account["email"], "password": PASSWORD, "csrf_token": token},
                              allow_redirects=False, name="/login (sign in)", catch_response=True) as response:
            if response.status_code != 302:
                response.failure(f"sign-in refused ({response.status_code})")

    @task
    def space_home(self) -> None:
        self.client.get(self.home, name="/s/<space>/ (space home)")
