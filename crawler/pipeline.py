"""The item pipeline: extracted pages become archive rows (with the feed entry as fallback)."""

from __future__ import annotations

from typing import Any

from ..archive import ArticleRecord, utcnow
from .extract import MIN_TEXT_CHARS
from .feeds import FeedEntry
from .report import MAX_REASONS
from .spider import NewsSpider, strip_tags
from .storing import ArticleWriter


def build_record(source: str, url: str, entry: FeedEntry, data: dict[str, Any],
                 topics: tuple[str, ...]) -> tuple[ArticleRecord | None, str | None]:
    """The article to store, or None and the reason nothing usable was found.

    Extracted text, title, author, date and language win; when extraction
    yields too little text, the feed entry's summary is stored and the
    article is flagged ``extraction="fallback"``.
    """
    text = str(data.get("text") or "")
    summary = strip_tags(entry.summary) if entry.summary else ""
    extraction = "full"
    if len(text) < MIN_TEXT_CHARS:
        if not summary and not text:
            why = data.get("error") or "no article text found on the page"
            return None, f"{url}: {why}"
        text, extraction = (summary or text), "fallback"
    published = entry.published
    extracted_date = data.get("date")
    if extracted_date and not (published and published.startswith(str(extracted_date))):
        published = str(extracted_date) if extraction == "full" or not published else published
    record = ArticleRecord(
        url=url, title=str(data.get("title") or entry.title or "").strip(), body=text, source=source,
        summary=summary or None, author=data.get("author") or entry.author, published=published,
        language=data.get("language"), topics=topics, extraction=extraction, fetched=utcnow(),
    )
    return record, None


class ArchivePipeline:
    """Stores each item through the spider's :class:`ArticleWriter` and counts the outcome."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> "ArchivePipeline":
        return cls(crawler)

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        spider: NewsSpider = self.crawler.spider
        writer: ArticleWriter = spider.writer  # type: ignore[attr-defined]
        name = item["source"]
        result = spider.results[name]
        src = spider.source_configs[name]
        record, problem = build_record(name, item["url"], item["entry"], item["data"], src.topics)
        if record is None:
            result.note("failed", problem)
        else:
            signature = item["data"].get("signature") or ()
            links = writer.links
            outcome, _original = writer.store(record, signature)
            result.note(outcome)
            result.duplicates += writer.links - links
            if record.extraction == "fallback":
                result.fallback += 1
                if outcome != "unchanged" and len(result.warnings) < MAX_REASONS:
                    result.warnings.append(f"{record.url}: stored the feed summary (extraction found too little text)")
            spider.emit("stored", {"source": name, "outcome": outcome})
        return {"source": name, "url": item["url"]}
