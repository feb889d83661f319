"""What the bot relies on inside google-genai, checked one name at a time.

``bot/gemini/_sdk.py`` is the only module that touches the SDK's private modules. When an
upgrade moves or renames something it uses, these tests fail naming exactly what moved
(and pyproject.toml's upper bound keeps such an upgrade from arriving unannounced).
"""

from __future__ import annotations

import ast
import importlib
import tomllib
from importlib import metadata
from pathlib import Path
from typing import Any, get_args

import pydantic
import pytest
from packaging.requirements import Requirement

from bot.gemini import _sdk

ROOT = Path(__file__).resolve().parents[3]
SDK_MODULE = ROOT / "bot" / "gemini" / "_sdk.py"


def _google_imports() -> list[tuple[str, str]]:
    """(module, name) for every ``from google... import name`` in ``_sdk.py``."""
    tree = ast.parse(SDK_MODULE.read_text())
    return [
        (str(node.module), alias.name)
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("google")
        for alias in node.names
    ]


def _private(module: str) -> bool:
    return any(part.startswith("_") for part in module.split("."))


@pytest.mark.parametrize(("module", "name"), _google_imports())
def test_every_name_sdk_imports_is_still_where_it_was(module: str, name: str) -> None:
    try:
        found = importlib.import_module(module)
    except ImportError as error:
        pytest.fail(f"google-genai moved module {module} (imported by bot/gemini/_sdk.py): {error}")
    if not hasattr(found, name):
        pytest.fail(f"google-genai no longer has {name} in {module} (used by bot/gemini/_sdk.py)")


def test_the_private_imports_are_the_ones_this_file_expects() -> None:
    """A new private import must be added to these checks, not slip in unnoticed."""
    private = sorted(f"{module}.{name}" for module, name in _google_imports() if _private(module))
    assert private == [
        "google.genai._gaos.errors.genaierror.GenAiError",
        "google.genai._gaos.errors.no_response_error.NoResponseError",
        "google.genai._gaos.lib.compat_errors",
        "google.genai._gaos.utils.serializers",
    ]


ERROR_CLASSES = {  # compat_errors class → the base the classification relies on
    "APIStatusError": "GeminiNextGenAPIClientError",
    "RateLimitError": "APIStatusError",
    "InternalServerError": "APIStatusError",
    "ConflictError": "APIStatusError",
    "AuthenticationError": "APIStatusError",
    "PermissionDeniedError": "APIStatusError",
    "APIConnectionError": "GeminiNextGenAPIClientError",
    "APITimeoutError": "APIConnectionError",
}


@pytest.mark.parametrize(("name", "base"), ERROR_CLASSES.items())
def test_compat_error_classes_keep_their_hierarchy(name: str, base: str) -> None:
    errors = _sdk.compat_errors
    for needed in (name, base):
        if not hasattr(errors, needed):
            pytest.fail(f"google.genai._gaos.lib.compat_errors.{needed} is gone")
    if not issubclass(getattr(errors, name), getattr(errors, base)):
        pytest.fail(f"compat_errors.{name} is no longer a subclass of {base}")


def _http_library() -> Any:
    """The HTTP library the SDK's errors wrap (``httpx``, or its fork ``httpx2``)."""
    for name in ("httpx", "httpx2"):
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    pytest.fail("google-genai's HTTP library (httpx or httpx2) is gone")


def test_a_status_error_still_carries_status_body_and_headers() -> None:
    http = _http_library()
    request = http.Request("POST", "http://127.0.0.1/v1/interactions")
    response = http.Response(429, headers={"Retry-After": "3"}, request=request)
    body = {"error": {"code": "rate_limit_exceeded", "message": "slow down"}}
    error = _sdk.compat_errors.RateLimitError("m", response=response, body=body)
    assert (error.status_code, error.body) == (429, body), "APIStatusError fields changed"
    assert error.response.headers.get("retry-after") == "3", "APIStatusError.response changed"
    assert _sdk.error_code(error) == "rate_limit_exceeded"


def _fields(model: Any) -> set[str]:
    return set(model.model_fields)


@pytest.mark.parametrize(
    ("model", "fields"),
    [
        (_sdk.Interaction, {"status", "errors", "usage", "output_text"}),
        (
            importlib.import_module("google.genai.interactions").Usage,
            {
                "total_input_tokens",
                "total_output_tokens",
                "total_thought_tokens",
                "total_cached_tokens",
            },
        ),
        (importlib.import_module("google.genai.interactions").Error, {"code", "message"}),
    ],
    ids=["Interaction", "Usage", "Error"],
)
def test_the_fields_the_bot_reads_still_exist(model: Any, fields: set[str]) -> None:
    missing = fields - _fields(model)
    assert not missing, f"google-genai's {model.__name__} lost {sorted(missing)}"


def test_the_statuses_the_bot_branches_on_still_exist() -> None:
    annotation = _sdk.Interaction.model_fields["status"].annotation
    literals = {value for arg in get_args(annotation) for value in get_args(arg)}
    missing = {"completed", "incomplete", "failed"} - literals
    assert not missing, f"Interaction.status no longer has {sorted(missing)}"


def test_the_installed_sdk_is_inside_the_declared_bound() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    (spec,) = [Requirement(r) for r in project["dependencies"] if r.startswith("google-genai")]
    installed = metadata.version("google-genai")
    assert spec.specifier.contains(installed), f"google-genai {installed} is outside {spec}"
    # The private modules move between minor releases: the next one must be opted into.
    major, minor = (int(part) for part in installed.split(".")[:2])
    next_minor = f"{major}.{minor + 1}.0"
    assert not spec.specifier.contains(next_minor), f"{spec} lets {next_minor} in untested"


# --- the serializers' models, built once ------------------------------------------------

SERIALIZERS: Any = _sdk.serializers  # untyped SDK internals


class _CountingCreate:
    """pydantic's create_model, counting its calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, name: str, /, **fields: Any) -> Any:
        self.calls += 1
        return pydantic.create_model(name, **fields)


def _interaction_request() -> Any:
    models = importlib.import_module("google.genai._gaos.models")
    body = {
        "model": "gemini-2.5-flash",
        "input": [{"type": "text", "text": "Transcribe this."}],
        "response_format": {"type": "object", "properties": {"a": {"type": "string"}}},
        "store": False,
    }
    return models, {"api_version": "v1beta", "body": body}


def test_the_sdk_still_builds_one_model_per_type_that_the_memo_recognises(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Both serializer calls the SDK makes per request hit the memo from the second on: if
    an upgrade changes their shape, this fails (and the memo quietly stops helping)."""
    counting = _CountingCreate()
    monkeypatch.setattr(SERIALIZERS, "create_model", _sdk.memoised_create_model(counting))
    models, raw = _interaction_request()
    for _ in range(3):
        request = SERIALIZERS.unmarshal(raw, models.CreateInteractionRequest)
        SERIALIZERS.marshal_json(request.body, models.CreateInteractionRequestBody)
    assert counting.calls == 2  # one Unmarshaller, one Marshaller


def test_reused_models_serialize_exactly_as_fresh_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    models, raw = _interaction_request()
    monkeypatch.setattr(SERIALIZERS, "create_model", pydantic.create_model)
    fresh = SERIALIZERS.marshal_json(
        SERIALIZERS.unmarshal(raw, models.CreateInteractionRequest).body,
        models.CreateInteractionRequestBody,
    )
    monkeypatch.setattr(
        SERIALIZERS, "create_model", _sdk.memoised_create_model(pydantic.create_model)
    )
    for _ in range(2):
        reused = SERIALIZERS.marshal_json(
            SERIALIZERS.unmarshal(raw, models.CreateInteractionRequest).body,
            models.CreateInteractionRequestBody,
        )
        assert reused == fresh


def test_other_calls_and_unhashable_types_are_never_remembered() -> None:
    counting = _CountingCreate()
    create = _sdk.memoised_create_model(counting)
    config = pydantic.ConfigDict(populate_by_name=True, arbitrary_types_allowed=True)
    for _ in range(2):
        create("Other", value=(int, ...))  # not the serializers' shape
        create("Marshaller", body=(int, ...), __config__=pydantic.ConfigDict(strict=True))
        create("Marshaller", body=(int, None), __config__=config)  # a default, not required
    assert counting.calls == 6
    unhashable: Any = {"not": "a type"}
    calls = []
    remembering = _sdk.memoised_create_model(lambda name, **fields: calls.append(name))
    for _ in range(2):
        remembering("Marshaller", body=(unhashable, ...), __config__=config)
    assert len(calls) == 2


def test_only_so_many_models_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_sdk, "_MAX_SERIALIZER_MODELS", 1)
    counting = _CountingCreate()
    create = _sdk.memoised_create_model(counting)
    config = pydantic.ConfigDict(populate_by_name=True, arbitrary_types_allowed=True)
    for _ in range(2):
        create("Marshaller", body=(int, ...), __config__=config)
        create("Marshaller", body=(str, ...), __config__=config)
    assert counting.calls == 3  # int kept, str built each time


def test_a_client_installs_the_memo_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(SERIALIZERS, "create_model", pydantic.create_model)
    _sdk.new_client("k", base_url="http://127.0.0.1:9", timeout_s=5)
    installed = SERIALIZERS.create_model
    assert installed is not pydantic.create_model
    _sdk.new_client("k", base_url="http://127.0.0.1:9", timeout_s=5)
    assert SERIALIZERS.create_model is installed  # not wrapped twice
