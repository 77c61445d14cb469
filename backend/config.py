"""The one place that reads configuration: the process environment, validated at start.

Every setting has a safe default that runs the product on the embedded default (SQLite file, filesystem
broker, Twilio and FCM in dry-run). A bad value stops the process with a readable message, never a traceback.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

SUPPORTED_LOCALES: tuple[str, ...] = ("tg", "ru", "en")


class ConfigError(Exception):
    """A setting in the environment is missing or malformed; the message says which and why."""


class Settings(BaseModel):
    """Typed settings. Field names map to upper-case environment variables (``database_url`` →
    ``DATABASE_URL``). ``.env.example`` in ``infra/`` documents each one."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    env: Literal["development", "production", "test"] = Field("development", alias="HUSHBAKHT_ENV")
    data_dir: Path = Field(Path("var"), alias="HUSHBAKHT_DATA_DIR")
    secret_key: str = Field("", alias="SECRET_KEY")

    database_url: str = Field("", alias="DATABASE_URL")
    broker_url: str = Field("", alias="CELERY_BROKER_URL")
    redis_url: str = Field("", alias="REDIS_URL")

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", alias="LOG_LEVEL")
    default_locale: Literal["tg", "ru", "en"] = Field("tg", alias="DEFAULT_LOCALE")
    page_limit_max: int = Field(50, ge=1, le=500, alias="PAGE_LIMIT_MAX")
    cache_max_age: int = Field(60, ge=0, le=86400, alias="CACHE_MAX_AGE")
    public_base_url: str = Field("http://127.0.0.1:8000", alias="PUBLIC_BASE_URL")
    # Editorial workflow (docs/editorial.md): the moderation model registry and the edit lock length.
    moderation_registry_dir: str = Field("", alias="MODERATION_REGISTRY_DIR")
    edit_lock_minutes: int = Field(15, ge=1, le=240, alias="EDIT_LOCK_MINUTES")

    # Staff accounts and the hotline console (docs/staff_accounts.md).
    staff_session_idle_minutes: int = Field(30, ge=1, le=1440, alias="STAFF_SESSION_IDLE_MINUTES")
    staff_session_max_hours: int = Field(12, ge=1, le=72, alias="STAFF_SESSION_MAX_HOURS")
    staff_lockout_threshold: int = Field(5, ge=1, le=100, alias="STAFF_LOCKOUT_THRESHOLD")
    staff_lockout_minutes: int = Field(15, ge=1, le=1440, alias="STAFF_LOCKOUT_MINUTES")
    staff_login_rate_limit: str = Field("20 per minute", alias="STAFF_LOGIN_RATE_LIMIT")
    staff_token_days: int = Field(30, ge=1, le=365, alias="STAFF_TOKEN_DAYS")
    staff_default_time_zone: str = Field("Asia/Dushanbe", alias="STAFF_DEFAULT_TIME_ZONE")
    retention_days_after_close: int = Field(90, ge=1, le=3650, alias="RETENTION_DAYS_AFTER_CLOSE")
    # argon2id cost for staff passwords; "fast" is for test suites only and refused in production.
    staff_password_hashing: Literal["standard", "fast"] = Field(
        "standard", alias="STAFF_PASSWORD_HASHING")

    # Hidden SOS relay (docs/sos.md): Twilio, the on-call chain, escalation, voice, push, App Check.
    twilio_account_sid: str = Field("", alias="TWILIO_ACCOUNT_SID")
    twilio_auth_token: str = Field("", alias="TWILIO_AUTH_TOKEN")
    twilio_from_number: str = Field("", alias="TWILIO_FROM_NUMBER")
    twilio_api_base_url: str = Field("", alias="TWILIO_API_BASE_URL")
    twilio_mode: Literal["live", "test"] = Field("live", alias="TWILIO_MODE")
    twilio_timeout_seconds: float = Field(10.0, gt=0, le=60, alias="TWILIO_TIMEOUT_SECONDS")
    hotline_numbers: str = Field("", alias="HOTLINE_NUMBERS")
    drill_numbers: str = Field("", alias="DRILL_NUMBERS")
    hotline_language: Literal["tg", "ru"] = Field("tg", alias="HOTLINE_LANGUAGE")
    escalation_seconds: int = Field(120, ge=5, le=3600, alias="ESCALATION_SECONDS")
    encryption_keys: str = Field("", alias="ENCRYPTION_KEYS")
    voice_max_bytes: int = Field(2_000_000, ge=1000, le=8_000_000, alias="VOICE_MAX_BYTES")
    voice_max_seconds: int = Field(120, ge=5, le=600, alias="VOICE_MAX_SECONDS")
    firebase_credentials_file: str = Field("", alias="FIREBASE_CREDENTIALS_FILE")
    firebase_project_id: str = Field("", alias="FIREBASE_PROJECT_ID")
    app_check_enabled: bool = Field(False, alias="APP_CHECK_ENABLED")
    rate_limit_key_prefix: str = Field("hb", alias="RATE_LIMIT_KEY_PREFIX")
    # Broker queues are "<prefix>.sos" (the SOS relay) and "<prefix>.background" (everything else).
    celery_queue_prefix: str = Field("hb", alias="CELERY_QUEUE_PREFIX",
                                     pattern=r"^[A-Za-z0-9_-]{1,64}$")

    @field_validator("hotline_numbers", "drill_numbers")
    @classmethod
    def _e164_list(cls, value: str) -> str:
        import re

        numbers = [n.strip() for n in value.split(",") if n.strip()]
        for number in numbers:
            if not re.fullmatch(r"\+[1-9][0-9]{6,14}", number):
                raise ValueError("must be comma-separated E.164 numbers such as +992900000001")
        return ",".join(numbers)

    @field_validator("twilio_from_number")
    @classmethod
    def _e164(cls, value: str) -> str:
        import re

        if value and not re.fullmatch(r"\+[1-9][0-9]{6,14}", value.strip()):
            raise ValueError("must be an E.164 number such as +15005550006")
        return value.strip()

    @field_validator("twilio_api_base_url")
    @classmethod
    def _twilio_base(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must be an absolute http:// or https:// URL")
        return value.rstrip("/")

    @field_validator("staff_default_time_zone")
    @classmethod
    def _known_time_zone(cls, value: str) -> str:
        from zoneinfo import available_timezones

        if value not in available_timezones():
            raise ValueError("must be an IANA time zone such as Asia/Dushanbe")
        return value

    @field_validator("staff_login_rate_limit")
    @classmethod
    def _rate_limit_syntax(cls, value: str) -> str:
        from limits import parse_many

        try:
            parse_many(value)
        except ValueError:
            raise ValueError("must be a rate such as '20 per minute'") from None
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url_scheme(cls, value: str) -> str:
        if value and not value.startswith(("postgresql", "sqlite")):
            raise ValueError("must start with postgresql:// (or postgresql+psycopg://) or sqlite://")
        return value.replace("postgresql://", "postgresql+psycopg://", 1)

    @field_validator("broker_url")
    @classmethod
    def _broker_url_scheme(cls, value: str) -> str:
        allowed = ("redis://", "rediss://", "amqp://", "amqps://", "pyamqp://", "filesystem://",
                   "memory://")
        if value and not value.startswith(allowed):
            raise ValueError("must be a redis://, amqp:// or filesystem:// URL")
        return value

    @field_validator("public_base_url")
    @classmethod
    def _public_base_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an absolute http:// or https:// URL")
        return value.rstrip("/")

    # -- derived values -------------------------------------------------------------------------
    @property
    def embedded(self) -> bool:
        """True on the quick-start default: no DATABASE_URL, so SQLite and the filesystem broker."""
        return not self.database_url

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'hushbakht.sqlite3').resolve()}"

    @property
    def celery_broker_url(self) -> str:
        if self.broker_url:
            return self.broker_url
        if self.redis_url:
            return self.redis_url
        return "filesystem://"

    @property
    def broker_folder(self) -> Path:
        return (self.data_dir / "broker").resolve()

    def effective_secret_key(self) -> str:
        if self.secret_key:
            return self.secret_key
        # Development only: a key kept in the data folder so sessions survive restarts.
        path = self.data_dir / "secret_key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(os.urandom(32).hex())
            path.chmod(0o600)
        return path.read_text().strip()

    def check_production(self) -> None:
        """Refuse settings that are only safe on a developer's machine."""
        if self.env != "production":
            return
        problems = []
        if not self.secret_key or len(self.secret_key) < 32:
            problems.append("SECRET_KEY must be set to at least 32 random characters")
        if not self.database_url.startswith("postgresql"):
            problems.append("DATABASE_URL must point at PostgreSQL")
        if not self.public_base_url.startswith("https://"):
            problems.append("PUBLIC_BASE_URL must be https://")
        if problems:
            raise ConfigError("production settings refused: " + "; ".join(problems))


def load_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Read and validate settings from ``environ`` (default: the process environment).

    ``overrides`` take precedence (tests use them). Raises ConfigError with one line per bad value.
    """
    source = dict(os.environ if environ is None else environ)
    for key, value in overrides.items():
        source[key] = str(value)
    try:
        settings = Settings.model_validate(_by_alias(source))
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            name = ".".join(str(p) for p in err["loc"])
            lines.append(f"  {name}: {err['msg']} (got {err.get('input')!r})")
        raise ConfigError("invalid configuration:\n" + "\n".join(lines)) from None
    settings.check_production()
    return settings


def _by_alias(source: Mapping[str, str]) -> dict[str, str]:
    aliases = {
        (field.alias or name).upper(): field.alias or name
        for name, field in Settings.model_fields.items()
    }
    return {aliases[key.upper()]: value for key, value in source.items() if key.upper() in aliases}
