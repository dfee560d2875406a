"""The small pattern language of the rule files, compiled to regular expressions.

A pattern is a sequence of space-separated items matched as consecutive words:

- a word or a regular-expression fragment (``block(s|ed|ing)?``, ``links?``),
  matched case-insensitively as whole words;
- ``~N``: up to N arbitrary words in between;
- ``{PAY}``, ``{PLATFORM}``, ``{STORE}``, ``{MSG}``, ``{REG}``: any alias of a
  platform of that group in the platform list (see ``PLACEHOLDER_KINDS``).

Example: ``"(accept|accepts|accepted|accepting) ~3 {PAY}"`` fires on
"Taobao will accept Tencent's WeChat Pay".
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping

#: Which platform kinds a placeholder stands for.
PLACEHOLDER_KINDS: dict[str, tuple[str, ...]] = {
    "PAY": ("wallet", "card_network", "payments"),
    "STORE": ("app_store",),
    "MSG": ("messaging", "standard"),
    "REG": ("regulator", "law", "court"),
    "STD": ("standard",),
    "PLATFORM": ("app", "wallet", "card_network", "payments", "marketplace", "delivery", "logistics",
                 "company", "feature", "app_store", "messaging", "os", "device", "standard", "ad_platform"),
}

# Between two words: white space and the punctuation that does not end a clause.
SEP = r"[\s\-'’\"“”,()/]+"
WORD = r"[\w'’.&+\-%$€£¥]+"
_GAP = re.compile(r"^~(\d{1,2})$")
_GAP_INSIDE = re.compile(r"(?<![\\\w])~\d")
_PLACEHOLDER = re.compile(r"\{([A-Z]+)\}")


class PatternError(ValueError):
    """A pattern that cannot be compiled; the message says why."""


def trie_regex(words: Iterable[str]) -> str:
    """One regular expression matching any of ``words``, prefix-factored so it stays fast.

    Python's ``re`` tries alternatives one by one; a trie turns 400 aliases into
    a handful of branches per position.
    """
    trie: dict = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}
    return _trie_to_regex(trie) if trie else r"(?!x)x"


def _trie_to_regex(node: Mapping[str, dict]) -> str:
    ends = "" in node
    branches = [re.escape(ch) + _trie_to_regex(child) for ch, child in sorted(node.items()) if ch]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if ends:
        return f"(?:{body})?"
    return body


def _loosen(item: str) -> str:
    """Outside a character class, a space inside an item matches any run of spaces or hyphens, and a
    straight apostrophe matches a curly one too ("won't" and "won’t": news sites use both)."""
    out, in_class = [], False
    for ch in item:
        if ch == "[":
            in_class = True
        elif ch == "]":
            in_class = False
        if not in_class and ch == " ":
            ch = r"(?:[\s\-]+)"
        elif not in_class and ch == "'":
            ch = "['’]"
        out.append(ch)
    return "".join(out)


def split_items(pattern: str) -> list[str]:
    """Split a pattern at spaces outside parentheses ("(no longer|not) ~2 open" has three items)."""
    items, buf, depth = [], [], 0
    for ch in pattern.strip():
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch.isspace() and depth <= 0:
            if buf:
                items.append("".join(buf))
                buf = []
            continue
        buf.append(ch)
    if depth:
        raise PatternError(f"pattern {pattern!r} has unbalanced parentheses")
    if buf:
        items.append("".join(buf))
    return items


def group_end(item: str, start: int) -> int:
    """Index of the parenthesis closing the group opened at ``start`` (-1 if unbalanced)."""
    depth = 0
    for i in range(start, len(item)):
        if item[i] == "\\":
            continue
        if item[i] == "(" and (i == 0 or item[i - 1] != "\\"):
            depth += 1
        elif item[i] == ")" and (i == 0 or item[i - 1] != "\\"):
            depth -= 1
            if depth == 0:
                return i
    return -1


def _whole_optional(item: str) -> bool:
    """Whether an item is one optional group: "(of|on)?", "(the )?" (an unbalanced one counts too)."""
    return item.startswith("(") and item.endswith(")?") and group_end(item, 0) in (len(item) - 2, -1)


def compile_pattern(pattern: str, placeholders: Mapping[str, str]) -> re.Pattern[str]:
    """Compile one pattern of the rule language; raises :class:`PatternError`."""
    items = split_items(pattern)
    if not items:
        raise PatternError("empty pattern")
    if _GAP.match(items[0]) or _GAP.match(items[-1]):
        raise PatternError(f"pattern {pattern!r} starts or ends with a gap")
    parts: list[str] = []
    for i, item in enumerate(items):
        if _whole_optional(item):
            # Items are joined by separators, so an optional item on its own needs two in a row and never
            # matches: "in (the )? US" fails on "in the US" and on "in US".
            raise PatternError(f"pattern {pattern!r}: item {item!r} is optional on its own and never matches; "
                               "join it to the next item ('(the )?word') or use a gap ('~1')")
        gap = _GAP.match(item)
        if gap:
            parts.append(f"(?:{WORD}{SEP}){{0,{int(gap.group(1))}}}")
            continue
        if _GAP_INSIDE.search(item):
            # "(a|b ~3 c)" would look for the text "~3": a gap only works as an item of its own.
            raise PatternError(f"pattern {pattern!r}: item {item!r} has a gap inside a group, which would be "
                               "matched as text; write the alternatives as separate patterns")

        def _sub(m: re.Match[str]) -> str:
            name = m.group(1)
            if name not in placeholders:
                raise PatternError(f"unknown placeholder {{{name}}} (known: "
                                   + ", ".join("{" + k + "}" for k in sorted(placeholders)) + ")")
            return f"(?:{placeholders[name]})"

        fragment = _PLACEHOLDER.sub(_sub, _loosen(item))
        parts.append(f"(?:{fragment})")
        nxt = items[i + 1] if i + 1 < len(items) else None
        if nxt is not None:
            parts.append(SEP)
    regex = r"(?<![\w])" + "".join(parts) + r"(?![\w])"
    try:
        return _compile(regex)
    except re.error as exc:
        raise PatternError(f"pattern {pattern!r} is not valid: {exc}") from None


@functools.lru_cache(maxsize=4096)
def _compile(regex: str) -> re.Pattern[str]:
    # The rules compile to more patterns than the 512 ``re`` keeps, and with every alias inside a
    # placeholder each takes milliseconds: a process that builds several taggers (the rules workbench,
    # tests) would compile them all again each time.
    return re.compile(regex, re.IGNORECASE)
