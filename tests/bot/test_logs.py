import json
import logging
from collections.abc import Iterator

import pytest

from bot.logs import JsonFormatter, RedactingFilter, configure_logging


def record(message: str, *args: object, exc: BaseException | None = None) -> logging.LogRecord:
    exc_info = (type(exc), exc, exc.__traceback__) if exc else None
    return logging.LogRecord("bot.test", logging.WARNING, __file__, 1, message, args, exc_info)


def test_secrets_are_masked_in_messages_and_tracebacks() -> None:
    secret = "AIzaFAKE-not-a-real-key-0123456789"
    try:
        raise RuntimeError(f"request failed with key={secret}")
    except RuntimeError as error:
        entry = record("calling with %s", secret, exc=error)
    assert RedactingFilter([secret]).filter(entry)
    assert secret not in entry.getMessage()
    assert entry.exc_text is not None
    assert secret not in entry.exc_text
    assert "[redacted]" in entry.getMessage()


def test_json_lines_carry_level_logger_message_and_extras() -> None:
    entry = record("job %d done", 42)
    entry.job_id = 42
    line = json.loads(JsonFormatter().format(entry))
    assert line["level"] == "warning"
    assert line["logger"] == "bot.test"
    assert line["message"] == "job 42 done"
    assert line["job_id"] == 42


@pytest.fixture
def restored_root_logger() -> Iterator[None]:
    """configure_logging replaces the root handlers (pytest's own among them): put them back."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


@pytest.mark.usefixtures("restored_root_logger")
def test_configure_logging_installs_one_redacting_json_handler(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("INFO", "json", secrets=["supersecretvalue"])
    assert len(logging.getLogger().handlers) == 1
    logging.getLogger("bot.x").info("token is %s", "supersecretvalue")
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert json.loads(err)["message"] == "token is [redacted]"
