"""The Files API half of the fake Gemini server, as google-genai 3.6 drives it.

``client.aio.files.upload`` sends ``POST /upload/{v}/files`` with ``X-Goog-Upload-Protocol:
resumable`` and ``X-Goog-Upload-Command: start`` (body ``{"file": {"mime_type", "size_bytes"}}``,
size and type also in ``X-Goog-Upload-Header-Content-Length/-Type``). The answer carries the
upload URL in ``X-Goog-Upload-URL``. The SDK then POSTs 8 MiB chunks there with
``X-Goog-Upload-Command: upload`` (``upload, finalize`` for the last) and
``X-Goog-Upload-Offset``, *without* the API key (the upload id is the credential, as at
Google). Every chunk answer must carry ``X-Goog-Upload-Status`` (``active``, then ``final``
with ``{"file": {...}}``), or the SDK retries the chunk after 1 s, 2 s...
``files.get``/``files.delete`` are ``GET``/``DELETE /{v}/files/{id}``.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

from aiohttp import web

from testkit.gemini._replies import JsonObject
from testkit.gemini._wire import RpcError, now_iso, rpc_error_response, rpc_invalid_argument

FileState: TypeAlias = Literal["PROCESSING", "ACTIVE", "FAILED"]
KeyCheck: TypeAlias = Callable[[web.Request], web.Response | None]

MAX_FILE_BYTES = 2 * 1024**3
_FILE_ID_IN_URI = re.compile(r"files/([A-Za-z0-9_-]+)$")


@dataclass
class UploadedFile:
    """One file the fake received; tests may read and change any field."""

    name: str
    mime_type: str
    size_bytes: int
    uri: str
    display_name: str | None = None
    data: bytes = b""
    state: FileState = "PROCESSING"
    final_state: FileState = "ACTIVE"
    polls_left: int = 0
    get_count: int = 0
    deleted: bool = False
    created: str = field(default_factory=now_iso)

    @property
    def file_id(self) -> str:
        """The id part of ``name`` (``files/<id>``)."""
        return self.name.removeprefix("files/")

    def to_json(self) -> JsonObject:
        """The ``File`` resource as the API returns it (camelCase, sizes as strings)."""
        body: JsonObject = {
            "name": self.name,
            "mimeType": self.mime_type,
            "sizeBytes": str(self.size_bytes),
            "createTime": self.created,
            "updateTime": self.created,
            "expirationTime": self.created,
            "uri": self.uri,
            "state": self.state,
            "source": "UPLOADED",
        }
        if self.display_name is not None:
            body["displayName"] = self.display_name
        if self.state == "FAILED":
            body["error"] = {"code": 400, "message": "File processing failed."}
        return body

    def poll(self) -> None:
        """Advance processing by one ``files.get``: PROCESSING for ``polls_left`` more gets."""
        self.get_count += 1
        if self.state != "PROCESSING":
            return
        if self.polls_left > 0:
            self.polls_left -= 1
        else:
            self.state = self.final_state


def _not_found(file_id: str) -> web.Response:
    message = f"You do not have permission to access the File {file_id} or it may not exist."
    return rpc_error_response(RpcError(403, "PERMISSION_DENIED", message))


def _upload_error(error: RpcError) -> web.Response:
    return rpc_error_response(error, headers={"X-Goog-Upload-Status": "final"})


class FileStore:
    """Uploaded files and the aiohttp handlers of the Files API.

    ``processing_polls`` and ``final_state`` apply to files uploaded afterwards: a new file
    is PROCESSING for that many ``files.get`` calls, then ``final_state``.
    """

    def __init__(self, key_check: KeyCheck, *, processing_polls: int = 1) -> None:
        self.uploads: dict[str, UploadedFile] = {}
        self.processing_polls = processing_polls
        self.final_state: FileState = "ACTIVE"
        self._key_check = key_check
        self._sessions: dict[str, UploadedFile] = {}
        self._ids = itertools.count(1)

    def routes(self) -> list[web.RouteDef]:
        """The routes to add to the application."""
        return [
            web.post("/upload/{version}/files", self._upload),
            web.get("/{version}/files/{file_id}", self._get),
            web.delete("/{version}/files/{file_id}", self._delete),
        ]

    def lookup_uri(self, uri: str) -> UploadedFile | None:
        """The live (not deleted) file a ``uri`` points at, if any."""
        match = _FILE_ID_IN_URI.search(uri)
        found = self.uploads.get(f"files/{match.group(1)}") if match else None
        return None if found is None or found.deleted else found

    async def _upload(self, request: web.Request) -> web.Response:
        if "upload_id" in request.query:
            return await self._chunk(request)
        refused = self._key_check(request)
        return refused if refused is not None else await self._start(request)

    async def _start(self, request: web.Request) -> web.Response:
        headers = request.headers
        if headers.get("X-Goog-Upload-Protocol") != "resumable" or (
            headers.get("X-Goog-Upload-Command") != "start"
        ):
            message = "The fake only speaks resumable uploads."
            return rpc_error_response(rpc_invalid_argument(message))
        meta = (json.loads(await request.text() or "{}") or {}).get("file") or {}
        size = int(headers.get("X-Goog-Upload-Header-Content-Length", meta.get("size_bytes", 0)))
        mime = headers.get("X-Goog-Upload-Header-Content-Type") or meta.get("mime_type")
        if not mime:
            return rpc_error_response(rpc_invalid_argument("Missing upload content type."))
        if size > MAX_FILE_BYTES:
            return rpc_error_response(rpc_invalid_argument("File is larger than 2 GB."))
        name = meta.get("name") or f"files/fake{next(self._ids):06d}"
        if name in self.uploads:
            return rpc_error_response(RpcError(409, "ALREADY_EXISTS", f"{name} already exists."))
        origin = f"{request.scheme}://{request.host}"
        version = request.match_info["version"]
        upload = UploadedFile(
            name=name,
            mime_type=mime,
            size_bytes=size,
            uri=f"{origin}/{version}/{name}",
            display_name=meta.get("display_name") or meta.get("displayName"),
            final_state=self.final_state,
            polls_left=self.processing_polls,
        )
        upload_id = f"upload-{upload.file_id}"
        self._sessions[upload_id] = upload
        url = f"{origin}/upload/{version}/files?upload_id={upload_id}&upload_protocol=resumable"
        return web.Response(headers={"X-Goog-Upload-URL": url, "X-Goog-Upload-Status": "active"})

    async def _chunk(self, request: web.Request) -> web.Response:
        upload = self._sessions.get(request.query["upload_id"])
        if upload is None:
            return _upload_error(RpcError(404, "NOT_FOUND", "Unknown upload id."))
        command = request.headers.get("X-Goog-Upload-Command", "")
        offset = int(request.headers.get("X-Goog-Upload-Offset", "-1"))
        if "upload" not in command or offset != len(upload.data):
            message = f"Bad chunk: command {command!r}, offset {offset} != {len(upload.data)}."
            return _upload_error(rpc_invalid_argument(message))
        upload.data += await request.read()
        if "finalize" not in command:
            return web.Response(headers={"X-Goog-Upload-Status": "active"})
        if len(upload.data) != upload.size_bytes:
            message = f"Upload size {len(upload.data)} != declared {upload.size_bytes}."
            return _upload_error(rpc_invalid_argument(message))
        del self._sessions[request.query["upload_id"]]
        if upload.polls_left == 0:
            upload.state = upload.final_state
        self.uploads[upload.name] = upload
        return web.json_response(
            {"file": upload.to_json()}, headers={"X-Goog-Upload-Status": "final"}
        )

    def _live(self, request: web.Request) -> UploadedFile | web.Response:
        refused = self._key_check(request)
        if refused is not None:
            return refused
        file_id = request.match_info["file_id"]
        upload = self.uploads.get(f"files/{file_id}")
        if upload is None or upload.deleted:
            return _not_found(file_id)
        return upload

    async def _get(self, request: web.Request) -> web.Response:
        upload = self._live(request)
        if isinstance(upload, web.Response):
            return upload
        upload.poll()
        return web.json_response(upload.to_json())

    async def _delete(self, request: web.Request) -> web.Response:
        upload = self._live(request)
        if isinstance(upload, web.Response):
            return upload
        upload.deleted = True
        return web.json_response({})
