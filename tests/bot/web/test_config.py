"""The dashboard's configuration: what is missing is named, secrets stay secret."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import SecretStr

from bot.errors import ConfigError
from bot.web import DashboardConfig

COMPLETE: dict[str, Any] = {
    "dashboard_port": 8080,
    "dashboard_url": "https://notes.example.org/",
    "discord_client_id": 1234,
    "discord_client_secret": SecretStr("client-secret-value"),
    "dashboard_secret_key": SecretStr("s" * 32),
}


def test_a_complete_configuration(make_settings: Any) -> None:
    config = DashboardConfig.from_settings(make_settings(**COMPLETE))
    assert config.redirect_uri == "https://notes.example.org/callback"
    assert config.https
    assert config.api_base == "https://discord.com/api/v10"
    assert config.session_ttl_s == 12 * 3600


@pytest.mark.parametrize(
    ("missing", "env"),
    [
        ("dashboard_url", "DASHBOARD_URL"),
        ("discord_client_id", "DISCORD_CLIENT_ID"),
        ("discord_client_secret", "DISCORD_CLIENT_SECRET"),
        ("dashboard_secret_key", "DASHBOARD_SECRET_KEY"),
    ],
)
def test_each_missing_value_is_named(make_settings: Any, missing: str, env: str) -> None:
    values = {k: v for k, v in COMPLETE.items() if k != missing}
    with pytest.raises(ConfigError, match=env):
        DashboardConfig.from_settings(make_settings(**values))


def test_a_short_secret_key_is_refused_without_showing_it(make_settings: Any) -> None:
    values = COMPLETE | {"dashboard_secret_key": SecretStr("short-key")}
    with pytest.raises(ConfigError) as raised:
        DashboardConfig.from_settings(make_settings(**values))
    assert "32 characters" in str(raised.value)
    assert "short-key" not in str(raised.value)


def test_the_secrets_are_redacted_from_logs(make_settings: Any) -> None:
    secrets = make_settings(**COMPLETE).secrets()
    assert "client-secret-value" in secrets
    assert "s" * 32 in secrets


def test_the_operators_port_is_never_the_dashboards(make_settings: Any) -> None:
    values = COMPLETE | {"dashboard_port": 8443, "http_port": 8443}
    with pytest.raises(ConfigError, match=r"^DASHBOARD_PORT and HTTP_PORT must differ"):
        DashboardConfig.from_settings(make_settings(**values))
    assert DashboardConfig.from_settings(make_settings(**values | {"http_port": 8080}))
