"""Wiki building blocks without a database: link parsing, diff, rendering."""

from __future__ import annotations

from parvis_modules.wiki.diff import word_diff
from parvis_modules.wiki.links import find_links, link_keys, rewrite_links, title_key
from parvis_modules.wiki.outline import Outline, PageNode
from parvis_modules.wiki.rendering import render_page


def test_link_parsing():
    refs = find_links("[[A]] [[ b  c |label]] [[other:X]] [[me:Y]] `[[code]]`\n```\n[[fenced]]\n```\n[[]]", "me")
    assert [(r.target, r.label, r.foreign_space) for r in refs] == [
        ("A", "A", None), ("b c", "label", None), ("other:X", "other:X", "other"), ("Y", "Y", None),
    ]
    assert link_keys("[[Été  Chaud]] [[x:y]]", "me") == {"été chaud"}
    assert title_key("  ÉTÉ\tchaud ") == "été chaud"
    # a title with a colon that is not a space slug stays a same-space link
    assert find_links("[[Réunion : ordre du jour]]", "me")[0].foreign_space is None


def test_rewrite_escapes_labels_and_keeps_code():
    out = rewrite_links("[[A|*b* [c]]] `[[A]]`", "s", lambda ref: "/p/a")
    assert out.startswith("[[[A|*b* [c]]]") or "`[[A]]`" in out
    out = rewrite_links("[[A|*b*]]", "s", lambda ref: "/p/a")
    assert out == "[\\*b\\*](</p/a>)"
    assert rewrite_links("[[A]]", "s", lambda ref: None) == "A"


def test_word_diff_is_escaped_and_readable():
    diff = word_diff("Hello <b>world</b>\nsame line\n", "Hello <i>there</i>\nsame line\nnew line\n")
    html = str(diff.html)
    assert "<b>" not in html and "<i>" not in html and "&lt;/<del>b</del>" in html
    assert "<del>" in html and "<ins>" in html and "same line" in html
    assert "<ins>new line\n</ins>" in html
    assert diff.added >= 3 and diff.removed >= 2
    assert not word_diff("same", "same").changed
    assert word_diff("", "x").added == 1


def test_render_adds_safe_heading_ids_and_toc():
    page = render_page(
        "# Intro\n\n## Intro\n\n### <b>Bold</b> & co\n\nText [[Link]]",
        space_slug="s",
        url_for_link=lambda ref: "/s/s/wiki/new?title=Link",
        missing_prefixes=["/s/s/wiki/new?"],
    )
    html = str(page.html)
    assert '<h1 id="h-intro">' in html and '<h2 id="h-intro-2">' in html
    assert [(e.level, e.anchor, e.text) for e in page.toc] == [
        (1, "h-intro", "Intro"), (2, "h-intro-2", "Intro"), (3, "h-b-bold-b-co", "<b>Bold</b> & co"),
    ]
    assert "&lt;b&gt;Bold&lt;/b&gt;" in html
    assert 'class="wiki-link--missing"' in html


def test_user_cannot_smuggle_ids_or_attributes():
    page = render_page('<h2 id="main">x</h2>\n\n## Real', space_slug="s", url_for_link=lambda ref: None)
    html = str(page.html)
    assert '<h2 id="main"' not in html and '<h2 id="h-real">' in html


def test_outline_builds_tree_and_refuses_to_loop():
    nodes = [
        PageNode(1, None, "Root", "root", "root", 1, False),
        PageNode(2, 1, "Child", "child", "child", 1, False),
        PageNode(3, 2, "Grandchild", "grandchild", "grandchild", 1, False),
        PageNode(4, 5, "Loop A", "a", "loop a", 1, False),  # 4 <-> 5: corrupt data
        PageNode(5, 4, "Loop B", "b", "loop b", 1, False),
    ]
    outline = Outline(nodes)
    assert [n.title for n in outline.walk()] == ["Root", "Child", "Grandchild"]
    assert [n.title for n in outline.ancestors(3)] == ["Root", "Child"]
    assert outline.descendant_ids(1) == {2, 3}
    assert outline.ancestors(4) != [] and len(outline.ancestors(4)) == 1
