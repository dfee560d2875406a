"""The platform list: canonical names, aliases, owners and kinds, loaded from JSONL.

One JSON object a line::

    {"name": "WeChat Pay", "kind": "wallet", "owner": "Tencent",
     "aliases": ["Weixin Pay", "Tenpay"], "zh": ["微信支付"],
     "case_sensitive": [], "descriptors": [], "parent": null}

``aliases`` and ``zh`` are matched case-insensitively, except the ones also
listed in ``case_sensitive`` (short or common words such as "Meta" or "Red").
``descriptors`` ("the Hangzhou-based giant") name the platform only in an
article that already mentioned it; ``in_context`` names (a bare "Channels", which
WhatsApp and Amazon use too) count only where the sentence or the article before
it names the platform's company. A ``feature`` (Moments, Channels) is
reported under its ``parent``. ``jurisdiction`` names the places a national
body belongs to: its lower-case names ("central bank", "antitrust regulator")
then do not count after another place or nationality ("Chile's central bank",
"the Italian antitrust watchdog"), which leaves those to the unlisted
authorities of the rules. Errors name the file and line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import RulesError
from .jsonl import json_objects, read_lines
from .patterns import PLACEHOLDER_KINDS, trie_regex

KINDS = frozenset(k for kinds in PLACEHOLDER_KINDS.values() for k in kinds) | {"generic"}
_KEYS = {"name", "kind", "owner", "aliases", "zh", "case_sensitive", "descriptors", "in_context", "parent",
         "jurisdiction", "note"}
# A name that says what something is free of is not there: "the Android-free operating system", "a system
# stripped of Android code".
_ABSENT = re.compile(r"-free\b")
_ABSENT_BEFORE = re.compile(r"\b(?:stripped|free|purged|devoid|rid) of\s+$", re.I)
# The capitalised word (with its possessive) just before a name: "Chile's ", "the Italian ".
_QUALIFIER_BEFORE = re.compile(r"\b([A-Z][\w.\-]*)(?:['’]s)?\s+$")


@dataclass(frozen=True)
class Platform:
    """One platform, company, standard or regulator."""

    name: str
    kind: str
    owner: str | None = None
    aliases: tuple[str, ...] = ()
    zh: tuple[str, ...] = ()
    case_sensitive: tuple[str, ...] = ()
    descriptors: tuple[str, ...] = ()
    in_context: tuple[str, ...] = ()
    jurisdiction: tuple[str, ...] = ()
    parent: str | None = None
    where: str = ""  # file:line, for messages

    @property
    def group(self) -> str:
        """The company that owns it (itself for an independent platform)."""
        return self.owner or self.name

    @property
    def is_authority(self) -> bool:
        return self.kind in PLACEHOLDER_KINDS["REG"]

    @property
    def is_payment(self) -> bool:
        return self.kind in PLACEHOLDER_KINDS["PAY"]

    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases, *self.zh)

    def needs_context(self, matched: str) -> bool:
        """Whether the name ``matched`` counts only where the platform's company is already named."""
        return any(matched == n or (n not in self.case_sensitive and matched.lower() == n.lower())
                   for n in self.in_context)

    def elsewhere(self, matched: str, text: str, start: int) -> bool:
        """Whether the generic name ``matched`` ("central bank"), found at ``start`` in ``text``, is qualified
        by a place not the platform's own ("Chile's central bank")."""
        if not self.jurisdiction or not matched[:1].islower():
            return False
        m = _QUALIFIER_BEFORE.search(text, max(0, start - 40), start)
        return m is not None and m.group(1) not in self.jurisdiction and m.group(1) not in ("The", "A", "An")


@dataclass(frozen=True)
class Mention:
    """A platform (or a generic party such as "rival apps") named in a text."""

    start: int
    end: int
    text: str
    platform: Platform | None = None  # None: an organisation found by NER, or a generic party
    generic: bool = False

    @property
    def name(self) -> str:
        return self.platform.name if self.platform else self.text

    @property
    def group(self) -> str:
        return self.platform.group if self.platform else self.text.lower()


@dataclass
class PlatformList:
    """All platforms, with the fast matchers built from their aliases."""

    platforms: list[Platform]
    by_name: dict[str, Platform] = field(init=False)
    _alias: dict[str, Platform] = field(init=False, repr=False)
    _cs_alias: dict[str, Platform] = field(init=False, repr=False)
    _descriptor: dict[str, list[Platform]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.by_name = {p.name.lower(): p for p in self.platforms}
        self._alias, self._cs_alias, self._descriptor = {}, {}, {}
        for p in self.platforms:
            cs = set(p.case_sensitive)
            for n in p.names():
                if n in cs:
                    self._cs_alias[n] = p
                else:
                    self._alias.setdefault(n.lower(), p)
            for d in p.descriptors:
                self._descriptor.setdefault(d.lower(), []).append(p)
        self._ci_re = re.compile(r"(?<![\w.])(?:" + trie_regex(self._alias) + r")(?![\w])(?!\.\w)")
        self._cs_re = re.compile(r"(?<![\w.])(?:" + trie_regex(self._cs_alias) + r")(?![\w])")
        self._desc_re = re.compile(r"(?<![\w])(?:" + trie_regex(self._descriptor) + r")(?![\w])")

    def lookup(self, name: str) -> Platform | None:
        """The platform called ``name`` (canonical or alias, any case)."""
        return self.by_name.get(name.lower()) or self._alias.get(name.lower()) or self._cs_alias.get(name)

    def display(self, platform: Platform) -> Platform:
        """What a signal reports: a feature (or a maker's app store) is reported as its parent."""
        if platform.parent:
            return self.lookup(platform.parent) or platform
        return platform

    def placeholder_regexes(self) -> dict[str, str]:
        """Regex source per placeholder of the rule language (``{PAY}`` ...)."""
        out = {}
        for name, kinds in PLACEHOLDER_KINDS.items():
            words = [n for p in self.platforms if p.kind in kinds for n in p.names()]
            out[name] = trie_regex(sorted({w.lower() for w in words}))
        return out

    def find(self, text: str, lowered: str | None = None) -> list[Mention]:
        """Platform mentions in ``text``, longest match first, no overlaps, in order."""
        lowered = lowered if lowered is not None else text.lower()
        found: list[Mention] = []
        for m in self._ci_re.finditer(lowered):
            platform, matched = self._alias[m.group()], text[m.start():m.end()]
            if platform.elsewhere(matched, text, m.start()) or _absent(text, m.start(), m.end()):
                continue
            found.append(Mention(m.start(), m.end(), matched, platform))
        ends = {m.end for m in found}
        for m in self._cs_re.finditer(text):
            # "iPhone X", "Galaxy S": a short name right after a platform's name is its model, not a mention.
            if (m.start() - 1 in ends and text[m.start() - 1] == " ") or _absent(text, m.start(), m.end()):
                continue
            ends.add(m.end())
            found.append(Mention(m.start(), m.end(), m.group(), self._cs_alias[m.group()]))
        return _no_overlaps(found)

    def find_descriptors(self, lowered: str) -> list[tuple[int, int, list[Platform]]]:
        return [(m.start(), m.end(), self._descriptor[m.group()]) for m in self._desc_re.finditer(lowered)]

    def owns(self, owner: Platform, other: Platform) -> bool:
        return other.owner == owner.name or other.parent == owner.name


def _absent(text: str, start: int, end: int) -> bool:
    """Whether the name at ``start:end`` says what something is free of ("Android-free")."""
    return bool(_ABSENT.match(text, end) or _ABSENT_BEFORE.search(text, max(0, start - 20), start))


def _no_overlaps(mentions: list[Mention]) -> list[Mention]:
    mentions.sort(key=lambda m: (m.start, -(m.end - m.start)))
    out: list[Mention] = []
    for m in mentions:
        if out and m.start < out[-1].end:
            continue
        out.append(m)
    return out


def builtin_platforms_path() -> Path:
    return Path(__file__).with_name("data") / "platforms.jsonl"


def load_platforms(path: str | Path | None = None) -> PlatformList:
    """Read and validate a platform list (the built-in one when ``path`` is None)."""
    path = Path(path) if path else builtin_platforms_path()
    return parse_platforms(read_lines(path, "platform list"), str(path))


def parse_platforms(lines: Sequence[str], name: str) -> PlatformList:
    """Validate platform lines; the first problem raises :class:`RulesError` with file:line."""
    platforms: list[Platform] = []
    seen: dict[str, str] = {}
    for where, obj in json_objects(lines, name):
        unknown = set(obj) - _KEYS
        if unknown:
            raise RulesError(f"{where}: unknown key(s) {', '.join(sorted(unknown))} (known: {', '.join(sorted(_KEYS))})")
        pname = obj.get("name")
        if not isinstance(pname, str) or not pname.strip():
            raise RulesError(f"{where}: 'name' must be a non-empty string")
        kind = obj.get("kind")
        if kind not in KINDS:
            raise RulesError(f"{where}: {pname}: kind {kind!r} is not one of {', '.join(sorted(KINDS))}")
        lists = {}
        for key in ("aliases", "zh", "case_sensitive", "descriptors", "in_context", "jurisdiction"):
            value = obj.get(key, [])
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                raise RulesError(f"{where}: {pname}: '{key}' must be a list of non-empty strings")
            lists[key] = tuple(value)
        for key in ("owner", "parent"):
            if obj.get(key) is not None and not isinstance(obj[key], str):
                raise RulesError(f"{where}: {pname}: '{key}' must be a string")
        for key in ("case_sensitive", "in_context"):
            stray = set(lists[key]) - {pname, *lists["aliases"], *lists["zh"]}
            if stray:
                raise RulesError(f"{where}: {pname}: {key} lists {sorted(stray)} that are not names of it")
        for n in (pname, *lists["aliases"], *lists["zh"]):
            key = n if n in lists["case_sensitive"] else n.lower()
            if seen.get(key, pname) != pname:
                raise RulesError(f"{where}: {pname}: alias {n!r} already belongs to {seen[key]}")
            seen[key] = pname
        platforms.append(Platform(name=pname, kind=kind, owner=obj.get("owner"), parent=obj.get("parent"),
                                  where=where, **lists))
    names = {p.name for p in platforms}
    for p in platforms:
        for ref in (p.owner, p.parent):
            if ref and ref not in names:
                raise RulesError(f"{p.where}: {p.name}: owner/parent {ref!r} is not in the list")
    if not platforms:
        raise RulesError(f"{name}: the platform list is empty")
    return PlatformList(platforms)


def platform_names(platforms: Iterable[Platform]) -> list[str]:
    return [p.name for p in platforms]
