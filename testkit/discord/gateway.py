"""The gateway: HELLO/IDENTIFY/READY, heartbeats, RESUME with replay, dispatch by intents.

Each IDENTIFY creates a session with its own sequence log.  Every dispatched event is logged
(connected or not), so a RESUME replays what the client missed, and ``replay`` can force
already-delivered events to be sent again the way real resumes sometimes duplicate them.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any, Protocol

from aiohttp import WSMsgType, web

from .compression import Compressor, make_compressor
from .ids import new_token
from .intents import hide_content, privileged_missing, wants
from .models import JSON

_NOT_REPLAYABLE = frozenset({"READY", "RESUMED", "GUILD_CREATE"})


class GatewayBackend(Protocol):
    """What the gateway needs from the rest of the fake."""

    token: str
    granted_intents: set[str]
    heartbeat_interval_ms: int

    @property
    def bot_id(self) -> int:
        """The bot user's id."""
        ...

    def ready_payload(self, session: GatewaySession) -> JSON:
        """READY's ``d`` for a new session."""
        ...

    def guild_create_payloads(self, session: GatewaySession) -> list[JSON]:
        """GUILD_CREATE payloads for the session's guilds."""
        ...

    def members_chunk(self, request: JSON) -> JSON:
        """GUILD_MEMBERS_CHUNK answering a REQUEST_GUILD_MEMBERS (op 8)."""
        ...


@dataclass
class LoggedEvent:
    """One dispatched event of a session."""

    seq: int
    event: str
    data: JSON

    def frame(self) -> JSON:
        """The op-0 gateway frame."""
        return {"op": 0, "t": self.event, "s": self.seq, "d": self.data}


class Connection:
    """One websocket connection; sends are serialized so the compression stream stays valid."""

    def __init__(
        self,
        ws: web.WebSocketResponse,
        compressor: Compressor | None,
        path: str,
        query: dict[str, str],
    ) -> None:
        self.ws = ws
        self.compressor = compressor
        self.path = path
        self.query = query
        self._lock = asyncio.Lock()

    async def send(self, payload: JSON) -> bool:
        """Send one gateway message; ``False`` if the socket is already gone."""
        text = json.dumps(payload)
        async with self._lock:
            if self.ws.closed:
                return False
            try:
                if self.compressor is None:
                    await self.ws.send_str(text)
                else:
                    await self.ws.send_bytes(self.compressor.compress(text))
            except (ConnectionError, RuntimeError):
                return False
        return True

    async def close(self, code: int, reason: str = "") -> None:
        """Close with a gateway close code (4004, 4014...)."""
        await self.ws.close(code=code, message=reason.encode())


@dataclass(eq=False)
class GatewaySession:
    """An identified session: intents, shard, sequence log and current connection."""

    session_id: str
    intents: int
    shard: tuple[int, int] | None
    identify: JSON
    seq: int = 0
    log: list[LoggedEvent] = field(default_factory=list)
    conn: Connection | None = None
    ready: bool = False
    invalid: bool = False
    paused: bool = False
    resumes: int = 0
    forced_replay: list[LoggedEvent] = field(default_factory=list)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def handles_guild(self, guild_id: int | None) -> bool:
        """Whether this session's shard receives events of ``guild_id`` (DMs: shard 0)."""
        if self.shard is None:
            return True
        shard_id, count = self.shard
        return shard_id == 0 if guild_id is None else (guild_id >> 22) % count == shard_id

    async def emit(self, event: str, data: JSON) -> None:
        """Log an event with the next sequence number and send it if connected."""
        async with self.lock:
            await self.emit_locked(event, data)

    async def emit_locked(self, event: str, data: JSON) -> None:
        """``emit`` for callers already holding ``lock``."""
        self.seq += 1
        entry = LoggedEvent(self.seq, event, data)
        self.log.append(entry)
        if self.conn is not None and not self.paused:
            await self.conn.send(entry.frame())

    def events(self, event: str | None = None) -> list[LoggedEvent]:
        """Logged dispatches, optionally of one type."""
        return [e for e in self.log if event is None or e.event == event]


class Gateway:
    """The websocket endpoint and the sessions behind it."""

    def __init__(self, backend: GatewayBackend) -> None:
        self.backend = backend
        self.sessions: dict[str, GatewaySession] = {}
        self.connections: list[Connection] = []
        self.identifies: list[JSON] = []
        self.resumes: list[JSON] = []
        self.presence_updates: list[JSON] = []
        self.down = False  # an outage: upgrades are refused with 503 (see ``go_down``)

    def add_routes(self, app: web.Application) -> None:
        """Serve the gateway at ``/`` and the resume URL at ``/resume/``."""
        app.router.add_get("/", self.handle)
        app.router.add_get("/resume/", self.handle)

    def current_session(self) -> GatewaySession | None:
        """The most recently identified, still valid session."""
        live = [s for s in self.sessions.values() if not s.invalid and s.ready]
        return live[-1] if live else None

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """One websocket connection: HELLO, then ops until the socket closes."""
        if self.down:  # what Discord's edge answers while the gateway is out
            return web.Response(status=503, text="upstream connect error")
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        try:
            compressor = make_compressor(request.query.get("compress"))
        except ValueError:
            await ws.close(code=4000, message=b"Unsupported compression")
            return ws
        conn = Connection(ws, compressor, request.path, dict(request.query))
        self.connections.append(conn)
        hello = {"heartbeat_interval": self.backend.heartbeat_interval_ms, "_trace": ["fake"]}
        await conn.send({"op": 10, "d": hello, "s": None, "t": None})
        session: GatewaySession | None = None
        async for msg in ws:
            if msg.type is not WSMsgType.TEXT:
                continue
            try:
                payload = json.loads(msg.data)
            except ValueError:
                await conn.close(4002, "Error while decoding payload.")
                break
            session = await self._on_op(conn, session, payload)
        if session is not None and session.conn is conn:
            session.conn = None
        return ws

    async def _on_op(
        self, conn: Connection, session: GatewaySession | None, payload: JSON
    ) -> GatewaySession | None:
        op, data = payload.get("op"), payload.get("d")
        if op == 1:
            await conn.send({"op": 11})
        elif op == 2:
            if session is not None:
                await conn.close(4005, "Already authenticated.")
                return session
            return await self._identify(conn, data or {})
        elif op == 6:
            return await self._resume(conn, data or {})
        elif op == 3:
            self.presence_updates.append(data or {})
        elif op == 8 and session is not None:
            await session.emit("GUILD_MEMBERS_CHUNK", self.backend.members_chunk(data or {}))
        elif op != 4:
            await conn.close(4001, "Unknown opcode.")
        return session

    async def _identify(self, conn: Connection, data: JSON) -> GatewaySession | None:
        self.identifies.append(data)
        if data.get("token") != self.backend.token:
            await conn.close(4004, "Authentication failed.")
            return None
        intents = data.get("intents")
        if not isinstance(intents, int):
            await conn.close(4013, "Invalid intent(s).")
            return None
        if privileged_missing(intents, self.backend.granted_intents):
            await conn.close(4014, "Disallowed intent(s).")
            return None
        shard = self.shard_tuple(data.get("shard"))
        session = GatewaySession(new_token(16), intents, shard, data)
        self.sessions[session.session_id] = session
        async with session.lock:
            session.conn = conn
            await session.emit_locked("READY", self.backend.ready_payload(session))
            for guild in self.backend.guild_create_payloads(session):
                await session.emit_locked("GUILD_CREATE", guild)
            session.ready = True
        return session

    async def _resume(self, conn: Connection, data: JSON) -> GatewaySession | None:
        self.resumes.append(data)
        session = self.sessions.get(str(data.get("session_id")))
        if session is None or session.invalid or data.get("token") != self.backend.token:
            await conn.send({"op": 9, "d": False})
            return None
        async with session.lock:
            session.conn = conn
            client_seq = int(data.get("seq") or 0)
            replay = {e.seq: e for e in session.forced_replay}
            replay |= {e.seq: e for e in session.log if e.seq > client_seq}
            session.forced_replay = []
            for seq in sorted(replay):
                await conn.send(replay[seq].frame())
            await session.emit_locked("RESUMED", {"_trace": ["fake"]})
            session.resumes += 1
        return session

    async def dispatch(self, event: str, data: JSON, *, guild_id: int | None) -> None:
        """Send an event to every session that should receive it."""
        for session in list(self.sessions.values()):
            if session.invalid or not session.ready or not session.handles_guild(guild_id):
                continue
            if not wants(session.intents, event, guild_id):
                continue
            payload = hide_content(event, data, intents=session.intents, bot_id=self.backend.bot_id)
            await session.emit(event, payload)

    async def request_reconnect(
        self, session: GatewaySession, replay: int = 0, event: str | None = None
    ) -> int:
        """Send op 7 RECONNECT; the next RESUME also re-sends the last ``replay`` events.

        Returns the resume count to wait for.
        """
        candidates = [e for e in session.events(event) if e.event not in _NOT_REPLAYABLE]
        session.forced_replay = candidates[-replay:] if replay else []
        target = session.resumes + 1
        if session.conn is not None:
            await session.conn.send({"op": 7, "d": None})
        return target

    async def invalidate(self, session: GatewaySession) -> None:
        """Send op 9 INVALID_SESSION (not resumable): the client must IDENTIFY again."""
        session.invalid = True
        if session.conn is not None:
            await session.conn.send({"op": 9, "d": False})

    async def go_down(self) -> list[Connection]:
        """A gateway outage: refuse new connections and close the open ones with 1001
        (Going Away), which clients reconnect after; returns the connections closed."""
        self.down = True
        closed = [conn for conn in self.connections if not conn.ws.closed]
        for conn in closed:
            await conn.close(1001, "Going away")
        return closed

    async def close_all(self) -> None:
        """Close every open websocket (server shutdown)."""
        for conn in self.connections:
            if not conn.ws.closed:
                await conn.close(1001, "Going away")

    @staticmethod
    def shard_tuple(value: Any) -> tuple[int, int] | None:
        """Normalize IDENTIFY's ``shard`` field."""
        return (int(value[0]), int(value[1])) if value else None
