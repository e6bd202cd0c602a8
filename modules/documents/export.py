"""Exports: the module's JSON for the space export, and a ZIP of every file.

The ZIP is written to a temporary file on disk (never built in memory) and streamed;
``manifest.json`` lists folders, documents and where each file is in the archive.
"""

from __future__ import annotations

import json
import tempfile
import zipfile
from typing import Any

from flask import Response, send_file

from parvis.extensions import db
from parvis.models import Space
from parvis.storage import StorageError, get_storage

from . import services
from .models import DocFolder, Document, DocumentVersion

#: Archives up to this size are sent from memory; larger ones stream from the disk.
SMALL_ARCHIVE = 4 * 1024 * 1024


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


def manifest(space: Space, *, with_versions: bool = True) -> dict[str, Any]:
    """Folders, documents (trash included, flagged) and their versions' metadata."""
    folders = list(db.session.scalars(db.select(DocFolder).where(DocFolder.space_id == space.id).order_by(DocFolder.id)))
    docs = list(db.session.scalars(db.select(Document).where(Document.space_id == space.id).order_by(Document.id)))
    versions: dict[int, list[DocumentVersion]] = {}
    if with_versions:
        for v in db.session.scalars(db.select(DocumentVersion).where(DocumentVersion.space_id == space.id)
                                    .order_by(DocumentVersion.document_id, DocumentVersion.number)):
            versions.setdefault(v.document_id, []).append(v)
    return {
        "module": "documents",
        "version": 1,
        "folders": [{"id": f.id, "parent_id": f.parent_id, "name": f.name, "created_at": _iso(f.created_at),
                     "deleted_at": _iso(f.deleted_at)} for f in folders],
        "documents": [
            {
                "id": d.id, "folder_id": d.folder_id, "name": d.name, "kind": d.kind,
                "content_type": d.content_type, "size": d.size, "owner_id": d.owner_id,
                "created_at": _iso(d.created_at), "updated_at": _iso(d.updated_at), "deleted_at": _iso(d.deleted_at),
                "versions": [
                    {"number": v.number, "filename": v.filename, "content_type": v.content_type, "size": v.size,
                     "sha256": v.sha256, "author_id": v.author_id, "created_at": _iso(v.created_at),
                     "restored_from": v.restored_from, "markdown": v.body}
                    for v in versions.get(d.id, [])
                ],
            }
            for d in docs
        ],
    }


def export_response(space: Space) -> Response:
    """A ZIP of the live documents' current versions, in their folders, plus the manifest."""
    rows = services.folder_rows(space)
    docs = list(db.session.scalars(
        db.select(Document).where(Document.space_id == space.id, Document.deleted_at.is_(None))
        .order_by(Document.id).options(db.joinedload(Document.current_version))
    ))
    storage = get_storage()
    out = tempfile.TemporaryFile()
    data = manifest(space)
    paths: dict[int, str] = {}
    used: set[str] = set()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        for doc in docs:
            version = doc.current_version
            if version is None:
                continue
            folder = "/".join(name.replace("/", "_") for _i, name in services.ancestors(rows, doc.folder_id))
            path = f"files/{folder}/{doc.name}" if folder else f"files/{doc.name}"
            if path in used:
                path = f"{path}.{doc.id}"
            used.add(path)
            if version.storage_key:
                try:
                    with storage.open(version.storage_key) as source, archive.open(path, "w", force_zip64=True) as target:
                        while chunk := source.read(1024 * 1024):
                            target.write(chunk)
                except (StorageError, OSError):
                    continue
            else:
                archive.writestr(path, version.body or "")
            paths[doc.id] = path
        for entry in data["documents"]:
            entry["file"] = paths.get(entry["id"])
        archive.writestr("manifest.json", json.dumps(data, ensure_ascii=False, indent=2))
    size = out.tell()
    out.seek(0)
    if size <= SMALL_ARCHIVE:
        data = out.read()
        out.close()
        response = Response(data, mimetype="application/zip")
        response.headers["Content-Disposition"] = f'attachment; filename="{space.slug}-documents.zip"'
    else:
        response = send_file(out, mimetype="application/zip", as_attachment=True,
                             download_name=f"{space.slug}-documents.zip", max_age=0)
        response.content_length = size
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
