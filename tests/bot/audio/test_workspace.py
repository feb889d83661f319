"""Job workspaces: private, always removed, swept at startup; input adoption and hashing."""

from __future__ import annotations

import asyncio
import hashlib
import os
import stat
import sys
import time
from pathlib import Path

import pytest

from bot.audio import (
    INPUT_NAME,
    WORKSPACE_PREFIX,
    AudioLimits,
    AudioTools,
    job_workspace,
    prepare_audio,
    sweep_stale_workspaces,
)
from bot.audio._workspace import adopt_input, regular_file_size, sha256_file
from bot.errors import NotAudio
from testkit.audio import PausedSpeech
from tests.helpers.polling import poll_until
from tests.helpers.processes import processes_running_with

REPO_ROOT = Path(__file__).resolve().parents[3]


async def test_workspace_is_private_and_removed_after_success(tmp_path: Path) -> None:
    root = tmp_path / "work" / "jobs"  # created on demand
    async with job_workspace(root) as workdir:
        assert workdir.parent == root
        assert workdir.name.startswith(WORKSPACE_PREFIX)
        assert stat.S_IMODE(workdir.stat().st_mode) == 0o700
        (workdir / "scratch").write_bytes(b"x" * 1024)
        (workdir / "nested").mkdir()
        (workdir / "nested" / "deeper").write_text("y")
    assert not workdir.exists()
    assert list(root.iterdir()) == []


async def test_workspaces_are_distinct(tmp_path: Path) -> None:
    async with job_workspace(tmp_path) as first, job_workspace(tmp_path) as second:
        assert first != second


async def test_workspace_is_removed_after_an_exception(tmp_path: Path) -> None:
    seen: list[Path] = []

    async def failing_job() -> None:
        async with job_workspace(tmp_path) as workdir:
            seen.append(workdir)
            (workdir / "file").write_text("data")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await failing_job()
    assert not seen[0].exists()


async def test_workspace_is_removed_after_cancellation(tmp_path: Path) -> None:
    entered = asyncio.Event()
    seen: list[Path] = []

    async def job() -> None:
        async with job_workspace(tmp_path) as workdir:
            seen.append(workdir)
            (workdir / "partial.ogg").write_bytes(b"OggS")
            entered.set()
            await asyncio.sleep(3600)

    task = asyncio.create_task(job())
    await entered.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not seen[0].exists()


async def test_workspace_is_removed_after_a_failed_prepare(
    hostile_files: dict[str, Path], tmp_path: Path, audio_tools: AudioTools
) -> None:
    limits = AudioLimits(0.3, 3600.0, 1024 * 1024, 30.0)

    async def job() -> None:
        async with job_workspace(tmp_path) as workdir:
            await prepare_audio(hostile_files["png"], workdir, limits, audio_tools)

    with pytest.raises(NotAudio):
        await job()
    assert list(tmp_path.iterdir()) == []


async def test_cancelled_prepare_leaves_nothing_behind(
    paused_speech: PausedSpeech, tmp_path: Path, audio_tools: AudioTools
) -> None:
    assert paused_speech.wav_path is not None
    source = paused_speech.wav_path
    limits = AudioLimits(0.3, 3600.0, 100 * 1024 * 1024, 30.0)

    async def job() -> None:
        async with job_workspace(tmp_path) as workdir:
            await prepare_audio(source, workdir, limits, audio_tools)

    task = asyncio.create_task(job())
    # Until an ffmpeg works on the job's copy (its workspace is under tmp_path).
    await poll_until(lambda: processes_running_with(str(tmp_path)), what="ffmpeg at work")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert list(tmp_path.iterdir()) == []
    assert processes_running_with(str(tmp_path)) == []  # the ffmpeg was killed and reaped


def _age(path: Path, seconds: float) -> None:
    old = time.time() - seconds
    os.utime(path, (old, old), follow_symlinks=False)


def test_sweep_removes_only_stale_job_dirs(tmp_path: Path) -> None:
    root, outside = tmp_path / "jobs", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (outside / "precious").write_text("keep")
    stale, fresh, other = (
        root / f"{WORKSPACE_PREFIX}stale",
        root / f"{WORKSPACE_PREFIX}fresh",
        root / "cache",
    )
    for directory in (stale, fresh, other):
        directory.mkdir()
        (directory / "input").write_bytes(b"data")
    (root / f"{WORKSPACE_PREFIX}link").symlink_to(outside, target_is_directory=True)
    (root / f"{WORKSPACE_PREFIX}file").write_text("not a dir")
    for path in (
        stale,
        other,
        root / f"{WORKSPACE_PREFIX}link",
        root / f"{WORKSPACE_PREFIX}file",
        outside,
    ):
        _age(path, 7200)
    assert sweep_stale_workspaces(root, older_than_s=3600) == 1
    assert not stale.exists()
    assert fresh.exists()
    assert other.exists()
    assert (outside / "precious").read_text() == "keep"
    assert (root / f"{WORKSPACE_PREFIX}link").is_symlink()


async def test_sweep_spares_a_workspace_whose_owner_lives_however_old(tmp_path: Path) -> None:
    """Another process's job on the same root may run for hours (a 9-hour file): the
    workspace's age alone must not get it removed under that job."""
    async with job_workspace(tmp_path) as workdir:
        (workdir / INPUT_NAME).write_bytes(b"OggS")
        _age(workdir, 7200)
        assert sweep_stale_workspaces(tmp_path, older_than_s=3600) == 0
        assert (workdir / INPUT_NAME).read_bytes() == b"OggS"
    assert list(tmp_path.iterdir()) == []


OWNER = """
import asyncio, sys
from pathlib import Path
from bot.audio import job_workspace

async def main() -> None:
    async with job_workspace(Path(sys.argv[1])) as workdir:
        print(workdir, flush=True)
        await asyncio.sleep(3600)

asyncio.run(main())
"""


async def test_sweep_removes_the_workspace_of_an_owner_killed_outright(tmp_path: Path) -> None:
    root = tmp_path / "jobs"
    owner = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        OWNER,
        str(root),
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )
    try:
        assert owner.stdout is not None
        workdir = Path((await asyncio.wait_for(owner.stdout.readline(), 30)).decode().strip())
        _age(workdir, 7200)
        assert sweep_stale_workspaces(root, older_than_s=3600) == 0  # its owner still runs
    finally:
        owner.kill()  # SIGKILL: no cleanup runs (and none is left running if we failed)
        await owner.wait()
    assert workdir.is_dir()
    _age(workdir, 7200)
    assert sweep_stale_workspaces(root, older_than_s=3600) == 1
    assert list(root.iterdir()) == []


def test_sweep_of_a_missing_root_is_a_no_op(tmp_path: Path) -> None:
    assert sweep_stale_workspaces(tmp_path / "missing") == 0


def test_adopt_input_uses_our_name(tmp_path: Path) -> None:
    source = tmp_path / "-rf $(touch pwned).ogg"
    source.write_bytes(b"audio bytes")
    workdir = tmp_path / "job"
    workdir.mkdir()
    adopted = adopt_input(source, workdir)
    assert adopted == workdir / INPUT_NAME
    assert adopted.read_bytes() == b"audio bytes"
    assert adopt_input(adopted, workdir) == adopted  # already in place
    again = adopt_input(source, workdir)  # a second prepare in the same workdir
    assert again.read_bytes() == b"audio bytes"


def test_sha256_and_size_helpers(tmp_path: Path) -> None:
    data = os.urandom(3 * 1024 * 1024 + 17)
    path = tmp_path / "blob"
    path.write_bytes(data)
    assert sha256_file(path) == hashlib.sha256(data).hexdigest()
    assert regular_file_size(path) == len(data)
    assert regular_file_size(tmp_path) is None
    assert regular_file_size(tmp_path / "missing") is None
