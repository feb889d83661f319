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
