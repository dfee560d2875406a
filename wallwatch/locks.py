"""Process-exclusive lock files: one daemon per archive, one sender per digest.

``flock`` locks belong to the open file, so the OS drops them when the holder
dies: a killed process never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


class LockHeld(Exception):
    """Another process holds the lock; ``holder`` is what it wrote there (its pid), or "?"."""

    def __init__(self, holder: str):
        super().__init__(holder)
        self.holder = holder


def acquire_lock(path: Path, *, record_pid: bool = False) -> int:
    """Lock ``path`` (created if missing) without waiting; return the fd to ``os.close`` to release.

    Raises :class:`LockHeld` when another process holds it.
    """
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
        os.close(fd)
        raise LockHeld(holder) from None
    if record_pid:
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
    return fd
