"""``python -m wallwatch.crawler``: run one crawl job read (pickled) from stdin.

Used by :func:`wallwatch.crawler.crawl`, which starts this process for each
crawl. Events go to the original stdout as JSON lines; everything else that
might print (libraries, logging) is redirected to stderr.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import sys
import threading
from typing import Any


def main() -> int:
    job = pickle.load(sys.stdin.buffer)
    events = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    lock = threading.Lock()

    def emit(event: str, data: dict[str, Any]) -> None:
        with lock:
            events.write(json.dumps({"event": event, **data}, default=str) + "\n")

    from .child import run_job

    try:
        report = run_job(job, emit)
    except Exception as exc:  # reported to the parent, which records the run as failed
        logging.getLogger("wallwatch.crawler").exception("crawl process failed")
        emit("error", {"message": f"{type(exc).__name__}: {exc}"})
        return 1
    emit("report", {"report": report.as_dict()})
    events.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
