"""The test suite's bounded loop teardown (tests/helpers/loop_teardown.py)."""

from __future__ import annotations

import asyncio

import pytest

from tests.helpers import loop_teardown


def test_a_task_that_ignores_cancellation_is_named_and_abandoned(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(loop_teardown, "GRACE_S", 0.2)
    loop = asyncio.new_event_loop()
    never = loop.create_future()

    async def stubborn() -> None:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            await never  # swallows the cancellation and waits for ever

    async def polite() -> None:
        await asyncio.sleep(3600)

    stuck = loop.create_task(stubborn(), name="stubborn")
    fine = loop.create_task(polite(), name="polite")
    loop.run_until_complete(asyncio.sleep(0))
    loop_teardown.cancel_all_tasks_bounded(loop)
    assert fine.cancelled()
    assert not stuck.done()
    assert "name='stubborn'" in capsys.readouterr().err
    never.set_result(None)
    loop.run_until_complete(stuck)
    loop.close()
