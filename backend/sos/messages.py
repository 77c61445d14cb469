"""What the hotline reads and hears, in its language (tg or ru). No text ever goes to the survivor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from backend.clock import as_utc


@dataclass(frozen=True)
class AlertFacts:
    """The facts a summary is made of (decrypted for the moment of sending only)."""

    code: str
    created_at: datetime
    drill: bool
    lat: float | None = None
    lon: float | None = None
    accuracy_m: float | None = None
    callback: str = ""
    has_voice: bool = False
    trigger: str = "button"
    channel: str = "data"


_WORDS = {
    "tg": {
        "drill": "МАШҚ",
        "where": "Ҷой",
        "unknown": "ҷой маълум нест",
        "accept": "Қабул: занг ва 1, ё ҷавоби SMS «1 {code}»",
        "cancelled": "бекор карда шуд (аз ҷониби худаш)",
        "duress": "ХАТАР: бекоркунӣ маҷбурӣ буд, сигнал фаъол аст",
        "escalated": "ҶАВОБ НЕСТ, навбатдор",
        "sms": "тавассути SMS",
        "voice_intro": "Сигнали SOS",
        "press": "Барои қабул 1-ро пахш кунед.",
        "contact": "Хатти боварии 1313 огоҳ карда шуд",
    },
    "ru": {
        "drill": "УЧЕНИЯ",
        "where": "Место",
        "unknown": "место неизвестно",
        "accept": "Принять: 1 в звонке или SMS «1 {code}»",
        "cancelled": "отменён ею самой",
        "duress": "ОПАСНОСТЬ: отмена под давлением, сигнал активен",
        "escalated": "НЕТ ОТВЕТА, следующий дежурный",
        "sms": "по SMS",
        "voice_intro": "Сигнал SOS",
        "press": "Чтобы принять, нажмите 1.",
        "contact": "Горячая линия 1313 уведомлена",
    },
}


def _local_time(moment: datetime, time_zone: str) -> str:
    return as_utc(moment).astimezone(ZoneInfo(time_zone)).strftime("%d.%m %H:%M")


def map_link(lat: float, lon: float) -> str:
    return f"https://maps.google.com/?q={lat:.5f},{lon:.5f}"


def alert_sms(facts: AlertFacts, language: str, time_zone: str, purpose: str = "alert", *,
              for_contact: bool = False) -> str:
    """The hotline's SMS: alert code, time, location link and accuracy, callback policy.

    A trusted contact's SMS leaves out the callback policy (her codeword is for the hotline) and the
    acceptance line, and points to the 1313 hotline instead.
    """
    w = _WORDS[language]
    head = f"{w['drill']} " if facts.drill else ""
    head += f"SOS {facts.code} {_local_time(facts.created_at, time_zone)}"
    if purpose == "cancel":
        return f"{head}: {w['cancelled']}"
    if purpose == "duress":
        head += f" {w['duress']}"
    elif purpose == "escalate":
        head += f" {w['escalated']}"
    if facts.lat is not None and facts.lon is not None:
        where = f"{w['where']}: {map_link(facts.lat, facts.lon)}"
        if facts.accuracy_m is not None:
            where += f" ±{round(facts.accuracy_m)}m"
    else:
        where = w["unknown"]
    if for_contact:
        return ". ".join([head, where, w["contact"]])
    parts = [head, where, facts.callback]
    if facts.channel == "sms":
        parts.append(w["sms"])
    parts.append(w["accept"].format(code=facts.code))
    return ". ".join(p for p in parts if p)


def voice_script(facts: AlertFacts, language: str, time_zone: str) -> str:
    """What the call says before playing her message (Twilio has no Tajik voice: see docs/sos.md)."""
    w = _WORDS[language]
    parts = [w["drill"] if facts.drill else "", f"{w['voice_intro']} {' '.join(facts.code)}",
             _local_time(facts.created_at, time_zone)]
    if facts.lat is not None and facts.accuracy_m is not None:
        parts.append(f"{w['where']}: ±{round(facts.accuracy_m)} m, SMS")
    parts.append(facts.callback)
    return ". ".join(p for p in parts if p) + "."


def press_one(language: str) -> str:
    return _WORDS[language]["press"]
