"""Every request to Gemini is counted once by what it came to, and every billed token by
kind; a 429 ``rate_limit_exceeded`` is remembered for ``/voicenotes-admin status``."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.errors import GeminiQuotaExhausted, GeminiRefused, TruncatedOutput
from bot.gemini import AudioInput, GeminiService, GeminiTranscript, SpeechRequest, SpeechService
from bot.metrics import Metrics
from testkit.gemini import FakeGemini, Reply, SpeechWord, TokenCounts
from tests.helpers.clocks import FakeClock

GOOD = {"language": "en", "summary": "Hi.", "segments": [], "flags": []}


def outcomes(metrics: Metrics) -> dict[str, float]:
    """The non-zero request counts, by outcome."""
    text = metrics.render().decode()
    return {
        sample.labels["outcome"]: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "voicenotes_gemini_requests_total" and sample.value
    }


def tokens(metrics: Metrics, kind: str) -> float:
    text = metrics.render().decode()
    return next(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "voicenotes_gemini_tokens_total" and sample.labels["kind"] == kind
    )


async def ask(service: GeminiService, audio: AudioInput) -> None:
    await service.structured(prompt="p", response_model=GeminiTranscript, audio=audio)


@pytest.fixture
def metrics() -> Metrics:
    return Metrics()


@pytest.fixture
def service(make_gemini_service: Callable[..., GeminiService], metrics: Metrics) -> GeminiService:
    return make_gemini_service(metrics=metrics)


async def test_retries_and_the_answer_each_count_once(
    fake_gemini: FakeGemini,
    service: GeminiService,
    metrics: Metrics,
    audio: AudioInput,
    clock: FakeClock,
) -> None:
    usage = TokenCounts(input=400, output=50, thought=7, cached=100)
    fake_gemini.enqueue(Reply.rate_limited(), Reply.error(503, "unavailable", "busy"))
    fake_gemini.enqueue(Reply.text("not json", usage=usage), Reply.json(GOOD, usage=usage))
    assert service.rate_limited_at is None
    await ask(service, audio)
    assert outcomes(metrics) == {"rate_limited": 1, "server_error": 1, "unusable": 1, "ok": 1}
    assert (tokens(metrics, "input"), tokens(metrics, "output")) == (800, 100)
    assert (tokens(metrics, "thought"), tokens(metrics, "cached")) == (14, 200)
    assert service.rate_limited_at == clock.now


async def test_final_answers_are_counted_by_kind(
    fake_gemini: FakeGemini, service: GeminiService, metrics: Metrics, audio: AudioInput
) -> None:
    fake_gemini.enqueue(Reply.refused(), Reply.truncated(GOOD), Reply.quota_exceeded())
    with pytest.raises(GeminiRefused):
        await ask(service, audio)
    with pytest.raises(TruncatedOutput):
        await ask(service, audio)
    with pytest.raises(GeminiQuotaExhausted):
        await ask(service, audio)
    assert outcomes(metrics) == {"refused": 1, "truncated": 1, "quota_exceeded": 1}
    assert tokens(metrics, "input") > 0  # the refusal and the cut answer were billed


async def test_the_speech_models_requests_are_counted_like_the_general_models(
    fake_gemini: FakeGemini, service: GeminiService, metrics: Metrics, audio: AudioInput
) -> None:
    speech = SpeechService.alongside(service, "gemini-3.5-transcribe")
    fake_gemini.enqueue(Reply.error(503, "unavailable", "busy"))
    fake_gemini.enqueue(Reply.speech(SpeechWord("Hi.", 0.1, 0.4, "spk_1")))
    await speech.transcribe(audio, SpeechRequest())
    assert outcomes(metrics) == {"server_error": 1, "ok": 1}
    assert tokens(metrics, "input") > 0
