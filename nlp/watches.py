"""Watches: analysts' named keyword rules, written in the search query language.

A watch file is TOML with one ``[[watch]]`` table per watch::

    [[watch]]
    name = "wechat-tmall-ads"
    query = '(WeChat OR Weixin) NEAR/12 (Tmall OR Taobao) AND (ad* OR advert*)'
    description = "WeChat ads that send traffic to Alibaba stores"
    must = ["WeChat Moments ads now lead straight to Tmall stores."]
    must_not = ["WeChat and Tmall both reported higher earnings."]

The query is matched sentence by sentence (and on the title); besides words it
may use ``platform:``, ``polarity:``, ``event_type:``, ``topic:``, ``source:``
and ``title:``. Meltwater/Factiva proximity (``w/n``, ``NEAR/n``, ``ONEAR/n``,
``PRE/n``) is understood as is. Every matching sentence becomes a signal of
kind ``watch:<name>`` with the sentence as evidence.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wallwatch.archive import QueryError, SignalRecord, parse
from wallwatch.archive.query import And, Field, Node, Not, Or, Query
from wallwatch.config import _locate_keys, parse_toml
from wallwatch.errors import RulesError

from .workbench_text import PlatformFinder, anchor_pattern, candidate_spans, fields_used

#: Fields a watch may use besides plain words.
WATCH_FIELDS = frozenset({"platform", "polarity", "event_type", "topic", "source", "title"})
MAX_SIGNALS_PER_ARTICLE = 5
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_KEYS = {"name", "query", "description", "must", "must_not", "enabled"}


@dataclass(frozen=True)
class Watch:
    """One watch, as loaded from its file (``line`` is where its table starts)."""

    name: str
    query: Query
    description: str = ""
    must: tuple[str, ...] = ()
    must_not: tuple[str, ...] = ()
    enabled: bool = True
    file: str = "<watches>"
    line: int = 0

    @property
    def kind(self) -> str:
        return f"watch:{self.name}"

    @property
    def version(self) -> str:
        """Changes when the query changes (not the description), so only edits re-run a watch."""
        return "watch-" + hashlib.sha1(self.query.text.encode("utf-8")).hexdigest()[:12]

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class WatchSet:
    watches: tuple[Watch, ...] = ()
    path: Path | None = None

    def get(self, name: str) -> Watch:
        for w in self.watches:
            if w.name == name:
                return w
        known = ", ".join(w.name for w in self.watches) or "none"
        raise RulesError(f"no watch named {name!r} (known: {known})")

    @property
    def enabled(self) -> tuple[Watch, ...]:
        return tuple(w for w in self.watches if w.enabled)


def parse_watch_query(text: str) -> Query:
    """Parse a watch or draft query with the fields watches may use."""
    query = parse(text, fields=WATCH_FIELDS)
    _check_negations(query.root, text)
    return query


def _check_negations(node: Node, text: str) -> None:
    # Sentence by sentence, "NOT x" or "a OR NOT b" would match nearly every sentence.
    if isinstance(node, Not):
        raise QueryError("a query needs at least one term that is not negated", text, None)
    if isinstance(node, Or):
        if any(isinstance(c, Not) for c in node.children):
            raise QueryError("NOT cannot stand alone inside OR; write a AND NOT b", text, None)
        for c in node.children:
            _check_negations(c, text)
    elif isinstance(node, And):
        if all(isinstance(c, Not) for c in node.children):
            raise QueryError("a query needs at least one term that is not negated", text, None)
        for c in node.children:
            if not isinstance(c, Not):
                _check_negations(c, text)
    elif isinstance(node, Field):
        _check_negations(node.value, text)


def load_watches(path: str | Path) -> WatchSet:
    """Read and validate a watch file; raises :class:`RulesError` naming ``file:line``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RulesError(f"{path}: no such watch file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesError(f"{path}: cannot read the watch file: {exc}") from None
    return loads_watches(text, str(path))


def loads_watches(text: str, file: str = "<watches>") -> WatchSet:
    """Validate watch-file text (see the module docstring for the format)."""
    data = parse_toml(text, file, RulesError)
    lines = _locate_keys(text)
    extra = set(data) - {"watch"}
    if extra:
        key = sorted(extra)[0]
        raise _failer(file, lines)((key,), f"unknown top-level key {key!r}: write each watch as a [[watch]] table")
    tables = data.get("watch", [])
    if not isinstance(tables, list):
        raise _failer(file, lines)(("watch",), "write each watch as a [[watch]] table")
    return WatchSet(tuple(watches_from_tables(tables, file, lines)), Path(file) if file != "<watches>" else None)


def watches_from_tables(tables: Sequence[Mapping[str, Any]], file: str, lines: Mapping[tuple[Any, ...], int],
                        prefix: tuple[str, ...] = ("watch",), taken: Mapping[str, str] | None = None) -> list[Watch]:
    """Watches from parsed TOML tables; ``lines`` (from the file's text) locates errors.

    ``prefix`` is where the tables sit in the file (``("nlp", "watch")`` in
    config.toml); ``taken`` maps names already defined elsewhere to where.
    """
    fail = _failer(file, lines, prefix)
    watches: list[Watch] = []
    seen: dict[str, str] = dict(taken or {})
    for i, table in enumerate(tables):
        w = _build(table, i, fail, file, lines.get((*prefix, i), 0))
        if w.name in seen:
            raise fail(("watch", i, "name"), f"watch {w.name!r} is defined twice (also {seen[w.name]})")
        seen[w.name] = f"line {w.line}" if not taken or w.name not in taken else seen[w.name]
        watches.append(w)
    return watches


def _failer(file: str, lines: Mapping[tuple[Any, ...], int], prefix: tuple[str, ...] = ("watch",)) -> Any:
    def fail(keypath: tuple[Any, ...], message: str) -> RulesError:
        # keypath is ("watch", i, key...); the tables live under ``prefix`` in the file.
        full = (*prefix, *keypath[1:]) if keypath and keypath[0] == "watch" else keypath
        line = next((lines[full[:n]] for n in range(len(full), 0, -1) if full[:n] in lines), None)
        return RulesError(f"{file}:{line}: {message}" if line else f"{file}: {message}")

    return fail


def _build(table: Any, i: int, fail: Any, file: str, line: int) -> Watch:
    for key in table:
        if key not in _KEYS:
            raise fail(("watch", i, key), f"unknown key {key!r} (known: {', '.join(sorted(_KEYS))})")
    name = table.get("name")
    if not isinstance(name, str) or not name:
        raise fail(("watch", i), "a watch needs a name")
    if not _NAME.match(name):
        raise fail(("watch", i, "name"), f"watch name {name!r}: use lower-case letters, digits, '-' and '_'")
    label = f"watch {name!r}"
    text = table.get("query")
    if not isinstance(text, str) or not text.strip():
        raise fail(("watch", i), f"{label} needs a query")
    try:
        query = parse_watch_query(text)
    except QueryError as exc:
        raise fail(("watch", i, "query"), f"{label}: {exc}") from None
    examples: dict[str, tuple[str, ...]] = {}
    for key in ("must", "must_not"):
        value = table.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise fail(("watch", i, key), f"{label}: {key} must be a list of example sentences")
        examples[key] = tuple(value)
    description = table.get("description", "")
    enabled = table.get("enabled", True)
    if not isinstance(description, str):
        raise fail(("watch", i, "description"), f"{label}: description must be text")
    if not isinstance(enabled, bool):
        raise fail(("watch", i, "enabled"), f"{label}: enabled must be true or false")
    return Watch(name, query, description, examples["must"], examples["must_not"], enabled, file, line)


# -- matching ------------------------------------------------------------------
@dataclass(frozen=True)
class ArticleContext:
    """What field filters look at besides the sentence itself."""

    title: str = ""
    source: str | None = None
    topics: Sequence[str] = ()
    signals: Sequence[Mapping[str, Any]] = ()  # stored interop signals (start, end, polarity, event_type)
    finder: PlatformFinder = field(default_factory=PlatformFinder)


@dataclass(frozen=True)
class SentenceHit:
    """One matching passage: offsets into the body (title: ``in_title`` and 0, 0)."""

    start: int
    end: int
    text: str
    in_title: bool = False


_ARTICLE_FIELDS = ("topic", "source", "title")
_SIGNAL_FIELDS = frozenset({"polarity", "event_type"})


def field_values(sentence: str, start: int, end: int, ctx: ArticleContext,
                 used: frozenset[str] | None = None) -> dict[str, Any]:
    """The values ``platform:``, ``polarity:`` ... see for one sentence (only the ``used`` ones)."""
    out: dict[str, Any] = {}
    want = used if used is not None else WATCH_FIELDS
    if "platform" in want:
        # Without a platform list, platform:X means the sentence names X.
        out["platform"] = ctx.finder.field_values(sentence) if ctx.finder else [sentence]
    if "polarity" in want or "event_type" in want:
        overlapping = [s for s in ctx.signals if s.get("start", 0) < end and s.get("end", 0) > start]
        out["polarity"] = [s["polarity"] for s in overlapping]
        out["event_type"] = [s["event_type"] for s in overlapping]
    out.update(_article_values(ctx))
    return out


def _article_values(ctx: ArticleContext) -> dict[str, Any]:
    return {"topic": list(ctx.topics), "source": [ctx.source] if ctx.source else [], "title": ctx.title}


@dataclass(frozen=True)
class _Matcher:
    """A query prepared for matching many articles."""

    query: Query
    pattern: Any
    used: frozenset[str]
    gates: tuple[Query, ...]  # article-level conditions every match needs (topic:, source:, title:)


@functools.lru_cache(maxsize=256)
def _matcher(query: Query, finder: PlatformFinder) -> _Matcher:
    if finder and "platform" in query.fields:
        query = Query(query.text, finder.canonical(query.root), query.fields)
    root = query.root
    parts = root.children if isinstance(root, And) else (root,)
    gates = tuple(Query(query.text, p, query.fields) for p in parts
                  if isinstance(p, Field) and p.name in _ARTICLE_FIELDS)
    return _Matcher(query, anchor_pattern(query), frozenset(fields_used(root)), gates)


def match_text(query: Query, body: str, ctx: ArticleContext, *, include_title: bool = True,
               pattern: Any = "auto") -> list[SentenceHit]:
    """The passages (title, then body sentences) of an article that satisfy ``query``.

    Only sentences holding an anchor word (one of which every match contains)
    are split out and matched; ``pattern=None`` reads every sentence.
    """
    m = _matcher(query, ctx.finder)
    if m.gates:
        article = _article_values(ctx)
        if not all(g.matches("", article) for g in m.gates):
            return []
    if pattern == "auto":
        pattern = m.pattern
    hits: list[SentenceHit] = []
    if include_title and ctx.title and m.query.matches(ctx.title, field_values(ctx.title, -1, -1, ctx, m.used)):
        hits.append(SentenceHit(0, 0, ctx.title, in_title=True))
    for s, e in candidate_spans(body, pattern):
        sentence = body[s:e]
        if m.query.matches(sentence, field_values(sentence, s, e, ctx, m.used)):
            hits.append(SentenceHit(s, e, sentence))
    return hits


def canonical_query(query: Query, finder: PlatformFinder) -> Query:
    """``query`` with platform aliases after ``platform:`` replaced by canonical names."""
    return _matcher(query, finder).query


def watch_signals(watch: Watch, hits: Sequence[SentenceHit], ctx: ArticleContext) -> list[SignalRecord]:
    """The signals of an article's matching passages (``match_text``); the first is the headline."""
    records = []
    for n, hit in enumerate(hits[:MAX_SIGNALS_PER_ARTICLE]):
        # Only the signal fields: the platforms are found once, just below.
        fields = field_values(hit.text, hit.start, hit.end, ctx, _SIGNAL_FIELDS) if not hit.in_title else {}
        named = ctx.finder.find(hit.text) if ctx.finder else []
        polarity = (fields.get("polarity") or ["none"])[0]
        event_type = (fields.get("event_type") or ["watch"])[0]
        key = hashlib.sha1(" ".join(hit.text.casefold().split()).encode("utf-8")).hexdigest()[:16]
        records.append(SignalRecord(
            start=hit.start, end=hit.end, evidence=hit.text, polarity=polarity, event_type=event_type,
            status="matched", confidence=1.0, rule_id=watch.kind, actor=named[0] if named else None,
            target=named[1] if len(named) > 1 else None, kind=watch.kind, headline=n == 0,
            story_key=f"{watch.kind}|{key}",
        ))
    return records


@dataclass(frozen=True)
class ExampleFailure:
    """A must/must-not example sentence the watch gets wrong."""

    where: str
    rule: str
    expected: str  # "match" or "no match"
    sentence: str

    def __str__(self) -> str:
        return f"{self.where}: {self.rule}: should {self.expected.replace('no ', 'not ')}: {self.sentence!r}"


def check_examples(watches: WatchSet, finder: PlatformFinder | None = None) -> list[ExampleFailure]:
    """Run every watch's must / must-not sentences; the failures (empty when all pass)."""
    failures = []
    ctx = ArticleContext(finder=finder or PlatformFinder())
    for w in watches.watches:
        for sentence, want in [*((s, True) for s in w.must), *((s, False) for s in w.must_not)]:
            got = bool(match_text(w.query, sentence, ctx, include_title=False, pattern=None))
            if got != want:
                failures.append(ExampleFailure(w.where, w.kind, "match" if want else "no match", sentence))
    return failures
