"""The shape of the code, checked: imports flow one way, bot/ never imports discord, packages
are used through their public surface, and modules and functions stay small.

See docs/architecture.md for the layers and why.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Lowest first: a unit may import only units before it (and itself).
LAYERS = [
    "bot",  # the package itself: imports nothing
    "bot.model",
    "bot.errors",
    "bot.timecodes",
    "bot.settings",
    "bot.healthcheck",  # the container's HEALTHCHECK: settings and the standard library only
    "bot.logs",
    "bot.options",
    "bot.links",
    "bot.metrics",
    "bot.audio",
    "bot.gemini",
    "bot.render",
    "bot.storage",
    "bot.pipeline",
    "bot.jobs",
    "bot.ops",
    "bot.review",
    "bot.admin",
    "bot.web",
    "bot.app",
    "bot.cli",
    "bot.__main__",
    "cogs",
]
PEERS = {"bot.audio", "bot.gemini", "bot.render", "bot.storage"}  # independent of each other
# `python -m bot run` and `invite-url` import the Discord half lazily
LAZY_ALLOWED = {("bot.cli", "cogs.app"), ("bot.cli", "cogs.bot_permissions")}
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 40


def _modules(*tops: str) -> Iterator[tuple[str, Path]]:
    for top in tops:
        for path in sorted((ROOT / top).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            yield name, path


def _unit(module: str) -> str | None:
    return next((u for u in reversed(LAYERS) if module == u or module.startswith(u + ".")), None)


def _imports(path: Path) -> Iterator[tuple[str, bool]]:
    """(imported module, at module level) for every import of project code."""
    tree = ast.parse(path.read_text())
    top_level = {id(node) for node in tree.body}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            yield name, id(node) in top_level


def _layer_violations() -> Iterator[str]:
    for module, path in _modules("bot", "cogs"):
        here = _unit(module)
        assert here is not None, module
        for imported, top_level in _imports(path):
            there = _unit(imported)
            if there is None or there == here:
                continue
            if not top_level and (here, imported) in LAZY_ALLOWED:
                continue
            if LAYERS.index(there) > LAYERS.index(here) or {here, there} <= PEERS:
                yield f"{module} imports {imported}"


def test_imports_flow_one_way() -> None:
    assert list(_layer_violations()) == []


def test_bot_never_imports_discord() -> None:
    offenders = [
        f"{module}: {imported}"
        for module, path in _modules("bot")
        for imported, _ in _imports(path)
        if imported == "discord" or imported.startswith("discord.")
    ]
    assert offenders == []


def _private_imports() -> Iterator[tuple[str, str]]:
    for module, path in _modules("bot", "cogs"):
        for imported, _ in _imports(path):
            if any(part.startswith("_") for part in imported.split(".")):
                yield module, imported


def test_packages_are_used_through_their_public_surface() -> None:
    """Outside a package, nothing imports its private ``_x`` modules."""
    offenders = []
    for module, imported in _private_imports():
        parts = imported.split(".")
        if parts[0] in ("bot", "cogs"):
            private = next(i for i, part in enumerate(parts) if part.startswith("_"))
            if not module.startswith(".".join(parts[:private])):
                offenders.append(f"{module} imports {imported}")
    assert offenders == []


def test_only_the_sdk_module_touches_google_genai_internals() -> None:
    touching = {module for module, imported in _private_imports() if imported.startswith("google")}
    assert touching == {"bot.gemini._sdk"}


@pytest.mark.parametrize("top", ["bot", "cogs", "testkit", "tests", "bench"])
def test_modules_and_functions_stay_small(top: str) -> None:
    long_modules, long_functions = [], []
    for module, path in _modules(top):
        source = path.read_text()
        if source.count("\n") > MAX_MODULE_LINES:
            long_modules.append(module)
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long_functions.append(f"{module}.{node.name} ({length} lines)")
    assert (long_modules, long_functions) == ([], [])


def test_formatting_is_never_switched_off() -> None:
    pragmas = [
        str(path.relative_to(ROOT))
        for top in ("bot", "cogs", "testkit", "tests", "bench")
        for path in (ROOT / top).rglob("*.py")
        if "fmt: " + "skip" in path.read_text() or "fmt: " + "off" in path.read_text()
    ]
    assert pragmas == []
