"""Scoring the tagger against labelled passages (the ``wallwatch eval`` contract).

Each JSONL line holds ``text``, ``interop`` and, for positives, ``polarity``,
``event_type``, ``actor``, ``target``, ``status``. A passage's prediction is
its highest-confidence signal (at or above ``min_confidence``).
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import RulesError
from .signals import Signal
from .tagger import Tagger

FIELDS = ("polarity", "event_type", "actor", "target", "status")


@dataclass
class Outcome:
    """One passage: gold labels, the prediction and which fields were right."""

    line: int
    passage: dict[str, Any]
    predicted: Signal | None
    correct: dict[str, bool]

    @property
    def kind(self) -> str:
        gold, pred = bool(self.passage.get("interop")), self.predicted is not None
        return "tp" if gold and pred else "fp" if pred else "fn" if gold else "tn"


def read_passages(path: str | Path) -> list[tuple[int, dict[str, Any]]]:
    """Labelled passages of a JSONL file; a malformed line raises :class:`RulesError` with file:line."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesError(f"{path}: cannot read: {exc}") from None
    out = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise RulesError(f"{path}:{n}: not valid JSON: {exc.msg}") from None
        if not isinstance(obj, dict) or not isinstance(obj.get("text"), str) or "interop" not in obj:
            raise RulesError(f"{path}:{n}: each line needs at least 'text' (a string) and 'interop'")
        out.append((n, obj))
    return out


def party_matches(tagger: Tagger, gold: str | None, predicted: str | None) -> bool:
    """Whether a predicted actor/target agrees with the gold string.

    True when the gold string names the predicted platform (canonical name or
    any alias, case-insensitively, as a whole word) or the predicted text
    contains the gold one. A missing gold value agrees only with a missing prediction.
    """
    if not gold:
        return not predicted
    if not predicted:
        return False
    g, p = gold.lower(), predicted.lower()
    if g in p:
        return True
    platform = tagger.platforms.lookup(predicted)
    if platform is None:  # a text span (generic party, NER organisation): only containment counts
        return False
    if any(m.platform is platform for m in tagger.platforms.find(gold)):
        return True
    return any(_word_in(n.lower(), g) for n in platform.names())


def _word_in(needle: str, hay: str) -> bool:
    return re.search(r"(?<!\w)" + re.escape(needle) + r"(?!\w)", hay) is not None


def score(tagger: Tagger, passages: list[tuple[int, dict[str, Any]]], *,
          min_confidence: float = 0.0) -> tuple[dict[str, Any], list[Outcome]]:
    """Tag every passage and compute the figures of the eval contract."""
    outcomes: list[Outcome] = []
    started = time.perf_counter()
    for line, p in passages:
        signals = tagger.tag_text(p["text"], min_confidence=min_confidence)
        pred = max(signals, key=lambda s: s.confidence) if signals else None
        correct = {}
        if pred is not None and p.get("interop"):
            correct = {
                "polarity": pred.polarity == p.get("polarity"),
                "event_type": pred.event_type == p.get("event_type"),
                "actor": party_matches(tagger, p.get("actor"), pred.actor),
                "target": party_matches(tagger, p.get("target"), pred.target),
                "status": pred.status == p.get("status"),
            }
        outcomes.append(Outcome(line, p, pred, correct))
    elapsed = time.perf_counter() - started
    tp = sum(o.kind == "tp" for o in outcomes)
    fp = sum(o.kind == "fp" for o in outcomes)
    fn = sum(o.kind == "fn" for o in outcomes)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    tps = [o for o in outcomes if o.kind == "tp"]
    result: dict[str, Any] = {
        "n": len(outcomes),
        "interop": {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
                    "tp": tp, "fp": fp, "fn": fn},
    }
    for f in FIELDS:
        result[f"{f}_accuracy"] = round(sum(o.correct[f] for o in tps) / len(tps), 4) if tps else 0.0
    result["passages_per_second"] = round(len(outcomes) / elapsed, 1) if elapsed > 0 else 0.0
    return result, outcomes


def evaluate(tagger: Tagger, path: str | Path, *, min_confidence: float | None = None) -> dict[str, Any]:
    """The eval figures for the labelled JSONL file at ``path`` (see the module docstring)."""
    result, _ = score(tagger, read_passages(path), min_confidence=_min(tagger, min_confidence))
    return result


def _min(tagger: Tagger, value: float | None) -> float:
    return tagger.min_confidence if value is None else value
