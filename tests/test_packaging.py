"""The Dockerfile and compose.yaml, kept honest without a Docker engine.

The Dockerfile is linted with hadolint (any finding fails; ``.hadolint.yaml`` says which
rule is waived and why), its shape is checked (HTTP_PORT set, a Python HEALTHCHECK, a
numeric non-root user, no secret in a layer), and its build is replayed outside Docker:
the files its COPY lines copy, its RUN install command run as written in a fresh virtualenv,
its CMD run as written against the fake Discord and Gemini, and its HEALTHCHECK run as
written against that bot, then against none. What cannot run here is the base image and the
apt-get line (ffmpeg comes from the system in tests). compose.yaml is read as YAML.
"""

from __future__ import annotations

import asyncio
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from testkit.bot_process import BotProcess, bot_environment
from testkit.discord import FakeDiscord
from testkit.gemini import FakeGemini
from testkit.net import free_port

ROOT = Path(__file__).resolve().parents[1]
SECRET_NAMES = re.compile(r"TOKEN|KEY|SECRET|PASSWORD|DATABASE_URL", re.IGNORECASE)


def instructions() -> list[tuple[str, str]]:
    """The Dockerfile's instructions (continuation lines joined, comments dropped)."""
    joined, current = [], ""
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if not current and (not line.strip() or line.lstrip().startswith("#")):
            continue
        current += line.rstrip().removesuffix("\\") + " "
        if not line.rstrip().endswith("\\"):
            joined.append(current.strip())
            current = ""
    return [(text.split(None, 1)[0].upper(), text.split(None, 1)[1]) for text in joined]


def of(kind: str) -> list[str]:
    return [args for name, args in instructions() if name == kind]


def image_env() -> dict[str, str]:
    """Every ENV of the Dockerfile (``KEY=value`` pairs)."""
    return dict(pair.split("=", 1) for args in of("ENV") for pair in shlex.split(args))


def exec_form(args: str) -> list[str]:
    """A JSON-array CMD, without HEALTHCHECK's options."""
    array = args[args.index("[") :]
    parsed: list[str] = yaml.safe_load(array)
    return parsed


def test_hadolint_finds_nothing() -> None:
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    if not Path(hadolint).exists():
        pytest.fail("hadolint is missing: it comes with the dev extras (pip install -e .[dev])")
    process = subprocess.run(
        [hadolint, "Dockerfile"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert process.returncode == 0, process.stdout + process.stderr


def test_the_image_is_shaped_for_operators() -> None:
    env = image_env()
    assert env["HTTP_PORT"] == "8080"
    assert env["HTTP_HOST"] == "0.0.0.0"
    assert not [name for name in env if SECRET_NAMES.search(name)]
    assert not [args for args in of("ARG") if SECRET_NAMES.search(args)]
    kinds = [name for name, _ in instructions()]
    users = of("USER")
    assert users[-1].isdigit()
    assert int(users[-1]) != 0
    assert kinds.index("USER") > max(i for i, kind in enumerate(kinds) if kind == "RUN")
    (check,) = of("HEALTHCHECK")
    assert exec_form(check)[:3] == ["python", "-m", "bot.healthcheck"]
    assert not {"curl", "wget"} & set(check.split())
    assert all(not args.startswith(". ") for args in of("COPY"))  # nothing unlisted gets in
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".env", ".env.*", ".git", "data"} <= set(ignored)


def test_compose_has_one_sqlite_bot_by_default_and_a_scale_profile() -> None:
    compose: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services: dict[str, dict[str, Any]] = compose["services"]
    default = {name for name, service in services.items() if not service.get("profiles")}
    assert default == {"bot"}
    assert "DATABASE_URL" not in services["bot"].get("environment", {})  # SQLite in /data
    scaled = {name for name, service in services.items() if "scale" in service.get("profiles", [])}
    assert scaled == {"postgres", "bot-a", "bot-b"}
    shards = set()
    for name in ("bot-a", "bot-b"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgresql://voicenotes:${POSTGRES_PASSWORD")
        assert env["SHARD_COUNT"] == "2"
        shards.add(env["SHARD_IDS"])
    assert shards == {"0", "1"}
    ports = [port for service in services.values() for port in service.get("ports", [])]
    assert ports
    assert all(port.startswith("127.0.0.1:") for port in ports)  # operators only
    assert "${POSTGRES_PASSWORD" in services["postgres"]["environment"]["POSTGRES_PASSWORD"]


def replay_copies(workdir: Path) -> None:
    """What the COPY lines put into WORKDIR (``.dockerignore``'s caches left out)."""
    for args in of("COPY"):
        *sources, target = args.split()
        destination = workdir / target
        for source in sources:
            path = ROOT / source
            if path.is_dir():
                shutil.copytree(path, destination, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                destination.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, destination / path.name)


async def run_shell(command: str, *, cwd: Path, env: dict[str, str]) -> tuple[int, str]:
    """A RUN line as Docker runs it (``/bin/sh -c``)."""
    process = await asyncio.create_subprocess_shell(
        command,
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    return process.returncode or 0, output.decode(errors="replace")


async def make_venv(where: Path) -> Path:
    """A fresh virtualenv whose only borrowed path is the dev venv's site-packages (so the
    install finds its dependencies without a download; the project itself is installed
    from the copied files and nothing else)."""
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "venv", str(where))
    assert await process.wait() == 0
    (site,) = (where / "lib").glob("python3*/site-packages")
    borrowed = [p for p in sys.path if p.endswith("site-packages") and ".venv" in p]
    (site / "dev-dependencies.pth").write_text("\n".join(borrowed) + "\n")
    return where / "bin"


async def test_the_images_install_cmd_and_healthcheck_work_as_written(
    fake_discord: FakeDiscord, fake_gemini: FakeGemini, tmp_path: Path
) -> None:
    workdir = tmp_path / "app"
    replay_copies(workdir)
    bin_dir = await make_venv(tmp_path / "venv")
    env = {**os.environ, **image_env(), "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    env.pop("PYTHONPATH", None)
    (install,) = of("RUN")[1:]  # the first RUN is apt-get, which needs the image
    code, output = await run_shell(install, cwd=workdir, env=env)
    assert code == 0, output[-3000:]
    code, where = await run_shell(
        "python -c 'import bot; print(bot.__file__)'", cwd=tmp_path, env=env
    )
    assert where.strip().startswith(str(tmp_path / "venv")), where  # the installed copy
    fake_discord.add_guild("Image Guild")
    await run_image(fake_discord, fake_gemini, tmp_path, workdir, env)


async def run_image(
    discord: FakeDiscord, gemini: FakeGemini, tmp_path: Path, workdir: Path, image: dict[str, str]
) -> None:
    """The CMD as written, then the HEALTHCHECK as written against it and against none."""
    port = free_port()  # the image's 8080 may be taken on this machine
    env = bot_environment(discord, gemini, tmp_path / "data", http_port=port)
    env = {**image, **env, "PATH": image["PATH"], "DATA_DIR": str(tmp_path / "data")}
    env.pop("PYTHONPATH")  # the installed package, not the checkout
    (cmd,) = of("CMD")
    (check,) = of("HEALTHCHECK")
    health = shlex.join(exec_form(check))
    bot = await BotProcess.start(
        env, cwd=workdir, log_path=tmp_path / "bot.log", argv=exec_form(cmd)
    )
    try:
        await bot.wait_connected(discord, 0)
        code, output = await run_shell(health, cwd=workdir, env=env)
        assert code == 0, output
        assert await bot.terminate() == 0
    finally:
        await bot.ensure_stopped()
    code, output = await run_shell(health, cwd=workdir, env=env)
    assert code == 1
    assert "/livez: no answer" in output
