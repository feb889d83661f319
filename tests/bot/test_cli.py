"""``python -m bot`` as a user runs it: a real subprocess, real audio, the fake Gemini."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from testkit.gemini import FakeGemini, Reply, SpeechWord

SEGMENTS = [
    {
        "speaker": "Speaker 1",
        "timestamp": "00:00",
        "content": "Testing one two three.",
        "language": "en",
        "translation": "",
        "emotion": "neutral",
    }
]
REPO_ROOT = Path(__file__).resolve().parents[2]
REPLY = {"language": "en", "summary": "A test.", "segments": SEGMENTS, "flags": []}


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str


async def cli(
    fake: FakeGemini,
    tmp_path: Path,
    *args: str,
    key: str | None = None,
    env_extra: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> Run:
    env = {
        "PATH": os.environ["PATH"],
        "GEMINI_API_KEY": fake.api_key if key is None else key,
        "GEMINI_BASE_URL": fake.base_url,
        "GEMINI_ATTEMPTS": "2",
        "GEMINI_MAX_RETRY_WAIT_SECONDS": "1",
        "PYTHONPATH": str(REPO_ROOT),  # the checkout, whether or not it is pip-installed
        **(env_extra if env_extra is not None else {"DATA_DIR": str(tmp_path / "data")}),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        env=env,
        cwd=cwd or tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    return Run(process.returncode, out.decode(), err.decode())


async def test_transcribe_prints_readable_text(
    fake_gemini: FakeGemini, voice_note: Path, tmp_path: Path
) -> None:
    fake_gemini.enqueue(Reply.json(REPLY))
    run = await cli(fake_gemini, tmp_path, "transcribe", str(voice_note))
    assert run.code == 0, run.stderr
    assert "[00:00] Speaker 1 (neutral): Testing one two three." in run.stdout
    assert "Summary:\nA test." in run.stdout
    assert not (tmp_path / "data" / "work").exists() or not any(
        (tmp_path / "data" / "work").iterdir()
    )


async def test_the_cli_writes_nothing_where_it_runs(
    fake_gemini: FakeGemini, voice_note: Path, tmp_path: Path
) -> None:
    """With neither DATA_DIR nor WORK_DIR set, job workspaces go to the system temp dir
    (and are removed): running the CLI anywhere leaves no ``data/`` behind."""
    anywhere, temp = tmp_path / "anywhere", tmp_path / "tmp"
    anywhere.mkdir()
    temp.mkdir()
    fake_gemini.enqueue(Reply.json(REPLY))
    run = await cli(
        fake_gemini,
        tmp_path,
        "transcribe",
        str(voice_note),
        env_extra={"TMPDIR": str(temp)},
        cwd=anywhere,
    )
    assert run.code == 0, run.stderr
    assert list(anywhere.iterdir()) == []
    assert list(temp.iterdir()) == []  # the job's workspace was there, and is gone


@pytest.mark.parametrize(
    ("flag", "check"),
    [
        (["--json"], lambda out: json.loads(out)["segments"][0]["start"] == 0.0),
        (["--format", "srt"], lambda out: out.startswith("1\n00:00:00,000 --> ")),
        (["--format", "vtt"], lambda out: out.startswith("WEBVTT")),
    ],
)
async def test_output_formats(
    fake_gemini: FakeGemini, voice_note: Path, tmp_path: Path, flag: list[str], check: object
) -> None:
    fake_gemini.enqueue(Reply.json(REPLY))
    run = await cli(fake_gemini, tmp_path, "transcribe", str(voice_note), *flag)
    assert run.code == 0, run.stderr
    assert callable(check)
    assert check(run.stdout)


async def test_bad_input_exits_2_with_one_clear_line(
    fake_gemini: FakeGemini, hostile_files: dict[str, Path], tmp_path: Path
) -> None:
    # Every bad input's own message is covered in test_audio; here: how the CLI reports them.
    bad = {k: hostile_files[k] for k in ("empty", "text", "truncated_ogg", "tiny", "png")}
    runs = await asyncio.gather(
        *(cli(fake_gemini, tmp_path, "transcribe", str(p)) for p in bad.values())
    )
    for name, run in zip(bad, runs, strict=True):
        assert run.code == 2, (name, run.stderr)
        lines = run.stderr.strip().splitlines()
        assert len(lines) == 1, (name, run.stderr)
        assert lines[0].startswith("error: ")
        assert "Traceback" not in run.stderr
    assert fake_gemini.requests == []


async def test_missing_file_and_missing_key_are_one_line_errors(
    fake_gemini: FakeGemini, voice_note: Path, tmp_path: Path
) -> None:
    missing = await cli(fake_gemini, tmp_path, "summarize", str(tmp_path / "nope.ogg"))
    assert (missing.code, missing.stderr.strip()) == (
        2,
        f"error: No such file: {tmp_path / 'nope.ogg'}",
    )
    no_key = await cli(fake_gemini, tmp_path, "transcribe", str(voice_note), key="")
    assert no_key.code == 2
    assert (
        no_key.stderr.strip()
        == "error: GEMINI_API_KEY is not set: put it in the environment or in .env"
    )


async def test_gemini_down_exits_1_without_traceback_or_key(
    fake_gemini: FakeGemini, voice_note: Path, tmp_path: Path
) -> None:
    fake_gemini.set_responder(lambda _r: Reply.unavailable())
    run = await cli(fake_gemini, tmp_path, "transcribe", str(voice_note))
    assert run.code == 1
    assert (
        run.stderr.strip()
        == "error: Gemini is overloaded right now; please try again in a few minutes."
    )
    assert fake_gemini.api_key not in run.stderr + run.stdout


async def test_hostile_file_names_work(
    fake_gemini: FakeGemini, voice_note: Path, tmp_path: Path
) -> None:
    answer = {"language": "en", "answer": "A count.", "evidence": []}
    fake_gemini.set_responder(lambda _r: Reply.json(answer))
    for name in ["-leading dash.ogg", "$(touch pwned) ;rm -rf x.ogg", "ünïcødé 🎤.ogg"]:
        target = tmp_path / name
        shutil.copy(voice_note, target)
        run = await cli(fake_gemini, tmp_path, "ask", f"./{name}", "What is said?", "--json")
        assert run.code == 0, (name, run.stderr)
        assert json.loads(run.stdout)["source"]["file_name"] == name
    assert not list(tmp_path.rglob("pwned"))


async def test_time_range_and_bad_range(
    fake_gemini: FakeGemini, voice_note: Path, tmp_path: Path
) -> None:
    bad = await cli(fake_gemini, tmp_path, "transcribe", str(voice_note), "--start", "1:75")
    assert bad.code == 2
    assert "MM:SS" in bad.stderr
    beyond = await cli(fake_gemini, tmp_path, "transcribe", str(voice_note), "--start", "10:00")
    assert beyond.code == 2
    assert fake_gemini.requests == []


async def test_the_speech_engine_from_the_command_line_gives_word_timed_vtt(
    fake_gemini: FakeGemini, voice_note: Path, tmp_path: Path
) -> None:
    words = (SpeechWord("Testing", 0.1, 0.5), SpeechWord("one.", 0.6, 0.9))
    notes = {"language": "en", "summary": "A test.", "lines": [], "flags": [], "fixes": []}
    fake_gemini.enqueue(Reply.speech(*words), Reply.json(notes))
    args = ("transcribe", str(voice_note), "--engine", "gemini-transcribe", "--word-timestamps")
    run = await cli(fake_gemini, tmp_path, *args, "--format", "vtt")
    assert run.code == 0, run.stderr
    assert "00:00:00.100 --> 00:00:00.900\nSpeaker 1: Testing one." in run.stdout
    assert fake_gemini.requests[0].model == "gemini-3.5-transcribe"
