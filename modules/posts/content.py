"""Thin access to the core content services (comments, reactions, attachments).

Imports are done at call time so the module loads even while a platform build lacks
one of these services; every helper works on a batch of posts (bounded queries).
"""

from __future__ import annotations

from typing import Any

from .service import CONTENT_TYPE


def comment_counts(ids: list[int]) -> dict[int, int]:
    """Number of comments per post id (one query)."""
    if not ids:
        return {}
    from parvis.services import comments

    return comments.comment_counts(CONTENT_TYPE, ids)


def reaction_summaries(ids: list[int], user: Any) -> dict[int, list[tuple[str, int, bool]]]:
    """``{post_id: [(emoji, count, mine), ...]}`` (one query)."""
    if not ids:
        return {}
    from parvis.services import reactions

    return reactions.reaction_summary(CONTENT_TYPE, ids, user)


def attachments_of(ids: list[int]) -> dict[int, list[Any]]:
    """Attachments per post id (one query)."""
    if not ids:
        return {}
    from parvis.services import attachments

    return attachments.attachments_for(CONTENT_TYPE, ids)


def save_upload(file_storage: Any, *, space: Any, uploader: Any, post_id: int) -> Any:
    """Store an uploaded file and attach it to the post."""
    from parvis.services import attachments

    return attachments.save_upload(
        file_storage, space=space, uploader=uploader, target_type=CONTENT_TYPE, target_id=post_id
    )


def add_comment(*, space: Any, post_id: int, author: Any, body: str) -> Any:
    from parvis.services import comments

    return comments.add_comment(
        space=space, target_type=CONTENT_TYPE, target_id=post_id, author=author, body=body
    )


def discard(saved: list[Any], actor: Any) -> None:
    """Delete attachments (rows and stored files) saved before a refused upload."""
    from parvis.services import attachments

    for attachment in saved:
        attachments.delete_attachment(attachment, actor)
