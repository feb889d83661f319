"""Audio intake: whatever someone uploaded becomes audio Gemini accepts, cheaply and safely.

* :func:`prepare_audio` probes the bytes (never the file name), validates them and passes
  through, remuxes or transcodes to a type Gemini lists (``_prepare``, ``_probe``).
* :func:`cut_range` and :func:`stream_at_silences` (or :func:`split_at_silences`, all at
  once) cut prepared audio locally (``_cut``), in the pauses ``_pauses`` finds.
* :func:`download` streams a URL to disk under a byte cap (``_download``), only from hosts
  and addresses a :class:`DownloadPolicy` allows, checked before any connection (``_egress``).
* :func:`job_workspace` gives each job a private temp dir, always removed (``_workspace``).
* ffmpeg is found once (:func:`locate_audio_tools`) and run by ``_ffmpeg`` under safety
  rules stated there (argv only, no stdin, bounded time and output, reaped on cancel).

Nothing here knows where the audio came from: an attachment, a local file or, later, a
stream all arrive as a file in a workspace.
"""

from bot.audio._cut import ChunkStream, cut_range, split_at_silences, stream_at_silences
from bot.audio._download import LinkExpired, download
from bot.audio._egress import (
    AddressRefused,
    DownloadPolicy,
    DownloadRefused,
    GuardedResolver,
    guarded_session,
)
from bot.audio._ffmpeg import AudioTools, locate_audio_tools
from bot.audio._prepare import prepare_audio
from bot.audio._types import AudioChunk, AudioLimits, PreparedAudio, human_size, too_large
from bot.audio._workspace import (
    INPUT_NAME,
    WORKSPACE_PREFIX,
    job_workspace,
    sweep_stale_workspaces,
)

__all__ = [
    "INPUT_NAME",
    "WORKSPACE_PREFIX",
    "AddressRefused",
    "AudioChunk",
    "AudioLimits",
    "AudioTools",
    "ChunkStream",
    "DownloadPolicy",
    "DownloadRefused",
    "GuardedResolver",
    "LinkExpired",
    "PreparedAudio",
    "cut_range",
    "download",
    "guarded_session",
    "human_size",
    "job_workspace",
    "locate_audio_tools",
    "prepare_audio",
    "split_at_silences",
    "stream_at_silences",
    "sweep_stale_workspaces",
    "too_large",
]
