"""The documents module on S3 storage (a moto server, as configured by
``PARVIS_STORAGE_URL=s3://bucket/prefix``): the same journeys as on the local folder."""

from __future__ import annotations

import io
from typing import Any

import pytest
from documents_support import (
    build_docs,
    doc_named,
    fetch,
    objects,
    pdf,
    png,
    signed_in,
    switch,
    upload,
)
from test_storage_backends import BUCKET, s3_endpoint, s3_env  # noqa: F401 - fixtures

from parvis.extensions import db
from parvis.storage import get_storage, storage_from_url
from parvis.storage.s3 import S3Storage
from parvis_modules.documents.models import Document


@pytest.fixture
def s3(app, s3_env, request) -> Any:  # noqa: ANN001, F811
    """The app's storage built from an ``s3://`` URL, as ``PARVIS_STORAGE_URL`` would."""
    storage = storage_from_url(f"s3://{BUCKET}/docs-{request.node.name}-{id(request)}", instance_path=app.instance_path)
    app.extensions["parvis_storage"] = storage
    return storage


def test_upload_preview_version_restore_and_purge_on_s3(app, client, s3) -> None:  # noqa: ANN001
    docs = build_docs()
    assert isinstance(get_storage(), S3Storage)
    signed_in(client, docs.member)
    upload(client, docs, [(png(80, 60), "photo.png"), (pdf("Sur S3"), "s3.pdf"), (b"v1", "plan.txt")])
    assert len(objects(s3)) == 4  # three files and a thumbnail
    photo = doc_named("photo.png")
    thumb = fetch(client, f"{docs.url}/d/{photo.id}/thumb")
    assert thumb.status_code == 200 and thumb.data[:3] == b"\xff\xd8\xff"
    assert "Sur S3" in (doc_named("s3.pdf").current_version.text_content or "")
    upload(client, docs, [(b"v2-longer", "plan.txt")])
    plan = doc_named("plan.txt")
    assert fetch(client, f"{docs.url}/d/{plan.id}/download").data == b"v2-longer"
    ranged = fetch(client, f"{docs.url}/d/{plan.id}/download", headers={"Range": "bytes=3-8"})
    assert ranged.status_code == 206 and ranged.data == b"longer"
    client.post(f"{docs.url}/d/{plan.id}/v/1/restore")
    assert fetch(client, f"{docs.url}/d/{plan.id}/download").data == b"v1"
    client.post(f"{docs.url}/d/{plan.id}/trash")
    switch(client, docs.admin)
    before = len(objects(s3))
    client.post(f"{docs.url}/trash/d/{plan.id}/purge")
    assert db.session.get(Document, plan.id) is None
    assert len(objects(s3)) == before - 3  # its three versions


def test_storage_check_on_s3(app, client, s3) -> None:  # noqa: ANN001
    docs = build_docs()
    signed_in(client, docs.member)
    upload(client, docs, [(b"kept", "kept.txt")])
    orphan = s3.save(io.BytesIO(b"orphan"), content_type="text/plain")
    result = app.test_cli_runner().invoke(args=["storage", "check", "--grace-minutes", "0", "--clean"])
    assert "orphans: 1" in result.output and "deleted: 1" in result.output, result.output
    assert not s3.exists(orphan) and s3.exists(doc_named("kept.txt").current_version.storage_key)
