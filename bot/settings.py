"""Typed settings, read from the environment and an optional ``.env`` file.

Built once by the entry point (``Settings()``), never at import time, and handed to whatever
needs it. Secrets are ``SecretStr`` so they never show up in a repr, a log line or a traceback.
Every variable is documented in the README.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.errors import ConfigError

GEMINI_MAX_AUDIO_SECONDS = 9.5 * 3600
DISCORD_CDN_HOSTS = ("cdn.discordapp.com", "media.discordapp.net")
"""Where Discord serves attachments: the only hosts audio is downloaded from by default."""


def database_password(url: str) -> str | None:
    """The password in a database URL, if it has one (``postgresql://user:pw@host/db``)."""
    try:
        return make_url(url).password or None
    except ArgumentError:
        return None


class Settings(BaseSettings):
    """Every knob of the bot and the CLI. Field names map to upper-case env variables."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    # Gemini
    gemini_api_key: SecretStr | None = None
    gemini_model: str = "gemini-3.5-flash"
    gemini_base_url: str | None = Field(
        default=None, description="Endpoint override (a proxy, or the fake server in tests)."
    )
    gemini_timeout_seconds: float = Field(default=300.0, gt=0)
    gemini_attempts: int = Field(default=4, ge=1, le=10)
    gemini_max_retry_wait_seconds: float = Field(default=30.0, ge=0)
    gemini_requests_per_minute: int = Field(default=60, ge=1)
    gemini_max_output_tokens: int = Field(default=32768, ge=1024)
    gemini_inline_limit_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    price_input_per_million_tokens: float = Field(default=1.00, ge=0)
    price_output_per_million_tokens: float = Field(default=2.50, ge=0)  # thinking included
    price_cached_input_per_million_tokens: float = Field(default=0.25, ge=0)

    # Daily audio quotas (UTC days; 0 = unlimited)
    quota_user_minutes_per_day: float = Field(default=60.0, ge=0)
    quota_guild_minutes_per_day: float = Field(default=600.0, ge=0)

    # Audio limits
    max_duration_seconds: float = Field(default=GEMINI_MAX_AUDIO_SECONDS, gt=0)
    min_duration_seconds: float = Field(default=0.3, ge=0)
    max_bytes: int = Field(default=200 * 1024 * 1024, gt=0)
    chunk_seconds: float = Field(default=600.0, ge=30)
    chunk_concurrency: int = Field(default=3, ge=1, le=16)
    probe_timeout_seconds: float = Field(default=30.0, gt=0)

    # Files
    data_dir: Path = Path("data")
    work_dir: Path | None = None

    # Discord
    discord_token: SecretStr | None = None
    discord_client_id: int | None = Field(default=None, gt=0)  # the application id
    discord_api_base: str | None = None
    discord_gateway_url: str | None = None
    dev_guild_id: int | None = None
    database_url: SecretStr | None = None  # may carry a password: a secret like the keys
    shard_count: int | None = Field(default=None, ge=1)
    shard_ids: Annotated[tuple[int, ...], NoDecode] = ()
    job_concurrency: int = Field(default=4, ge=1, le=64)
    inline_message_cap: int = Field(default=4, ge=1, le=20)
    retention_days: float = Field(default=30.0, gt=0)
    guild_data_grace_days: float = Field(default=7.0, ge=0)
    job_lease_seconds: float = Field(default=60.0, ge=1)
    job_retry_delay_seconds: float = Field(default=60.0, ge=0)
    shutdown_grace_seconds: float = Field(default=30.0, ge=0)

    # Logging
    log_level: str = "INFO"
    log_format: str = Field(default="text", pattern="^(text|json)$")

    # Moderator review (see cogs/review)
    review_reports_per_hour: int = Field(default=5, ge=1, le=100)  # per member and server

    # Operations: health, metrics (see bot/ops)
    http_port: int | None = Field(default=None, ge=1, le=65535)  # None: no HTTP server
    http_host: str = "127.0.0.1"  # loopback: operators only (0.0.0.0 in a container)
    ready_queue_stall_seconds: float = Field(default=120.0, gt=0)

    # Ways in: links, reactions, vocabulary, engines, tiers
    download_hosts: Annotated[tuple[str, ...], NoDecode] = DISCORD_CDN_HOSTS
    download_private_networks: Annotated[tuple[str, ...], NoDecode] = ()
    video_max_seconds: float = Field(default=900.0, ge=10)
    transcribe_reaction: str = Field(default="\u270d\ufe0f", max_length=64)  # ✍️; "" = off
    transcribe_engine: Literal["gemini", "gemini-transcribe"] = "gemini"
    gemini_transcribe_model: str = "gemini-3.5-transcribe"
    gemini_service_tier_queued: Literal["standard", "flex"] = "standard"
    gemini_flex_timeout_seconds: float = Field(default=900.0, gt=0)
    price_flex_factor: float = Field(default=0.5, ge=0, le=1)

    @field_validator("download_hosts", "download_private_networks", mode="before")
    @classmethod
    def _parse_list(cls, value: object) -> object:
        """``DOWNLOAD_HOSTS=a.example,b.example`` (comma-separated) as well as a list."""
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    # Web dashboard (see bot/web)
    dashboard_host: str = "127.0.0.1"
    dashboard_port: int | None = Field(default=None, ge=0, le=65535)  # unset: none; 0: any free
    dashboard_url: str | None = None  # the public address, e.g. https://notes.example.org
    dashboard_trust_forwarded: bool = False  # behind a proxy: honour X-Forwarded-Proto
    dashboard_session_hours: float = Field(default=12.0, gt=0)
    dashboard_lookups_per_minute: int = Field(default=60, ge=1)  # members looked up via the bot
    discord_client_secret: SecretStr | None = None
    dashboard_secret_key: SecretStr | None = None
    discord_oauth_url: str = "https://discord.com/oauth2/authorize"

    @field_validator("shard_ids", mode="before")
    @classmethod
    def _parse_shard_ids(cls, value: object) -> object:
        """``SHARD_IDS=0,1,2`` (comma-separated) as well as a list."""
        if isinstance(value, str):
            return tuple(int(part) for part in value.replace(" ", "").split(",") if part)
        return value

    @model_validator(mode="after")
    def _limits_fit_gemini(self) -> Settings:
        if self.max_duration_seconds > GEMINI_MAX_AUDIO_SECONDS:
            raise ValueError("MAX_DURATION_SECONDS cannot exceed Gemini's 9.5 hour limit")
        if self.shard_ids and self.shard_count is None:
            raise ValueError("SHARD_IDS needs SHARD_COUNT (the total across all processes)")
        if any(not 0 <= shard < (self.shard_count or 0) for shard in self.shard_ids):
            raise ValueError("every SHARD_IDS entry must be between 0 and SHARD_COUNT - 1")
        if self.min_duration_seconds >= self.max_duration_seconds:
            raise ValueError("MIN_DURATION_SECONDS must be below MAX_DURATION_SECONDS")
        return self

    @property
    def retention_s(self) -> float:
        """How long transcripts, summaries and finished jobs are kept, in seconds."""
        return self.retention_days * 86400

    @property
    def guild_grace_s(self) -> float:
        """How long a server's data is kept after the bot is removed from it, in seconds."""
        return self.guild_data_grace_days * 86400

    @property
    def job_root(self) -> Path:
        """Where per-job temp dirs live (swept of stale dirs at startup): ``WORK_DIR``, else
        ``DATA_DIR/work`` when a data dir was configured, else the system temp dir, so
        running the CLI anywhere leaves nothing behind where it ran."""
        if self.work_dir is not None:
            return self.work_dir
        if "data_dir" in self.model_fields_set:
            return self.data_dir / "work"
        return Path(tempfile.gettempdir())

    @property
    def sqlite_default_url(self) -> str:
        """The embedded default database: a SQLite file under the data dir."""
        return f"sqlite+aiosqlite:///{(self.data_dir / 'voicenotes.sqlite3').resolve()}"

    def database(self) -> str:
        """The database URL to open (``DATABASE_URL``, else the SQLite default). It may hold
        a password: pass it to storage, never to a log line or a message."""
        if self.database_url is not None and self.database_url.get_secret_value().strip():
            return self.database_url.get_secret_value()
        return self.sqlite_default_url

    def secrets(self) -> list[str]:
        """Every configured secret value, for the log redaction filter: the keys, the token,
        the database URL and the password inside it."""
        values = [
            self.gemini_api_key,
            self.discord_token,
            self.database_url,
            self.discord_client_secret,
            self.dashboard_secret_key,
        ]
        found = [v.get_secret_value() for v in values if v is not None]
        password = database_password(self.database())
        return [*found, *([password] if password else [])]

    def require_gemini_key(self) -> SecretStr:
        """The API key, or a one-line error that says how to set it."""
        if self.gemini_api_key is None or not self.gemini_api_key.get_secret_value().strip():
            raise ConfigError("GEMINI_API_KEY is not set: put it in the environment or in .env")
        return self.gemini_api_key
