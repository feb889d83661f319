"""Request body parsing: JSON, or multipart/form-data with ``payload_json`` and ``files[n]``.

Multipart is parsed by hand from the raw bytes so that file contents arrive byte-exact and the
recorder and the handlers can both read the same body.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote

from . import errors
from .models import UploadedFile


@dataclass
class ParsedBody:
    """A request body: the JSON document (or ``payload_json``) and uploaded files."""

    json: Any = None
    files: list[UploadedFile] = field(default_factory=list)
    form: dict[str, str] = field(default_factory=dict)


def parse_body(content_type: str, raw: bytes) -> ParsedBody:
    """Parse a body according to its ``Content-Type`` header."""
    mime, params = _split_header(content_type)
    if mime == "multipart/form-data":
        return _parse_multipart(raw, params.get("boundary", ""))
    if mime == "application/x-www-form-urlencoded":  # OAuth2's token endpoint
        pairs = parse_qs(raw.decode(errors="replace"), keep_blank_values=True)
        return ParsedBody(form={key: values[0] for key, values in pairs.items()})
    if not raw:
        return ParsedBody()
    try:
        return ParsedBody(json=json.loads(raw))
    except (ValueError, UnicodeDecodeError):
        raise errors.invalid_json() from None


def _split_header(value: str) -> tuple[str, dict[str, str]]:
    parts = [p.strip() for p in value.split(";")]
    params: dict[str, str] = {}
    for part in parts[1:]:
        key, _, val = part.partition("=")
        params[key.strip().lower()] = _unquote_param(val.strip())
    return parts[0].lower(), params


def _unquote_param(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return value


def _parse_multipart(raw: bytes, boundary: str) -> ParsedBody:
    body = ParsedBody()
    if not boundary:
        raise errors.invalid_form_body({})
    delimiter = b"--" + boundary.encode()
    for chunk in raw.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, data = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        _add_part(body, _headers(head), data.removesuffix(b"\r\n"))
    payload = body.form.pop("payload_json", None)
    if payload is not None:
        try:
            body.json = json.loads(payload)
        except ValueError:
            raise errors.invalid_json() from None
    return body


def _headers(head: bytes) -> dict[str, str]:
    headers = {}
    for line in head.decode("utf-8", "replace").split("\r\n"):
        key, _, value = line.partition(":")
        headers[key.strip().lower()] = value.strip()
    return headers


def _add_part(body: ParsedBody, headers: dict[str, str], data: bytes) -> None:
    _, disposition = _split_header(headers.get("content-disposition", ""))
    name = disposition.get("name", "")
    filename = disposition.get("filename")
    if "filename*" in disposition:
        filename = unquote(disposition["filename*"].partition("''")[2])
    if filename is None:
        body.form[name] = data.decode("utf-8", "replace")
        return
    body.files.append(
        UploadedFile(
            field_name=name, filename=filename, content_type=headers.get("content-type"), data=data
        )
    )
