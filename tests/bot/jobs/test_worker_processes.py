"""Two worker OS processes against one database (a real PostgreSQL, and a SQLite file):
50 jobs, each done exactly once."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from bot.storage import JobStatus, Storage
from testkit.gemini import FakeGemini
from tests.helpers.jobs import job_request

REPO_ROOT = Path(__file__).resolve().parents[3]


async def _submit_fifty(storage: Storage) -> list[int]:
    ids = []
    for n in range(50):
        request = job_request(
            f"auto:{n}:{n}",
            channel_id=1,
            guild_id=n % 4,
            message_id=n,
            attachment_id=n,
            requester_id=7,
            author_id=7,
        )
        job, _ = await storage.submit_job(request)
        ids.append(job.id)
    return ids


async def _worker(
    url: str, out: Path, voice_note: Path, fake_gemini: FakeGemini, tmp_path: Path
) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT),
        "GEMINI_API_KEY": fake_gemini.api_key,
        "GEMINI_BASE_URL": fake_gemini.base_url,
        "DATA_DIR": str(tmp_path / "data"),
        "JOB_CONCURRENCY": "3",
        "JOB_LEASE_SECONDS": "10",
    }
    module = "tests.bot.jobs.worker_process"
    bound_s = "60"  # a bound, not a target: the machine may be busy
    argv = [sys.executable, "-m", module, url, str(out), str(voice_note), bound_s]
    return await asyncio.create_subprocess_exec(*argv, env=env, cwd=tmp_path)


async def test_two_processes_share_fifty_jobs_exactly_once(
    storage_url: str, fake_gemini: FakeGemini, voice_note: Path, tmp_path: Path
) -> None:
    storage = await Storage.open(storage_url)
    ids = await _submit_fifty(storage)
    out = tmp_path / "delivered.txt"
    workers = [await _worker(storage_url, out, voice_note, fake_gemini, tmp_path) for _ in range(2)]
    codes = await asyncio.wait_for(asyncio.gather(*(w.wait() for w in workers)), 90)
    assert codes == [0, 0]
    delivered = [int(line) for line in out.read_text().split()]
    assert sorted(delivered) == sorted(ids)  # every job once, none twice, none failed
    assert len(fake_gemini.requests) == 50
    jobs = [await storage.get_job(i) for i in ids]
    assert {j.status for j in jobs if j} == {JobStatus.DONE}
    await storage.close()
