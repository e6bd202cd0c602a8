"""Outgoing e-mail: file (default, under instance/mail), console, memory (tests) or SMTP."""

from __future__ import annotations

import smtplib
import sys
from email.message import EmailMessage
from pathlib import Path

from flask import current_app

#: Messages sent with the ``memory`` backend (tests read them).
OUTBOX: list[EmailMessage] = []


def send_mail(to: str, subject: str, body: str) -> EmailMessage:
    """Send a plain-text message through the configured backend."""
    cfg = current_app.config
    msg = EmailMessage()
    msg["From"] = cfg["MAIL_FROM"]
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content(body)
    backend = cfg["MAIL_BACKEND"]
    if backend == "memory":
        OUTBOX.append(msg)
    elif backend == "console":
        print(msg.as_string(), file=sys.stderr)  # noqa: T201
    elif backend == "smtp":
        with smtplib.SMTP(cfg["MAIL_SMTP_HOST"], cfg["MAIL_SMTP_PORT"], timeout=15) as smtp:
            if cfg["MAIL_SMTP_TLS"]:
                smtp.starttls()
            if cfg["MAIL_SMTP_USER"]:
                smtp.login(cfg["MAIL_SMTP_USER"], cfg["MAIL_SMTP_PASSWORD"] or "")
            smtp.send_message(msg)
    else:
        folder = Path(cfg["MAIL_DIR"])
        folder.mkdir(parents=True, exist_ok=True)
        from datetime import datetime

        name = datetime.now().strftime("%Y%m%d-%H%M%S-%f") + ".eml"
        (folder / name).write_bytes(bytes(msg))
    return msg
