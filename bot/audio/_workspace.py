"""Per-job temp directories and the file operations done in them.

Each job gets ``<root>/voicenotes-job-<random>`` (mode 0700, made by :func:`tempfile.mkdtemp`),
and everything the job writes goes there; the directory is removed when the job ends, however it
ends. A process killed outright cannot clean up, so :func:`sweep_stale_workspaces` removes
leftovers at startup. A workspace's owner holds an exclusive ``flock`` on a file in it for as
long as it lives; the kernel releases it when the owner dies, even by ``kill -9``, so the sweep
never removes the workspace of a job still running in another process on the same root, however
long that job takes. Blocking file work (copying, hashing, removing trees) runs in threads.
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import logging
import os
import shutil
import stat
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

log = logging.getLogger(__name__)

WORKSPACE_PREFIX = "voicenotes-job-"  # distinctive: the root may be the shared system temp dir
INPUT_NAME = "input"  # the user's file name never reaches the disk or an ffmpeg argv
OWNER_LOCK_NAME = ".owner-lock"  # flocked by the workspace's owner while it lives
_HASH_BLOCK = 1024 * 1024


@asynccontextmanager
async def job_workspace(root: Path) -> AsyncIterator[Path]:
    """A fresh private directory under ``root``, removed on exit (success, error or
    cancellation)."""
    path, owner_lock = await asyncio.to_thread(_make_workspace, root)
    try:
        yield path
    finally:
        try:
            await _remove_tree(path)
        finally:
            os.close(owner_lock)  # after the removal: the sweep must not race it


def _make_workspace(root: Path) -> tuple[Path, int]:
    """The new workspace, and the descriptor holding its owner lock (close it last)."""
    root.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix=WORKSPACE_PREFIX, dir=root))  # 0700, unguessable
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    owner_lock = os.open(path / OWNER_LOCK_NAME, flags, 0o600)
    fcntl.flock(owner_lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a fresh file: never contended
    return path, owner_lock


def _owner_alive(workspace: str) -> bool:
    """Whether a live process holds the workspace's owner lock. No lock file (a workspace
    from before owner locks, or one whose owner died before taking it) means no owner."""
    try:
        fd = os.open(os.path.join(workspace, OWNER_LOCK_NAME), os.O_RDWR | os.O_NOFOLLOW)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # releases the lock we may have taken
    return False


async def _remove_tree(path: Path) -> None:
    removal = asyncio.ensure_future(asyncio.to_thread(shutil.rmtree, path, ignore_errors=True))
    try:
        await asyncio.shield(removal)
    except asyncio.CancelledError:
        # Cancelled while cleaning up: the thread finishes the removal regardless; wait for
        # it once more so callers that catch the cancellation see a clean disk.
        await asyncio.wait({removal})
        raise


def sweep_stale_workspaces(root: Path, *, older_than_s: float = 3600) -> int:
    """Remove our workspace directories under ``root`` untouched for ``older_than_s`` seconds
    whose owner is gone (see the module docstring); returns how many were removed.

    Meant for startup; safe while other processes run jobs under the same root (the age
    also covers a workspace made a moment ago whose owner has not locked it yet). Symlinks
    and plain files are left alone, so a planted link cannot make the sweep delete elsewhere.
    """
    if not root.is_dir():
        return 0
    cutoff = time.time() - older_than_s
    removed = 0
    with os.scandir(root) as entries:
        for entry in entries:
            if not entry.name.startswith(WORKSPACE_PREFIX):
                continue
            if not entry.is_dir(follow_symlinks=False):
                continue
            if entry.stat(follow_symlinks=False).st_mtime > cutoff:
                continue
            if _owner_alive(entry.path):
                continue
            shutil.rmtree(entry.path, ignore_errors=True)
            removed += 1
    if removed:
        log.info("removed %d stale job workspaces", removed)
    return removed


def regular_file_size(path: Path) -> int | None:
    """The size of ``path`` if it is a regular file (after symlinks), else None."""
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_size if stat.S_ISREG(info.st_mode) else None


def adopt_input(source: Path, workdir: Path) -> Path:
    """Put ``source`` in ``workdir`` under our own name: a hard link when possible (free),
    else a copy. Blocking: call it in a thread."""
    target = workdir / INPUT_NAME
    if source.resolve() == target.resolve():
        return target
    target.unlink(missing_ok=True)  # a previous prepare in this workdir: ours to replace
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)  # another filesystem, or links not allowed
    return target


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in blocks (hashlib releases the GIL while hashing)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()
