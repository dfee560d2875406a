"""Putting extracted articles into the archive, linking syndicated copies."""

from __future__ import annotations

from collections.abc import Sequence

from ..archive import Archive, ArticleRecord
from .dedupe import MIN_SHINGLES, containment, shingles

MAX_CANDIDATES = 20
SHINGLE_CACHE = 2000  # shingle sets of recent originals, kept for the crawl


class ArticleWriter:
    """Stores articles one by one and links near-duplicates (see :mod:`.dedupe`)."""

    def __init__(self, archive: Archive, threshold: float):
        self.archive = archive
        self.threshold = threshold
        self.links = 0
        self._shingles: dict[int, set[int]] = {}

    def store(self, record: ArticleRecord, signature: Sequence[str] = ()) -> tuple[str, int | None]:
        """Upsert ``record``; returns its outcome (new/updated/unchanged) and the original it copies.

        ``self.links`` counts the copy links made (including stored copies
        re-linked to an older original that arrived later).
        """
        with self.archive.write() as conn:
            result = self.archive.upsert_articles([record])[0]
            original = None
            if result.outcome != "unchanged" and signature:
                conn.execute("DELETE FROM crawler_minhash WHERE article_id=?", (result.article_id,))
                original = self._find_original(result.article_id, record, signature)
                conn.executemany("INSERT OR IGNORE INTO crawler_minhash(band_key, article_id) VALUES (?, ?)",
                                 [(key, result.article_id) for key in signature])
                if original is not None:
                    self.archive.mark_duplicate(result.article_id, original)
                    self.links += 1
            elif result.outcome == "unchanged":
                row = conn.execute("SELECT duplicate_of FROM articles WHERE id=?", (result.article_id,)).fetchone()
                original = row[0] if row else None
        return result.outcome, original

    def _find_original(self, article_id: int, record: ArticleRecord, signature: Sequence[str]) -> int | None:
        """The first copy of the story ``record`` belongs to, or None when it is the first.

        The first copy is the earliest published (then the earliest stored); when
        the new article predates the stored copies, they are re-linked to it.
        """
        placeholders = ",".join("?" * len(signature))
        conn = self.archive.conn
        rows = conn.execute(
            f"""SELECT coalesce(a.duplicate_of, a.id) AS root, count(*) AS shared
                FROM crawler_minhash m JOIN articles a ON a.id = m.article_id
                WHERE m.band_key IN ({placeholders}) AND m.article_id != ?
                GROUP BY root ORDER BY shared DESC, root LIMIT ?""",
            (*signature, article_id, MAX_CANDIDATES),
        ).fetchall()
        if not rows:
            return None
        mine = shingles(record.body)
        if len(mine) < MIN_SHINGLES:
            return None
        roots: dict[int, str] = {}
        for root_id, _shared in rows:
            if root_id == article_id:
                continue
            theirs = self._shingles.get(root_id)
            # The body is read only to shingle an original not yet in the cache.
            columns = "published" if theirs is not None else "published, body"
            row = conn.execute(f"SELECT {columns} FROM articles WHERE id=?", (root_id,)).fetchone()
            if row is None:
                continue
            if theirs is None:
                theirs = shingles(row[1])
                if len(self._shingles) >= SHINGLE_CACHE:
                    self._shingles.pop(next(iter(self._shingles)))
                self._shingles[root_id] = theirs
            if len(theirs) >= MIN_SHINGLES and containment(mine, theirs) >= self.threshold:
                roots[root_id] = row[0] or "9999"
        if not roots:
            return None
        root = min(roots, key=lambda i: (roots[i], i))
        if record.published and record.published < roots[root]:
            cur = conn.execute("UPDATE articles SET duplicate_of=? WHERE id=? OR duplicate_of=?",
                               (article_id, root, root))
            self.links += cur.rowcount
            self._shingles.pop(root, None)
            return None
        return root
