"""The voice message: resumable chunked upload, format checks by content, encrypted storage, and
short-lived signed URLs for Twilio's ``<Play>`` and the console.

Upload protocol (``PUT /api/v1/alerts/{id}/voice``, docs in the mobile contract): each request
carries ``Content-Range: bytes start-end/total``. Chunks must continue where the server stopped;
a chunk that overlaps what is already stored is trimmed (re-sending after a dropped answer is safe);
``Content-Range: bytes */total`` with an empty body asks where to resume. When the last byte arrives,
the whole file is checked (WAV or MP3, by content; size and duration capped) and stored encrypted
in the database; the chunks are deleted.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import struct
import time
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import delete, select

from backend.clock import as_utc, now
from backend.errors import Problem
from backend.extensions import db
from backend.models.content import new_id
from backend.models.sos import ALERT_CLOSED, Alert, AlertEvent, VoiceChunk, VoiceMessage
from backend.security.encryption import get_cipher

CONTENT_RANGE = re.compile(r"^bytes (?:(\d+)-(\d+)|\*)/(\d+)$")
SIGNED_URL_SECONDS = 600


@dataclass(frozen=True)
class UploadState:
    received_bytes: int
    total_bytes: int
    complete: bool
    duration_ms: int | None = None
    media_type: str | None = None


def _settings() -> Any:
    from backend.app import get_settings

    return get_settings(current_app)


def parse_content_range(header: str | None) -> tuple[int | None, int | None, int]:
    """``(start, end, total)``; start/end are None for a status query (``bytes */total``)."""
    match = CONTENT_RANGE.match((header or "").strip())
    if not match:
        raise Problem(400, "content-range-required", "Content-Range required",
                      "Send Content-Range: bytes start-end/total (or bytes */total to ask "
                      "where to resume).")
    total = int(match.group(3))
    if match.group(1) is None:
        return None, None, total
    start, end = int(match.group(1)), int(match.group(2))
    if end < start or end >= total:
        raise Problem(416, "range-not-satisfiable", "Range not satisfiable",
                      "The range must lie within the total size.")
    return start, end, total


def upload_chunk(alert: Alert, start: int | None, end: int | None, total: int,
                 data: bytes) -> UploadState:
    """Store one chunk (or answer a status query) and finish the upload when complete."""
    settings = _settings()
    if total > settings.voice_max_bytes:
        raise Problem(413, "voice-too-large", "Voice message too large",
                      f"At most {settings.voice_max_bytes} bytes.", max_bytes=settings.voice_max_bytes)
    if alert.status == ALERT_CLOSED:
        raise Problem(409, "alert-closed", "Alert closed", "This alert is closed.")
    voice = db.session.execute(select(VoiceMessage).where(VoiceMessage.alert_id == alert.id)
                               .with_for_update()).scalar_one_or_none()
    if voice is None:
        voice = VoiceMessage(alert_id=alert.id, total_bytes=total, received_bytes=0,
                             complete=False, created_at=now())
        db.session.add(voice)
        db.session.flush()
    if voice.complete:
        db.session.commit()
        return _state(voice)
    if voice.total_bytes != total:
        if voice.received_bytes == 0:
            voice.total_bytes = total
        else:
            raise Problem(409, "voice-size-changed", "Upload size changed",
                          "Finish the started upload or start a new alert.",
                          received_bytes=voice.received_bytes)
    if start is None or end is None:
        db.session.commit()
        return _state(voice)
    if len(data) != end - start + 1:
        raise Problem(400, "chunk-length-mismatch", "Chunk length mismatch",
                      "The body length must equal the Content-Range length.")
    if start > voice.received_bytes:
        raise Problem(416, "range-not-satisfiable", "Chunk does not continue the upload",
                      "Resume from received_bytes.", received_bytes=voice.received_bytes)
    fresh = data[voice.received_bytes - start:]
    if fresh:
        chunk_id = new_id()
        db.session.add(VoiceChunk(
            id=chunk_id, alert_id=alert.id, offset=voice.received_bytes, length=len(fresh),
            data_enc=get_cipher().encrypt_blob(fresh, context=f"sos_voice_chunk.data:{chunk_id}")))
        voice.received_bytes += len(fresh)
    if voice.received_bytes == voice.total_bytes:
        _finish(voice)
    db.session.commit()
    return _state(voice)


def _finish(voice: VoiceMessage) -> None:
    cipher = get_cipher()
    chunks = db.session.execute(select(VoiceChunk).where(VoiceChunk.alert_id == voice.alert_id)
                                .order_by(VoiceChunk.offset)).scalars().all()
    audio = b"".join(cipher.decrypt_blob(c.data_enc, context=f"sos_voice_chunk.data:{c.id}")
                     for c in chunks)
    settings = _settings()
    try:
        media_type, duration_ms = inspect_audio(audio)
    except AudioError as exc:
        _discard(voice)
        db.session.commit()
        raise Problem(422, "voice-unsupported", "Voice message not accepted", str(exc)) from None
    if duration_ms > settings.voice_max_seconds * 1000:
        _discard(voice)
        db.session.commit()
        raise Problem(422, "voice-too-long", "Voice message too long",
                      f"At most {settings.voice_max_seconds} seconds.")
    voice.audio_enc = cipher.encrypt_blob(audio, context=f"sos_voice.audio:{voice.alert_id}")
    voice.media_type, voice.duration_ms = media_type, duration_ms
    voice.complete, voice.completed_at = True, now()
    db.session.execute(delete(VoiceChunk).where(VoiceChunk.alert_id == voice.alert_id))
    db.session.add(AlertEvent(alert_id=voice.alert_id, kind="voice_received", actor="device",
                              detail={"duration_ms": duration_ms, "media_type": media_type}))


def _discard(voice: VoiceMessage) -> None:
    """A finished upload that failed the checks: forget it so the app can upload again."""
    db.session.execute(delete(VoiceChunk).where(VoiceChunk.alert_id == voice.alert_id))
    db.session.delete(voice)


def _state(voice: VoiceMessage) -> UploadState:
    return UploadState(voice.received_bytes, voice.total_bytes, voice.complete, voice.duration_ms,
                       voice.media_type)


# -- format checks -------------------------------------------------------------------------------
class AudioError(ValueError):
    """Not a supported, well-formed audio file."""


_MP3_BITRATES = {  # MPEG-1 layer III, MPEG-2/2.5 layer III (kbit/s)
    1: [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 0],
    2: [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 0],
}
_MP3_RATES = {3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000]}


def inspect_audio(data: bytes) -> tuple[str, int]:
    """``(media type, duration in ms)`` of a WAV or MP3 file, judged by its content.

    Twilio's ``<Play>`` plays WAV and MP3; the app records one of those (mobile contract).
    """
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "audio/wav", _wav_duration(data)
    if data[:3] == b"ID3" or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0):
        return "audio/mpeg", _mp3_duration(data)
    raise AudioError("the voice message must be WAV or MP3")


def _wav_duration(data: bytes) -> int:
    pos, byte_rate, data_size = 12, 0, None
    while pos + 8 <= len(data):
        chunk_id, size = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
        if chunk_id == b"fmt " and size >= 16:
            fmt, channels, rate, byte_rate = struct.unpack("<HHII", data[pos + 8:pos + 20])
            if fmt not in (1, 6, 7, 0xFFFE) or not 1 <= channels <= 2 or not 4000 <= rate <= 48000:
                raise AudioError("unsupported WAV encoding (PCM, A-law or µ-law, mono or stereo)")
        elif chunk_id == b"data":
            data_size = min(size, len(data) - pos - 8)
            break
        pos += 8 + size + (size & 1)
    if not byte_rate or data_size is None or data_size <= 0:
        raise AudioError("WAV file without format or audio data")
    return int(data_size * 1000 / byte_rate)


def _mp3_duration(data: bytes) -> int:
    pos = 0
    if data[:3] == b"ID3" and len(data) >= 10:
        size = data[6] << 21 | data[7] << 14 | data[8] << 7 | data[9]
        pos = 10 + size
    frames, duration = 0, 0.0
    while pos + 4 <= len(data):
        header = struct.unpack(">I", data[pos:pos + 4])[0]
        if header >> 21 != 0x7FF:
            break
        version = (header >> 19) & 3
        layer = (header >> 17) & 3
        bitrate_index = (header >> 12) & 15
        rate_index = (header >> 10) & 3
        padding = (header >> 9) & 1
        if version == 1 or layer != 1 or rate_index == 3 or bitrate_index in (0, 15):
            break
        bitrate = _MP3_BITRATES[1 if version == 3 else 2][bitrate_index] * 1000
        rate = _MP3_RATES[version][rate_index]
        samples = 1152 if version == 3 else 576
        length = samples // 8 * bitrate // rate + padding
        frames += 1
        duration += samples / rate
        pos += length
    if frames < 2:
        raise AudioError("not a well-formed MP3 (layer III) file")
    return int(duration * 1000)


# -- playback --------------------------------------------------------------------------------------
def _signature(alert_id: str, expires: int) -> str:
    key = hashlib.sha256(("voice-url:" + _settings().effective_secret_key()).encode()).digest()
    return hmac.new(key, f"{alert_id}:{expires}".encode(), hashlib.sha256).hexdigest()[:40]


def signed_voice_url(alert_id: str, seconds: int = SIGNED_URL_SECONDS) -> str:
    """A URL that plays the voice message for ``seconds`` (Twilio ``<Play>``, console)."""
    expires = int(time.time()) + seconds
    return (f"{_settings().public_base_url}/twilio/media/{alert_id}.audio"
            f"?exp={expires}&sig={_signature(alert_id, expires)}")


def check_voice_signature(alert_id: str, expires: str, signature: str) -> bool:
    try:
        exp = int(expires)
    except (TypeError, ValueError):
        return False
    return exp >= int(time.time()) and hmac.compare_digest(_signature(alert_id, exp), signature or "")


def voice_audio(alert_id: str) -> tuple[bytes, str] | None:
    """The decrypted audio and its media type, or None when there is no complete message."""
    voice = db.session.get(VoiceMessage, alert_id)
    if voice is None or not voice.complete or voice.audio_enc is None:
        return None
    audio = get_cipher().decrypt_blob(voice.audio_enc, context=f"sos_voice.audio:{alert_id}")
    return audio, voice.media_type or "application/octet-stream"


def voice_info(alert_id: str) -> dict[str, Any] | None:
    """What the console shows about the voice message (playback through a signed URL)."""
    voice = db.session.get(VoiceMessage, alert_id)
    if voice is None:
        return None
    info: dict[str, Any] = {"complete": voice.complete, "received_bytes": voice.received_bytes,
                            "total_bytes": voice.total_bytes, "duration_ms": voice.duration_ms,
                            "media_type": voice.media_type}
    if voice.complete:
        info["url"] = signed_voice_url(alert_id)
        info["completed_at"] = as_utc(voice.completed_at).isoformat() if voice.completed_at else None
    return info
