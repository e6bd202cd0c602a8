"""Embed a module page inside a composed space page, without an iframe.

The ``core.page`` widget shows the main content of one of a module's navigation pages
(the wiki's home, the FAQ, the agenda...) inline. The page is rendered by a sub-request
through the application itself, as the same user (the request's cookies and language
are forwarded), so every authorisation rule of the module applies unchanged: what the
viewer may not see is not shown. Only the part of ``base.html`` between the
``parvis:embed`` markers (the ``content`` block) is kept: no header, navigation, flash
messages or scripts. A page that does not answer 200 (no access, module disabled,
a redirect to the sign-in page) embeds nothing.
"""

from __future__ import annotations

import logging
import re
import zlib

from flask import current_app, request
from markupsafe import Markup

log = logging.getLogger(__name__)

#: Comments around the ``content`` block in ``base.html``.
START = "<!--parvis:embed-start-->"
END = "<!--parvis:embed-end-->"
#: Header marking a sub-request (a page embedded in a page is never embedded again).
EMBED_HEADER = "X-Parvis-Embed"


def is_embedded_request() -> bool:
    """Is the current request an embedding sub-request?"""
    return bool(request.headers.get(EMBED_HEADER))


def embedded_content(path: str) -> Markup | None:
    """The ``content`` block of the page at ``path`` as the current user sees it, or
    None when it does not answer 200 or when already inside an embedding."""
    if is_embedded_request() or not path.startswith("/") or path.startswith("//"):
        return None
    headers = {EMBED_HEADER: "1"}
    for name in ("Cookie", "Accept-Language", "Authorization"):
        if request.headers.get(name):
            headers[name] = request.headers[name]
    client = current_app.test_client(use_cookies=False)
    response = client.get(path, headers=headers, environ_base={"REMOTE_ADDR": request.remote_addr or ""})
    try:
        if response.status_code != 200 or response.mimetype != "text/html":
            return None
        html = response.get_data(as_text=True)
    finally:
        response.close()
    start, end = html.find(START), html.rfind(END)
    if start < 0 or end < start:
        log.warning("embedded page %s has no embed markers", path)
        return None
    fragment = _fit(html[start + len(START):end], prefix=f"embed-{zlib.crc32(path.encode()) % 10**6}-")
    return Markup(fragment)  # noqa: S704 - our own rendered, escaped page


_HEADING = re.compile(r"<(/?)h([1-5])\b", re.IGNORECASE)
_ID_ATTRS = re.compile(
    r'\b(id|for|aria-labelledby|aria-describedby|aria-controls|headers)="([^"]*)"', re.IGNORECASE
)
_FRAGMENT_HREF = re.compile(r'\bhref="#([^"]+)"', re.IGNORECASE)


def _fit(html: str, prefix: str) -> str:
    """Make a page's content fit inside another page: headings one level down (the
    page's ``h1`` becomes an ``h2`` under the host page's ``h1``) and every id (and
    the attributes pointing at ids) prefixed, so no id collides with the host page's."""
    html = _HEADING.sub(lambda m: f"<{m.group(1)}h{int(m.group(2)) + 1}", html)
    html = _ID_ATTRS.sub(
        lambda m: f'{m.group(1)}="{" ".join(prefix + token for token in m.group(2).split())}"', html
    )
    return _FRAGMENT_HREF.sub(lambda m: f'href="#{prefix}{m.group(1)}"', html)
