"""``rules explain``: why an article was, or was not, flagged.

For one article: every platform mention, every trigger that matched with what
became of it (a signal, or dropped and why: no counterpart, vetoed, below the
confidence floor ...), the merged article-level signals, what the archive
holds, and for each watch the sentences it matched and its near misses (a
sentence with one of its words that failed, saying which part failed).
"""

from __future__ import annotations

import json
from typing import Any

from wallwatch.archive import Archive
from wallwatch.archive.query import And, Field, Near, Node, Not, Or, Query, Term
from wallwatch.errors import RulesError

from .tagger import Tagger
from .watches import ArticleContext, WatchSet, canonical_query, field_values, match_text
from .workbench_text import PlatformFinder, anchor_pattern, candidate_sentences, sentence_spans

MAX_NEAR_MISSES = 5


def find_article(archive: Archive, ref: str) -> dict[str, Any]:
    """The article with id or URL ``ref``; :class:`RulesError` when there is none."""
    row = archive.article(int(ref)) if ref.isdigit() else archive.article_by_url(ref)
    if row is None:
        raise RulesError(f"no article {ref!r} in the archive (give an id from `wallwatch search --json` or a URL)")
    return row


def explain(archive: Archive, tagger: Tagger, watches: WatchSet, ref: str, *,
            min_confidence: float) -> dict[str, Any]:
    """Everything the tagger and the watches decided about one article, as plain data."""
    a = find_article(archive, ref)
    body, title = a["body"] or "", a["title"] or ""
    sentences = []
    for rep in tagger.explain(body):
        cands = []
        for c in rep.candidates:
            verdict = c.dropped
            if verdict is None and c.confidence < min_confidence:
                verdict = f"confidence {c.confidence:.2f} is below min_confidence {min_confidence:g}"
            cands.append({
                "rule_id": c.rule.rule.id, "rule_where": c.rule.rule.where, "trigger": c.trigger_text,
                "polarity": c.polarity, "event_type": c.event_type, "status": c.status,
                "actor": c.actor.name if c.actor else None, "target": c.target.name if c.target else None,
                "confidence": round(c.confidence, 3), "fired": verdict is None, "dropped": verdict,
                "notes": list(c.notes),
            })
        sentences.append({
            "start": rep.sentence.start, "end": rep.sentence.end, "text": rep.sentence.text,
            "mentions": [{"text": m.text, "platform": m.name, "generic": m.generic} for m in rep.mentions],
            "candidates": cands,
        })
    signals = [s.as_dict() for s in tagger.tag_text(body, title, min_confidence=min_confidence)]
    stored = archive.signals_for([a["id"]])[a["id"]]
    finder = PlatformFinder(tagger.platforms)
    source_topics = archive.query("SELECT topics FROM sources WHERE name = ?", (a["source"],))
    ctx = ArticleContext(
        title=title, source=a["source"],
        topics=[*json.loads(a["topics"] or "[]"), *(json.loads(source_topics[0]["topics"]) if source_topics else [])],
        signals=[s for s in stored if s["kind"] == "interop"], finder=finder)
    spans = sentence_spans(body)  # split once, shared by every watch
    watch_reports = [_explain_watch(w.name, w.query, body, spans, ctx) for w in watches.enabled]
    return {
        "article": {k: a[k] for k in ("id", "url", "title", "source", "published", "tagged_version",
                                      "duplicate_of")},
        "ruleset_version": tagger.ruleset_version,
        "sentences": sentences,
        "signals": signals,
        "stored": [{k: s[k] for k in ("kind", "polarity", "event_type", "actor", "target", "status", "confidence",
                                      "rule_id", "ruleset_version", "evidence")} for s in stored],
        "watches": watch_reports,
    }


def _explain_watch(name: str, query: Query, body: str, spans: list[tuple[int, int]],
                   ctx: ArticleContext) -> dict[str, Any]:
    hits = match_text(query, body, ctx)
    matched = {(h.start, h.end) for h in hits}
    canonical = canonical_query(query, ctx.finder)
    near: list[dict[str, Any]] = []
    for i in candidate_sentences(body, spans, anchor_pattern(query)):
        s, e = spans[i]
        if (s, e) in matched or len(near) >= MAX_NEAR_MISSES:
            continue
        sentence = body[s:e]
        near.append({"start": s, "end": e, "text": sentence,
                     "why": why_not(canonical, sentence, field_values(sentence, s, e, ctx))})
    return {"watch": name, "query": query.text,
            "matched": [{"start": h.start, "end": h.end, "text": h.text, "in_title": h.in_title} for h in hits],
            "near_misses": near}


def why_not(query: Query, sentence: str, fields: dict[str, Any]) -> list[str]:
    """The parts of ``query`` that ``sentence`` fails, in the analyst's words."""
    reasons: list[str] = []

    def ok(node: Node) -> bool:
        return Query(query.text, node, query.fields).matches(sentence, fields)

    def walk(node: Node) -> None:
        if ok(node):
            return
        if isinstance(node, And):
            for c in node.children:
                walk(c)
        elif isinstance(node, Or):
            reasons.append("none of " + " / ".join(_show(c) for c in node.children))
        elif isinstance(node, Not):
            reasons.append(f"contains the excluded {_show(node.child)}")
        elif isinstance(node, Term):
            reasons.append(f"no {_show(node)}")
        elif isinstance(node, Field):
            value = fields.get(node.name)
            values = [value] if isinstance(value, str) else list(value or [])
            seen = ", ".join(v for v in values if v) or "nothing"
            reasons.append(f"{node.name}: is {seen}, not {_show(node.value)}")
        elif isinstance(node, Near):
            missing = [t for t in node.terms if not ok(t)]
            if missing:
                reasons.append("no " + " / ".join(_show(t) for t in missing))
            else:
                order = " in that order" if node.ordered else ""
                reasons.append(f"{' and '.join(_show(t) for t in node.terms)} are more than "
                               f"{node.distance} words apart{order}")

    walk(query.root)
    return reasons


def _show(node: Node) -> str:
    if isinstance(node, Term):
        return f"'{node.text}{'*' if node.prefix else ''}'"
    if isinstance(node, Or):
        return "(" + " OR ".join(_show(c) for c in node.children) + ")"
    if isinstance(node, And):
        return "(" + " AND ".join(_show(c) for c in node.children) + ")"
    if isinstance(node, Not):
        return "NOT " + _show(node.child)
    if isinstance(node, Field):
        return f"{node.name}:{_show(node.value)}"
    return f"({' NEAR/{} '.format(node.distance).join(_show(t) for t in node.terms)})"
