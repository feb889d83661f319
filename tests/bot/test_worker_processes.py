"""Two worker OS processes against one database (a real PostgreSQL, and a SQLite file):
50 jobs, each done exactly once."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from bot.storage import JobRequest, JobStatus, Storage
from tests.fakes.gemini import FakeGemini

REPO_ROOT = Path(__file__).resolve().parents[2]


async def test_two_processes_share_fifty_jobs_exactly_once(
    storage_url: str, fake_gemini: FakeGemini, voice_note: Path, tmp_path: Path
) -> None:
    url = storage_url
    storage = await Storage.open(url)
    ids = []
    for n in range(50):
        job, _ = await storage.submit_job(JobRequest(
            dedupe_key=f"auto:{n}:{n}", origin="auto", mode="transcript", channel_id=1,
            guild_id=n % 4, message_id=n, attachment_id=n, requester_id=7, author_id=7,
        ))  # fmt: skip
        ids.append(job.id)
    out = tmp_path / "delivered.txt"
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "GEMINI_API_KEY": fake_gemini.api_key,
           "GEMINI_BASE_URL": fake_gemini.base_url, "DATA_DIR": str(tmp_path / "data"),
           "JOB_CONCURRENCY": "3", "JOB_LEASE_SECONDS": "10"}  # fmt: skip
    workers = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.bot.worker_process",
            url,
            str(out),
            str(voice_note),
            "12",
            env=env,
            cwd=tmp_path,
        )
        for _ in range(2)
    ]
    codes = await asyncio.wait_for(asyncio.gather(*(w.wait() for w in workers)), 60)
    assert codes == [0, 0]
    delivered = [int(line) for line in out.read_text().split()]
    assert sorted(delivered) == sorted(ids)  # every job once, none twice, none failed
    assert len(fake_gemini.requests) == 50
    jobs = [await storage.get_job(i) for i in ids]
    assert {j.status for j in jobs if j} == {JobStatus.DONE}
    await storage.close()
