"""``python -m bot``: run the bot, or the same pipeline on a local file.

Exit codes: 0 success; 2 bad input or configuration (one line on stderr, no traceback);
1 a service failure after retries (also one line).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from pydantic import ValidationError

from bot.app import open_pipeline
from bot.errors import BadInput, ConfigError, ServiceError, VoiceNoteError
from bot.logs import configure_logging
from bot.model import Mode, TranscriptDocument
from bot.options import Engine, Hearing, JobOptions
from bot.pipeline import Progress
from bot.render import render_json, render_plain_text, render_srt, render_vtt
from bot.settings import Settings
from bot.timecodes import parse_user_timecode

COMMAND_MODES = {"transcribe": Mode.TRANSCRIPT, "summarize": Mode.SUMMARY, "ask": Mode.ASK}
RENDERERS = {"text": render_plain_text, "json": render_json, "srt": render_srt, "vtt": render_vtt}


def _add_file_command(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str, help_text: str
) -> argparse.ArgumentParser:
    parser = sub.add_parser(name, help=help_text, description=help_text)
    parser.add_argument("path", type=Path, help="audio or video file")
    parser.add_argument("--json", action="store_true", help="print the JSON document")
    parser.add_argument("--translate-to", default="English", metavar="LANG")
    parser.add_argument("--language", default=None, metavar="LANG", help="source language hint")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    return parser


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the Discord bot")
    invite = sub.add_parser("invite-url", help="print the bot's invite URL")
    invite.add_argument("--client-id", type=int, default=None, help="the application id")
    invite.add_argument("--table", action="store_true", help="also the permission table")
    transcribe = _add_file_command(sub, "transcribe", "transcribe an audio file")
    transcribe.add_argument("--format", choices=sorted(RENDERERS), default="text")
    transcribe.add_argument("--start", default=None, metavar="T", help="MM:SS, H:MM:SS or s")
    transcribe.add_argument("--end", default=None, metavar="T", help="MM:SS, H:MM:SS or s")
    transcribe.add_argument(
        "--engine", choices=[e.value for e in Engine], default=None, help="TRANSCRIBE_ENGINE"
    )
    transcribe.add_argument(
        "--word-timestamps", action="store_true", help="word timing (speech engine)"
    )
    _add_file_command(sub, "summarize", "summarize an audio file")
    ask = _add_file_command(sub, "ask", "ask a question about an audio file")
    ask.add_argument("question", help="the question, in quotes")
    return parser


def options_from_args(args: argparse.Namespace) -> JobOptions:
    """JobOptions from parsed arguments (raises InvalidOptions with a clear message)."""
    start = getattr(args, "start", None)
    end = getattr(args, "end", None)
    return JobOptions(
        mode=COMMAND_MODES[args.command],
        translate_to=args.translate_to,
        language=args.language,
        question=getattr(args, "question", None),
        start_s=parse_user_timecode(start, field="--start") if start else None,
        end_s=parse_user_timecode(end, field="--end") if end else None,
    )


async def _stderr_progress(progress: Progress) -> None:
    if progress.total > 1:
        print(f"{progress.stage}: {progress.done}/{progress.total} parts", file=sys.stderr)


def hearing_from_args(settings: Settings, args: argparse.Namespace) -> Hearing:
    """How a local file is heard: ``--engine`` (else ``TRANSCRIBE_ENGINE``), word timing."""
    engine = Engine(getattr(args, "engine", None) or settings.transcribe_engine)
    return Hearing(engine=engine, word_timestamps=bool(getattr(args, "word_timestamps", False)))


async def run_file_command(settings: Settings, args: argparse.Namespace) -> TranscriptDocument:
    """Run the pipeline on a local file, as the bot would."""
    options = options_from_args(args)
    path: Path = args.path
    async with open_pipeline(settings) as pipeline:
        return await pipeline.process_file(
            path,
            file_name=path.name,
            options=options,
            progress=_stderr_progress,
            hearing=hearing_from_args(settings, args),
        )


def _render(args: argparse.Namespace, document: TranscriptDocument) -> str:
    fmt = "json" if args.json else getattr(args, "format", "text")
    return RENDERERS[fmt](document)


def _load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]).upper() or "settings"
        raise ConfigError(f"Invalid setting {where}: {first['msg']}") from None


def _discord_command(settings: Settings, args: argparse.Namespace) -> int:
    """``run`` and ``invite-url``, imported here: bot/ never imports discord.py, only the
    commands that need it do."""
    if args.command == "run":
        from cogs.app import run_bot

        return run_bot(settings)
    from cogs.bot_permissions import invite_text

    print(invite_text(settings, args.client_id, table=args.table))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    args = build_parser().parse_args(argv)
    try:
        settings = _load_settings()
        if args.command in ("run", "invite-url"):
            return _discord_command(settings, args)
        if not args.path.is_file():
            raise BadInput(f"No such file: {args.path}")
        level = "INFO" if args.verbose else "ERROR"  # stderr stays one clear line
        configure_logging(level, settings.log_format, secrets=settings.secrets())
        document = asyncio.run(run_file_command(settings, args))
    except (BadInput, ConfigError) as error:
        print(f"error: {error.user_message}", file=sys.stderr)
        return 2
    except (ServiceError, VoiceNoteError) as error:
        print(f"error: {error.user_message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    sys.stdout.write(_render(args, document))
    return 0
