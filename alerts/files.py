"""The file channel: the HTML and text digest written to a folder (the embedded default)."""

from __future__ import annotations

import os
from pathlib import Path

from wallwatch.config import Config, DigestConfig, data_dir
from wallwatch.errors import DeliveryError

from .channel import Message
from .render import Digest, render_html, render_text


def digest_folder(config: Config, digest: DigestConfig) -> Path:
    return config.resolve(digest.folder) if digest.folder else data_dir() / "digests"


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


class FileChannel:
    """Writes ``<name>-<time>.html`` and ``.txt``, and refreshes ``<name>-latest.*``."""

    name = "file"

    def __init__(self, config: Config, digest: DigestConfig):
        self.folder = digest_folder(config, digest)
        self.digest = digest

    def plan(self, digest: Digest) -> list[Message]:
        return [Message(digest.stories, digest)]

    def send(self, message: Message) -> str:
        digest: Digest = message.payload
        stamp = digest.generated.strftime("%Y%m%d-%H%M%S")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            html, text = render_html(digest), render_text(digest)
            target = self.folder / f"{self.digest.name}-{stamp}.html"
            _write_atomic(self.folder / f"{self.digest.name}-{stamp}.txt", text)
            _write_atomic(target, html)
            _write_atomic(self.folder / f"{self.digest.name}-latest.txt", text)
            _write_atomic(self.folder / f"{self.digest.name}-latest.html", html)
        except OSError as exc:
            raise DeliveryError(f"cannot write the digest to {self.folder}: {exc.strerror or exc}") from None
        return str(target)
