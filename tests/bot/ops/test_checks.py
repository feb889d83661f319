"""Readiness checks: stuck workers told apart from busy ones and from a deliberate pause;
a database that does not answer is named once, not echoed by what depends on it."""

from __future__ import annotations

from datetime import timedelta

from bot.jobs import WorkerLoad
from bot.ops import DatabaseCheck, GeminiCheck, Readiness, WorkersCheck
from bot.storage import Storage
from testkit.postgres import PostgresServer
from testkit.tcp_proxy import TcpProxy
from tests.helpers.clocks import FakeClock
from tests.helpers.jobs import job_request

MODEL = "gemini-3.5-flash"
STALL_S = 120.0


def workers_check(storage: Storage, clock: FakeClock, load: WorkerLoad | None) -> WorkersCheck:
    return WorkersCheck(storage, lambda: load, model=MODEL, stall_s=STALL_S, clock=clock)


async def test_an_old_queued_job_with_idle_workers_means_stuck(
    storage: Storage, clock: FakeClock
) -> None:
    await storage.submit_job(job_request("a"))
    idle = workers_check(storage, clock, WorkerLoad(workers=2, busy=1))
    assert (await idle.run()).ok  # young enough
    clock.advance(STALL_S + 1)
    verdict = await idle.run()
    assert not verdict.ok
    assert verdict.detail == (
        "1 of 2 workers busy, 1 jobs queued, one for 2 min 1 s while workers sit idle"
    )
    # all workers busy: a backlog, not a fault
    assert (await workers_check(storage, clock, WorkerLoad(workers=2, busy=2)).run()).ok
    # a deliberate pause: the queue waits for Gemini's quota reset
    await storage.pause_gemini(MODEL, resume_at=clock.now + timedelta(hours=3), reason="quota")
    paused = await idle.run()
    assert paused.ok
    assert paused.detail.endswith("waiting for Gemini's quota reset")


async def test_workers_not_started_are_not_ready(storage: Storage, clock: FakeClock) -> None:
    assert not (await workers_check(storage, clock, None).run()).ok
    assert not (await workers_check(storage, clock, WorkerLoad(0, 0)).run()).ok


async def test_a_quota_pause_is_not_ready(storage: Storage, clock: FakeClock) -> None:
    check = GeminiCheck(storage, MODEL)
    assert (await check.run()).ok
    resume = clock.now + timedelta(hours=2)
    await storage.pause_gemini(MODEL, resume_at=resume, reason="quota_exceeded")
    verdict = await check.run()
    assert not verdict.ok
    assert verdict.detail == f"daily quota used up: paused until {resume.isoformat()}"


async def test_an_unreachable_database_is_named_and_its_dependents_skipped(
    postgres_server: PostgresServer, clock: FakeClock
) -> None:
    name = postgres_server.create_database()
    try:
        async with TcpProxy(postgres_server.port) as proxy:
            url = f"postgresql://postgres@127.0.0.1:{proxy.port}/{name}"
            storage = await Storage.open(url, clock=clock)
            try:
                readiness = Readiness(
                    [
                        DatabaseCheck(storage),
                        workers_check(storage, clock, WorkerLoad(1, 0)),
                        GeminiCheck(storage, MODEL),
                    ],
                    timeout_s=5.0,
                )
                assert (await readiness.evaluate()).ready
                async with proxy.cut():
                    report = await readiness.evaluate()
                assert (await readiness.evaluate()).ready  # reconnects once it is back
            finally:
                await storage.close()
    finally:
        postgres_server.drop_database(name)
    assert report.failed == ["database"]
    body = report.body()
    assert body["ready"] is False
    assert body["checks"]["workers"] == {
        "ok": None,
        "detail": "not checked: a check it needs failed",
    }
    assert body["checks"]["database"]["detail"].startswith("failed: ")
