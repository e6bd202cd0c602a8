"""Shared helpers of the documents tests: a space with every role, files to upload."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path
from typing import Any

from conftest import add_member, login, make_space, make_user
from flask import Flask
from flask.testing import FlaskClient

from parvis.extensions import db
from parvis.storage import LocalStorage
from parvis_modules.documents.models import Document

ROLES = ("admin", "moderator", "member", "guest")


class Docs:
    """A space with a person in every role; ``url`` is its documents' address."""

    def __init__(self, space: Any, people: dict[str, Any]) -> None:
        self.space = space
        self.people = people
        self.slug = space.slug
        self.url = f"/s/{space.slug}/documents"
        self.api = f"/api/v1/spaces/{space.slug}/documents"

    def __getattr__(self, name: str) -> Any:
        try:
            return self.people[name]
        except KeyError as exc:
            raise AttributeError(name) from exc


def build_docs(slug: str = "team", visibility: str = "public") -> Docs:
    owner = make_user(f"owner-{slug}@example.org", "Olga Owner")
    space = make_space(owner, slug, visibility=visibility)
    people = {"owner": owner}
    for role in ROLES:
        user = make_user(f"{role}-{slug}@example.org", f"{role.title()} Person")
        add_member(space, user, role)
        people[role] = user
    people["outsider"] = make_user(f"outsider-{slug}@example.org", "Oscar Outsider")
    return Docs(space, people)


def use_storage(app: Flask, root: Path) -> LocalStorage:
    """Point the app at a fresh local storage folder (tests count its objects)."""
    storage = LocalStorage(root)
    app.extensions["parvis_storage"] = storage
    return storage


def objects(storage: Any) -> list[str]:
    return [o.key for o in storage.iter_objects()]


def png(width: int = 4, height: int = 3, color: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "PNG")
    return out.getvalue()


def bomb_png(width: int = 20000, height: int = 20000) -> bytes:
    """A tiny PNG that claims 400 million pixels (a decompression bomb)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = zlib.compress(b"\x00" * (width // 8 + 1) * 16)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
            + chunk(b"IDAT", raw) + chunk(b"IEND", b""))


def pdf(text: str = "Hello PDF") -> bytes:
    """A small valid one-page PDF with ``text``."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    page = writer.add_blank_page(width=200, height=200)
    font = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
                             NameObject("/BaseFont"): NameObject("/Helvetica")})
    page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})})
    stream = DecodedStreamObject()
    stream.set_data(f"BT /F1 12 Tf 20 100 Td ({text}) Tj ET".encode())
    page[NameObject("/Contents")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def upload(client: FlaskClient, docs: Docs, files: list[tuple[bytes, str]], folder_id: int | None = None) -> Any:
    data: dict[str, Any] = {"files": [(io.BytesIO(content), name) for content, name in files]}
    if folder_id:
        data["folder_id"] = str(folder_id)
    return post_files(client, f"{docs.url}/upload", data)


def post_files(client: FlaskClient, url: str, data: dict[str, Any], **kwargs: Any) -> Any:
    """POST a multipart form and close the test client's own temporary body file."""
    from werkzeug.test import EnvironBuilder

    builder = EnvironBuilder(path=url, method="POST", data=data)
    try:
        environ = builder.get_environ()
        body = environ["wsgi.input"].read()
        content_type = environ["CONTENT_TYPE"]
    finally:
        builder.close()
        environ["wsgi.input"].close()
    return client.post(url, data=body, content_type=content_type, **kwargs)


def doc_named(name: str) -> Document:
    doc = db.session.scalar(db.select(Document).filter_by(name=name))
    assert doc is not None, name
    return doc


def signed_in(client: FlaskClient, user: Any) -> FlaskClient:
    login(client, user)
    return client


def fetch(client: FlaskClient, url: str, **kwargs: Any) -> Any:
    """GET ``url``, read the whole body and close the response (streamed files)."""
    response = client.get(url, **kwargs)
    response.get_data()
    response.close()
    return response


def switch(client: FlaskClient, user: Any) -> FlaskClient:
    """Sign out whoever is signed in, then sign ``user`` in."""
    from conftest import logout

    logout(client)
    login(client, user)
    return client
