"""Helpers shared by the SOS tests: relaying everything pending, signed Twilio webhooks, audio."""

from __future__ import annotations

import io
import math
import struct
import wave

from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from backend.extensions import db
from backend.models.sos import Delivery, OutboxMessage
from backend.sos import relay
from tests.sos.conftest import PUBLIC_BASE_URL
from tests.support.twilio_mock import sign


def relay_pending() -> None:
    """Process every unprocessed outbox job, as the worker would."""
    for job_id in db.session.execute(select(OutboxMessage.id).where(
            OutboxMessage.processed_at.is_(None)).order_by(OutboxMessage.created_at)
    ).scalars().all():
        relay.process_outbox_message(job_id)


def deliveries(**filters: object) -> list[Delivery]:
    query = select(Delivery).order_by(Delivery.created_at, Delivery.id)
    for name, value in filters.items():
        query = query.where(getattr(Delivery, name) == value)
    db.session.expire_all()
    return list(db.session.execute(query).scalars())


def twilio_post(client: FlaskClient, path: str, params: dict[str, str], *,
                signature: str | None = None) -> TestResponse:
    """POST a form to a webhook, signed as Twilio would sign it for PUBLIC_BASE_URL."""
    signature = signature if signature is not None else sign(PUBLIC_BASE_URL + path, params)
    return client.post(path, data=params, headers={"X-Twilio-Signature": signature})


def wav_bytes(seconds: float = 1.0, rate: int = 8000) -> bytes:
    """A real mono 16-bit PCM WAV file with a tone."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        frames = b"".join(struct.pack("<h", int(8000 * math.sin(i / 8)))
                          for i in range(int(seconds * rate)))
        out.writeframes(frames)
    return buffer.getvalue()
