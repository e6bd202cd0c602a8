"""Bulk generation of realistic documents for load tests (``parvis seed``)."""

from __future__ import annotations

from typing import Any

from parvis import hookimpl

FOLDERS = ("Comptes rendus", "Ordres du jour", "Présentations", "Guides et procédures", "Archives",
           "Budget", "Communication", "Ressources")
SUBFOLDERS = ("2025", "2026", "Brouillons", "Validés")


@hookimpl
def parvis_seed_content(space: Any, module_id: str, users: list[Any], count: int, rng: Any) -> int | None:
    """Create ``count`` markdown notes in the folders of ``space`` (a few folders and
    sub-folders, created when the space has none), dated over two years. Notes live in
    the database, so no file storage is needed."""
    if module_id != "documents":
        return None
    from flask import url_for

    from parvis.extensions import db
    from parvis.seeding import add_activities, french, insert_rows, sorted_dates, update_rows
    from parvis.services.markdown import plain_text

    from .models import DocFolder, Document, DocumentVersion
    from .names import name_key
    from .policy import CONTENT_TYPE

    text = french()
    author_ids = [u.id for u in users] or [space.created_by_id]
    folder_ids: list[int | None] = list(db.session.scalars(db.select(DocFolder.id).filter_by(space_id=space.id)))
    if not folder_ids:
        names = rng.sample(FOLDERS, rng.randint(3, 6))
        top = insert_rows(DocFolder, [
            {"space_id": space.id, "name": n, "name_key": name_key(n), "created_by_id": rng.choice(author_ids)}
            for n in names])
        parent = rng.choice(top)
        sub = insert_rows(DocFolder, [
            {"space_id": space.id, "parent_id": parent, "name": n, "name_key": name_key(n),
             "created_by_id": rng.choice(author_ids)} for n in SUBFOLDERS])
        folder_ids = top + sub
    folder_ids.append(None)  # some notes at the root
    taken = {(f, k) for f, k in db.session.execute(
        db.select(Document.folder_id, Document.name_key).filter_by(space_id=space.id))}
    docs, bodies = [], []
    for n, when in enumerate(sorted_dates(rng, count)):
        folder_id = rng.choice(folder_ids)
        name = text.title(rng, 120) + ".md"
        if (folder_id, name_key(name)) in taken:
            name = f"{name[:-3]} ({n + 1}).md"
        taken.add((folder_id, name_key(name)))
        body = "# " + name[:-3] + "\n\n" + text.markdown(rng)
        author = rng.choice(author_ids)
        docs.append({
            "space_id": space.id, "folder_id": folder_id, "name": name, "name_key": name_key(name), "kind": "note",
            "content_type": "text/markdown", "preview": "note", "size": len(body.encode()), "version_count": 1,
            "owner_id": author, "updated_by_id": author, "created_at": when, "updated_at": when,
        })
        bodies.append(body)
    ids = insert_rows(Document, docs)
    version_ids = insert_rows(DocumentVersion, [
        {"document_id": doc_id, "space_id": space.id, "number": 1, "body": body, "filename": doc["name"],
         "content_type": "text/markdown", "preview": "note", "size": doc["size"],
         "text_content": plain_text(body)[:20000], "author_id": doc["owner_id"], "created_at": doc["created_at"]}
        for doc_id, doc, body in zip(ids, docs, bodies, strict=True)
    ])
    update_rows(Document, [{"id": d, "current_version_id": v} for d, v in zip(ids, version_ids, strict=True)])
    add_activities(space, [
        {"verb": "documents.note_created", "actor_id": doc["owner_id"], "target_type": CONTENT_TYPE,
         "target_id": doc_id, "title": doc["name"],
         "url": url_for("documents.show", space_slug=space.slug, doc_id=doc_id), "created_at": doc["created_at"]}
        for doc_id, doc in zip(ids, docs, strict=True)
    ])
    return len(ids)
