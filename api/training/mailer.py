"""Sending the outbox: the worker mails what registrants are told (confirmation links, seats freed) by SMTP.

A message is marked sent only after the server accepted it, so a failure is retried on the next round; with
several workers, each message is claimed by one (SKIP LOCKED on PostgreSQL)."""

from __future__ import annotations

import asyncio
import logging
import smtplib
from email.message import EmailMessage

from sqlalchemy import select

from api.core.config import Settings
from api.core.db import Database, utcnow
from api.training.models import Message

logger = logging.getLogger("cartesio.mailer")
BATCH = 50


def _send(settings: Settings, message: Message) -> None:
    mail = EmailMessage()
    mail["From"] = settings.smtp_from
    mail["To"] = message.to_email
    mail["Subject"] = message.subject
    mail.set_content(message.body)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=20) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_username and settings.smtp_password:
            smtp.login(settings.smtp_username, settings.smtp_password.get_secret_value())
        smtp.send_message(mail)


async def deliver(db: Database) -> int:
    """Send what is waiting; returns how many were sent."""
    settings = db.settings
    if not settings.smtp_host:
        return 0
    sent = 0
    async with db.session_scope() as session:
        stmt = select(Message).where(Message.sent_at.is_(None)).order_by(Message.id).limit(BATCH)
        if db.dialect == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        for message in (await session.scalars(stmt)).all():
            try:
                await asyncio.to_thread(_send, settings, message)
            except (OSError, smtplib.SMTPException) as exc:
                # The address is personal data: the log names the message, not its recipient.
                logger.warning("message %s not sent: %s", message.id, type(exc).__name__)
                continue
            message.sent_at = utcnow()
            sent += 1
    return sent
