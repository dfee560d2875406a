"""Article extraction: bytes of a page in, text and metadata out (pure; runs in worker processes)."""

from __future__ import annotations

import codecs
import re
from dataclasses import asdict, dataclass
from typing import Any

from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom, resolve_encoding

from .dedupe import signature

#: Below this many characters of main text, extraction counts as failed and
#: the feed entry's summary is stored instead (flagged ``extraction="fallback"``).
MIN_TEXT_CHARS = 200

_HTML_LANG = re.compile(r"<html[^>]*\blang=[\"']?([A-Za-z]{2,3}(?:-[A-Za-z0-9]+)?)", re.IGNORECASE)
_MULTIBYTE = {"gb18030", "gb2312", "gbk", "big5", "big5hkscs", "cp950", "shift_jis", "cp932", "euc_jp",
              "euc_kr", "cp949", "iso2022_jp", "utf_16", "utf_32", "koi8_r", "cp1251"}
_extractions = 0
RESET_EVERY = 200  # trafilatura's caches grow with every document: reset them now and then


@dataclass(frozen=True)
class Extracted:
    """Main text and metadata of one page; ``text`` is empty when extraction failed."""

    text: str = ""
    title: str = ""
    author: str | None = None
    date: str | None = None
    language: str | None = None
    encoding: str = "utf-8"
    signature: tuple[str, ...] = ()  # near-duplicate band keys of the text

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode a page: BOM, then HTTP charset, then ``<meta charset>``, then UTF-8, then detection.

    GBK/GB2312 labels map to GB18030 (a superset), the way browsers read them.
    """
    bom, _ = read_bom(body)
    candidates = [bom, http_content_type_encoding(content_type) if content_type else None,
                  html_body_declared_encoding(body)]
    for enc in candidates:
        if enc:
            name = resolve_encoding(enc)
            if name:
                try:
                    return body.decode(name), codecs.lookup(name).name
                except (UnicodeDecodeError, LookupError):
                    break  # a lie in the declaration: fall through to detection
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    # Detection is trusted for multi-byte (CJK) encodings; for single-byte guesses
    # on short texts it is a coin toss, so those get windows-1252, the web's default.
    best = from_bytes(body[:200_000]).best()
    name = best.encoding if best and best.encoding in _MULTIBYTE else "cp1252"
    return body.decode(name, errors="replace"), name


def extract_article(html: str, url: str) -> Extracted:
    """Main text, title, author, date and language of an HTML page (trafilatura, always with ``url``)."""
    import trafilatura
    from trafilatura.utils import load_html

    global _extractions
    _extractions += 1
    if _extractions % RESET_EVERY == 0:
        from trafilatura.meta import reset_caches

        reset_caches()
    tree = load_html(html)
    if tree is None:
        return Extracted()
    meta = _metadata(tree, url)
    # fast=True skips trafilatura's second-opinion extractors (readability, jusText):
    # ~15% less CPU per page, and on the ground-truth pages (benchmarks/extraction.py)
    # at least as good as trafilatura's defaults on every measure. The tree is
    # copied by bare_extraction, so the one parse serves both steps.
    doc = trafilatura.bare_extraction(tree, url=url, with_metadata=False, include_comments=False,
                                      include_tables=True, fast=True)
    if doc is None:
        return Extracted()
    text = (doc.text or "").strip()
    language = doc.language or None
    if not language and (m := _HTML_LANG.search(html[:5000])):
        language = m.group(1).split("-")[0].lower()
    return Extracted(text=text, title=(meta.title or "").strip(), author=meta.author or None,
                     date=meta.date or None, language=language)


def _metadata(tree: Any, url: str) -> Any:
    """Title, author and date the way trafilatura's ``extract_metadata`` finds them, and nothing else.

    trafilatura's own pass also collects site name, categories, tags and licence,
    which wallwatch never stores: ~2 ms of a ~20 ms page. The steps and their
    order are trafilatura's (meta tags, then JSON-LD, then the page itself), so
    the results are the same; tests/test_crawl_extract_metadata.py checks that
    on every real page of ../shared/realweb.
    """
    from htmldate import find_date
    from trafilatura.metadata import examine_meta, extract_author, extract_meta_json, extract_title, extract_url
    from trafilatura.settings import set_date_params

    meta = examine_meta(tree)
    if meta.author and " " not in meta.author:
        meta.author = None  # a lone word in <meta name=author> is a site name more often than a person
    try:
        meta = extract_meta_json(tree, meta)
    except Exception:  # noqa: BLE001 - malformed JSON-LD leaves the meta-tag values
        pass
    meta.title = meta.title or extract_title(tree)
    meta.author = meta.author or extract_author(tree)
    meta.url = meta.url or extract_url(tree, url)
    meta.date = find_date(tree, **set_date_params(extensive=True), url=meta.url)
    meta.clean_and_trim()
    return meta


def extract_page(body: bytes, url: str, content_type: str | None = None) -> dict[str, object]:
    """Worker entry point: decode, extract and sign one fetched page (returns a picklable dict)."""
    html, encoding = decode_html(body, content_type)
    result = extract_article(html, url)
    sig = signature(result.text) if len(result.text) >= MIN_TEXT_CHARS else ()
    out = result.as_dict()
    out["encoding"] = encoding
    out["signature"] = list(sig)
    return out
