"""Lock files: a second process is refused while the first holds the lock, and a killed holder frees it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from wallwatch.alerts.ledger import digest_lock
from wallwatch.archive import Archive
from wallwatch.errors import DeliveryError
from wallwatch.locks import LockHeld, acquire_lock

HOLD = """
import sys, time
from pathlib import Path
from wallwatch.locks import acquire_lock
acquire_lock(Path(sys.argv[1]), record_pid=True)
print("held", flush=True)
time.sleep(60)
"""


def test_held_by_another_process_then_freed_when_it_dies(tmp_path):
    path = tmp_path / "x.lock"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(LockHeld) as info:
            acquire_lock(path)
        assert info.value.holder == str(holder.pid)
    finally:
        holder.kill()
        holder.wait(10)
    os.close(acquire_lock(path))  # the OS dropped the dead holder's lock


def test_a_digest_is_sent_by_one_process_at_a_time(tmp_path):
    with Archive(tmp_path / "a.db") as archive:
        holder = subprocess.Popen([sys.executable, "-c", HOLD, f"{archive.path}.daily.lock"],
                                  stdout=subprocess.PIPE, text=True)
        try:
            assert holder.stdout.readline().strip() == "held"
            with pytest.raises(DeliveryError, match="'daily' is being sent by another wallwatch process"):
                with digest_lock(archive, "daily"):
                    pass
        finally:
            holder.kill()
            holder.wait(10)
        with digest_lock(archive, "daily"):
            pass
