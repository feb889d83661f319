"""What one request bills, block by block (see :mod:`._usage`, :mod:`._video`,
:mod:`._caching`): text at about 4 characters per token, audio measured by decoding it,
YouTube videos by frames and audio, and the part of it a recent request's prefix covers."""

from __future__ import annotations

import base64
from dataclasses import dataclass

from testkit.gemini._caching import PrefixCache, block_keys
from testkit.gemini._files import FileStore
from testkit.gemini._replies import ErrorReply, JsonObject
from testkit.gemini._requests import RecordedRequest
from testkit.gemini._speech import SpeechRules, speech_config
from testkit.gemini._usage import AudioMeter, RequestCost, audio_tokens, text_tokens, thinking_level
from testkit.gemini._video import YouTube
from testkit.gemini._wire import invalid_request

UNDECODABLE = "Unable to process input audio: the audio could not be decoded."


@dataclass
class _Tally:
    text: int = 0
    audio: int = 0
    video: int = 0
    audio_s: float = 0.0


class Costing:
    """Measures requests: the fake's audio meter, uploads, YouTube videos and prefix cache."""

    def __init__(
        self, files: FileStore, youtube: YouTube, cache: PrefixCache, speech: SpeechRules
    ) -> None:
        self._meter = AudioMeter()
        self._files = files
        self._youtube = youtube
        self._cache = cache
        self._speech = speech

    async def measure(self, record: RecordedRequest) -> RequestCost | ErrorReply:
        """The request's cost, or the refusal of audio that can't be decoded or is too long
        for the speech model."""
        tally, tokens = _Tally(), []
        system = record.body.get("system_instruction")
        if isinstance(system, str):
            tally.text += text_tokens(system)
            tokens.append(text_tokens(system))
        for block in record.input_parts:
            spent = await self._block(block, tally)
            if spent is None:
                return invalid_request(UNDECODABLE)
            tokens.append(spent)
        speech = self._speech.serves(record.model)
        if speech:
            too_long = self._speech.check_duration(speech_config(record.body), tally.audio_s)
            if too_long is not None:
                return too_long
        keys = block_keys(record.body, record.input_parts)
        cached = 0 if speech else self._cache.cached_tokens(record.model or "", keys, tokens)
        level = thinking_level(record.body)
        return RequestCost(
            tally.text, tally.audio, level, tally.video, cached, tally.audio_s, not speech
        )

    async def _block(self, block: JsonObject, tally: _Tally) -> int | None:
        kind = block.get("type")
        if kind == "audio":
            seconds = await self._meter.seconds(self._audio_bytes(block))
            if seconds is None:
                return None
            tally.audio_s += seconds
            tally.audio += audio_tokens(seconds)
            return audio_tokens(seconds)
        if kind == "video":
            cost = self._youtube.cost(block)
            tally.audio_s += cost.audio_s
            tally.audio += cost.audio_tokens
            tally.video += cost.frame_tokens
            return cost.audio_tokens + cost.frame_tokens
        spent = text_tokens(str(block.get("text") or "")) if kind == "text" else 0
        tally.text += spent
        return spent

    def _audio_bytes(self, block: JsonObject) -> bytes:
        if block.get("data") is not None:
            return base64.b64decode(str(block["data"]))
        upload = self._files.lookup_uri(str(block.get("uri")))
        return upload.data if upload is not None else b""
