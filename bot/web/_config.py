"""The dashboard's configuration, checked once at startup."""

from __future__ import annotations

from dataclasses import dataclass

from bot.errors import ConfigError
from bot.settings import Settings

DEFAULT_API_BASE = "https://discord.com/api/v10"


@dataclass(frozen=True)
class DashboardConfig:
    """Where the dashboard lives, how it logs people in with Discord, its secrets."""

    public_url: str  # no trailing slash
    client_id: int
    client_secret: str
    secret_key: bytes
    authorize_url: str
    api_base: str
    session_ttl_s: float
    trust_forwarded: bool
    lookups_per_minute: int = 60

    @property
    def redirect_uri(self) -> str:
        """The exact OAuth2 redirect to register in the developer portal."""
        return f"{self.public_url}/callback"

    @property
    def https(self) -> bool:
        """Whether people reach the dashboard over HTTPS (cookies then always Secure)."""
        return self.public_url.startswith("https://")

    @classmethod
    def from_settings(cls, settings: Settings) -> DashboardConfig:
        """The configuration, or a one-line ConfigError naming what is missing."""
        url, client_id = settings.dashboard_url, settings.discord_client_id
        secret, key = settings.discord_client_secret, settings.dashboard_secret_key
        if not (url and client_id and secret and key):
            missing = [
                name
                for name, value in (
                    ("DASHBOARD_URL", url),
                    ("DISCORD_CLIENT_ID", client_id),
                    ("DISCORD_CLIENT_SECRET", secret),
                    ("DASHBOARD_SECRET_KEY", key),
                )
                if not value
            ]
            raise ConfigError(f"The dashboard needs {', '.join(missing)} (see the README).")
        if len(key.get_secret_value()) < 32:
            raise ConfigError("DASHBOARD_SECRET_KEY must be at least 32 characters long.")
        if settings.http_port is not None and settings.http_port == settings.dashboard_port:
            # /metrics and the health checks are for operators: never on the public port.
            raise ConfigError("DASHBOARD_PORT and HTTP_PORT must differ (see the README).")
        return cls(
            public_url=url.rstrip("/"),
            client_id=client_id,
            client_secret=secret.get_secret_value(),
            secret_key=key.get_secret_value().encode(),
            authorize_url=settings.discord_oauth_url,
            api_base=(settings.discord_api_base or DEFAULT_API_BASE).rstrip("/"),
            session_ttl_s=settings.dashboard_session_hours * 3600,
            trust_forwarded=settings.dashboard_trust_forwarded,
            lookups_per_minute=settings.dashboard_lookups_per_minute,
        )
