"""Settings: the database URL is a secret, and workspaces land where the owner expects."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import Any

import pytest

from bot.logs import RedactingFilter
from bot.settings import Settings

URL = "postgresql://alice:hunter2-db-password@db.internal:5432/voicenotes"


def test_the_database_url_is_a_secret(make_settings: Any) -> None:
    settings = make_settings(database_url=URL)
    assert "hunter2" not in repr(settings)
    assert "hunter2" not in str(settings.model_dump())
    assert settings.database() == URL
    assert {URL, "hunter2-db-password"} <= set(settings.secrets())


def test_a_logged_database_url_is_redacted(make_settings: Any) -> None:
    record = logging.makeLogRecord({"msg": "connecting to %s", "args": (URL,)})
    RedactingFilter(make_settings(database_url=URL).secrets()).filter(record)
    assert record.getMessage() == "connecting to [redacted]"
    alone = logging.makeLogRecord({"msg": "password=hunter2-db-password"})
    RedactingFilter(make_settings(database_url=URL).secrets()).filter(alone)
    assert "hunter2" not in alone.getMessage()


def test_without_a_database_url_the_sqlite_file_lives_in_the_data_dir(make_settings: Any) -> None:
    settings = make_settings()
    assert settings.database() == settings.sqlite_default_url
    assert settings.database().endswith("/data/voicenotes.sqlite3")
    assert settings.secrets() == []


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"work_dir": Path("/srv/work"), "data_dir": Path("/srv/data")}, Path("/srv/work")),
        ({"data_dir": Path("/srv/data")}, Path("/srv/data/work")),
        ({}, Path(tempfile.gettempdir())),
    ],
)
def test_job_workspaces_go_to_work_dir_then_data_dir_then_the_system_temp_dir(
    values: dict[str, Any], expected: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("DATA_DIR", "WORK_DIR"):
        monkeypatch.delenv(name, raising=False)
    assert Settings(_env_file=None, **values).job_root == expected
