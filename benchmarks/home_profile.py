"""Where the 12-widget space home spends its time, and what two proposed changes save.

Run from the repository root on a ``parvis seed`` database (``PARVIS_*`` variables)::

    .venv/bin/python benchmarks/home_profile.py [--requests 100]

1. It profiles (cProfile) the home of the seeded reader's busiest space and groups the
   time by where it goes: SQL (driver and ORM), Jinja templates, markdown, Babel date
   formatting, URL building, template-context processors, the rest (Flask, Werkzeug,
   session, guards).
2. It measures the CPU time per request (steadier than wall time on a loaded machine)
   before and after two changes applied in this process only, proposed for core files:

   - ``fragment-context``: ``parvis.templating.render_fragment`` computes the template
     context (every context processor: notifications count, CSRF, user, babel...) once
     per request instead of once per widget, and renders the fragment's template
     directly (no ``before_render_template``/``template_rendered`` signals per widget);
   - ``markdown-cache``: ``parvis.services.markdown`` keeps the sanitised HTML of the
     last 1,024 texts (under 16 KB) it rendered, and the plain text the same way: a
     pure function of the text (mentions are substituted before the cache).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

READER = "bench@seed.example.org"
PASSWORD = "parvis seed password"  # noqa: S105 - the seeded load-test accounts
GROUPS = (
    ("SQL (driver, ORM, SQLAlchemy core)", ("sqlalchemy", "sqlite3", "psycopg")),
    ("markdown (markdown-it, nh3)", ("markdown_it", "nh3", "services/markdown.py")),
    ("Babel dates and numbers", ("babel/", "flask_babel")),
    ("Jinja templates", ("jinja2", "/templates/", "layouts/", "markupsafe")),
    ("URL building", ("werkzeug/routing",)),
)


def cpu_per_request(client: Any, url: str, n: int) -> float:
    """Median over 5 batches of the CPU milliseconds per request."""
    batches = []
    for _ in range(5):
        t0 = time.process_time()
        for _ in range(max(1, n // 5)):
            assert client.get(url).status_code == 200
        batches.append((time.process_time() - t0) * 1000 / max(1, n // 5))
    return statistics.median(batches)


def profile_groups(client: Any, url: str, n: int) -> list[tuple[str, float]]:
    """Share of the profiled time by group (own time of each function)."""
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(n):
        client.get(url)
    prof.disable()
    stats = pstats.Stats(prof).stats  # type: ignore[attr-defined]
    totals: dict[str, float] = {}
    grand = 0.0
    for (filename, _line, _name), (_cc, _nc, tottime, _ct, _callers) in stats.items():
        grand += tottime
        group = next((label for label, keys in GROUPS if any(k in filename for k in keys)), "the rest")
        totals[group] = totals.get(group, 0.0) + tottime
    return sorted(((g, t / grand) for g, t in totals.items()), key=lambda x: -x[1])


def apply_fragment_context() -> None:
    """Patch render_fragment everywhere it was imported (the proposed core change)."""
    from flask import current_app, g
    from markupsafe import Markup

    import parvis.templating as templating

    original = templating.render_fragment

    def render_fragment(template: str, **context: Any) -> Markup:
        base = g.get("_fragment_context")
        if base is None:
            base = {}
            current_app.update_template_context(base)
            g._fragment_context = base
        tmpl = current_app.jinja_env.get_or_select_template(template)
        return Markup(tmpl.render({**base, **context}))  # noqa: S704 - autoescaped template

    for module in list(sys.modules.values()):
        if getattr(module, "render_fragment", None) is original:
            module.render_fragment = render_fragment


def apply_markdown_cache() -> None:
    """Cache the sanitised HTML and the plain text of short texts (the proposed core change)."""
    import parvis.services.markdown as md

    render_markdown = md.render_markdown
    plain_text = md.plain_text

    @lru_cache(maxsize=1024)
    def _rendered(source: str) -> Any:
        return render_markdown(source)

    @lru_cache(maxsize=1024)
    def _plain(source: str) -> str:
        return plain_text(source)

    def cached_render(source: str | None, *, mention_url: Any = None) -> Any:
        if source and mention_url is None and len(source) < 16384:
            return _rendered(source)
        if source and mention_url is not None and not md.mentioned_usernames(source) and len(source) < 16384:
            return _rendered(source)
        return render_markdown(source, mention_url=mention_url)

    def cached_plain(source: str | None, limit: int | None = None) -> str:
        if not source or len(source) >= 16384:
            return plain_text(source, limit)
        text = _plain(source)
        if limit and len(text) > limit:
            text = text[: limit - 1].rstrip() + "…"
        return text

    for module in list(sys.modules.values()):
        if getattr(module, "render_markdown", None) is render_markdown:
            module.render_markdown = cached_render
        if getattr(module, "plain_text", None) is plain_text:
            module.plain_text = cached_plain


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args()

    from builder_render import seeded_home

    from parvis import create_app

    app = create_app({"WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, "SEARCH_QUEUE": "manual"})
    slug, email = seeded_home(app)
    url = f"/s/{slug}/"
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    baseline_html = client.get(url).get_data(as_text=True)
    for _ in range(5):
        client.get(url)
    print(f"home {url}")
    for group, share in profile_groups(client, url, max(10, args.requests // 5)):
        print(f"  {share:5.0%}  {group}")
    before = cpu_per_request(client, url, args.requests)
    print(f"CPU per request, as is:                     {before:6.2f} ms")
    apply_fragment_context()
    client.get(url)
    after_a = cpu_per_request(client, url, args.requests)
    print(f"  + fragment context once per request:      {after_a:6.2f} ms ({after_a / before - 1:+.0%})")
    apply_markdown_cache()
    client.get(url)
    after_b = cpu_per_request(client, url, args.requests)
    print(f"  + markdown cache:                         {after_b:6.2f} ms ({after_b / before - 1:+.0%})")
    same = client.get(url).get_data(as_text=True)
    strip = __import__("re").compile(r'name="csrf_token"[^>]*>')
    print("same HTML as before the changes:", strip.sub("", same) == strip.sub("", baseline_html))


if __name__ == "__main__":
    sys.exit(main())
