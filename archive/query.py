"""The analysts' query language, parsed in one place.

Words, "phrases", AND / OR / NOT (upper case; adjacent terms mean AND; a
leading ``-`` means NOT), parentheses, ``prefix*``, ``a NEAR/n b`` (also
Factiva's ``w/n`` and ``nearN``, Meltwater's ordered ``ONEAR/n`` / ``PRE/n``,
in any case; Lexis's ``w/s`` / ``w/p`` read as AND), FTS5's own
``NEAR(a b, n)``, and ``field:term`` filters. ``parse`` gives a small tree;
``to_fts5`` compiles it to an FTS5 ``MATCH`` expression; ``Query.matches``
evaluates it on a single sentence (the rules workbench uses that).

Every word is quoted when compiled, so punctuation in user text
(``multi-agent``, ``don't``, ``a.b``, ``@x``) never reaches FTS5 as syntax.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Union

from .errors import QueryError

DEFAULT_NEAR = 10
MAX_EXPANSION = 64  # NEAR over OR groups is distributed; cap the product

# Fields that are FTS5 columns of articles_fts; other fields are for callers
# (e.g. the workbench's platform:/polarity:) and must be declared by them.
FTS_FIELDS = {"title": "title", "body": "body", "text": "{title body}"}

# Proximity as Meltwater, Factiva and Lexis write it, in any case: NEAR/5, w/5,
# ONEAR/5, PRE/5, and Factiva's near5.
_OPERATOR = re.compile(r"^(?:(NEAR|ONEAR|PRE)|W)/(\d+)$|^(NEAR)(\d+)$", re.IGNORECASE)
# Lexis's "same sentence" / "same paragraph": a plain AND here (an AND is
# already within one passage when the rules workbench matches sentences).
_SAME_PASSAGE = re.compile(r"^[Ww]/(?:[SsPp]|SEN|sen|PARA|para)$")
_FIELD = re.compile(r"^([A-Za-z_]+):(?=\S)")
_WORDCHARS = re.compile(r"\w", re.UNICODE)


@dataclass(frozen=True)
class Term:
    text: str
    prefix: bool = False

    @property
    def words(self) -> list[str]:
        return tokens_of(self.text)


@dataclass(frozen=True)
class Near:
    terms: tuple["Node", ...]
    distance: int
    ordered: bool = False


@dataclass(frozen=True)
class And:
    children: tuple["Node", ...]


@dataclass(frozen=True)
class Or:
    children: tuple["Node", ...]


@dataclass(frozen=True)
class Not:
    child: "Node"


@dataclass(frozen=True)
class Field:
    name: str
    value: "Node"


Node = Union[Term, Near, And, Or, Not, Field]


_TOKEN = re.compile(r"\w+", re.UNICODE)


def tokens_of(text: str) -> list[str]:
    """Lower-cased word tokens, splitting like FTS5's unicode61 tokenizer."""
    return [t.casefold() for t in _TOKEN.findall(text)]


@functools.lru_cache(maxsize=4096)
def _field_tokens(value: str) -> list[str]:
    # Field values (a topic, a source, a platform name) repeat for every sentence.
    return tokens_of(value)


@dataclass(frozen=True)
class Query:
    """A parsed query: the tree plus the original text."""

    text: str
    root: Node
    fields: frozenset[str] = field(default_factory=frozenset)

    def to_fts5(self) -> str:
        return to_fts5(self.root, self.text)

    def terms(self) -> list[Term]:
        """Every positive term (for highlighting)."""
        out: list[Term] = []

        def walk(n: Node, negated: bool) -> None:
            if isinstance(n, Term):
                if not negated:
                    out.append(n)
            elif isinstance(n, Not):
                walk(n.child, not negated)
            elif isinstance(n, Field):
                walk(n.value, negated)
            else:
                for c in (n.terms if isinstance(n, Near) else n.children):
                    walk(c, negated)

        walk(self.root, False)
        return out

    def matches(self, text: str, field_values: Mapping[str, str | Sequence[str]] | None = None) -> bool:
        """Whether ``text`` (one sentence or passage) satisfies the query.

        ``field_values`` gives the text of non-FTS fields (title, platform, ...);
        a list of values matches when any one of them does; a field with no
        value given never matches.
        """
        return _eval(self.root, tokens_of(text), field_values or {}, self.text)

    def to_fts5_prefilter(self, expand: Callable[[Field], Node | None] | None = None) -> str | None:
        """A looser FTS5 expression that every article with a matching passage satisfies.

        For sentence-level matching on FTS5 candidates only: NOTs are dropped
        (a sentence without a word says nothing of its article), and fields
        that are not FTS5 columns are replaced by ``expand(field)`` (e.g. a
        platform's aliases) or dropped when it returns None. None means no
        full-text restriction is possible: every article is a candidate.
        """
        relaxed = _relax(self.root, expand or (lambda f: None))
        return None if relaxed is None else to_fts5(relaxed, self.text)


# -- tokenizer -------------------------------------------------------------
@dataclass(frozen=True)
class _Tok:
    kind: str  # WORD PHRASE LPAREN RPAREN AND OR NOT NEAROP NEARFN FIELD COMMA MINUS
    value: str
    pos: int
    distance: int = 0
    ordered: bool = False


def _tokenize(text: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in "()":
            toks.append(_Tok("LPAREN" if ch == "(" else "RPAREN", ch, i))
            i += 1
        elif ch == ",":
            toks.append(_Tok("COMMA", ch, i))
            i += 1
        elif ch == '"':
            end = text.find('"', i + 1)
            # An unbalanced quote is forgiven: the phrase runs to the end.
            stop = n if end == -1 else end
            phrase = text[i + 1:stop]
            prefix = end != -1 and end + 1 < n and text[end + 1] == "*"
            toks.append(_Tok("PHRASE", phrase + ("*" if prefix else ""), i))
            i = stop + 1 + (1 if prefix else 0)
        else:
            j = i
            while j < n and not text[j].isspace() and text[j] not in '()",':
                j += 1
            word = text[i:j]
            toks.extend(_classify(word, i, text, j))
            i = j
    return toks


def _classify(word: str, pos: int, text: str, end: int) -> list[_Tok]:
    if word in ("AND", "&&"):
        return [_Tok("AND", word, pos)]
    if word in ("OR", "||"):
        return [_Tok("OR", word, pos)]
    if word == "NOT":
        return [_Tok("NOT", word, pos)]
    if word == "NEAR" and end < len(text) and text[end] == "(":
        return [_Tok("NEARFN", word, pos)]
    if word == "NEAR":
        return [_Tok("NEAROP", word, pos, DEFAULT_NEAR)]
    m = _OPERATOR.match(word)
    if m:
        kind = (m.group(1) or m.group(3) or "").upper()
        return [_Tok("NEAROP", word, pos, int(m.group(2) or m.group(4)), ordered=kind in ("ONEAR", "PRE"))]
    if _SAME_PASSAGE.match(word):
        return [_Tok("AND", word, pos)]
    nxt = text[end] if end < len(text) else ""
    if word.endswith(":") and word[:-1].isalpha() and nxt in ('"', "("):
        return [_Tok("FIELD", word[:-1].lower(), pos)]
    m = _FIELD.match(word)
    if m and m.group(1).lower() not in ("http", "https"):
        rest = word[m.end():]
        head = _Tok("FIELD", m.group(1).lower(), pos)
        return [head, *([_Tok("WORD", rest, pos + m.end())] if rest else [])]
    if word.startswith("-") and len(word) > 1:
        return [_Tok("MINUS", "-", pos), _Tok("WORD", word[1:], pos + 1)]
    return [_Tok("WORD", word, pos)]


# -- parser ------------------------------------------------------------------
class _Parser:
    def __init__(self, text: str, fields: frozenset[str]):
        self.text = text
        self.fields = fields
        self.toks = _tokenize(text)
        self.i = 0

    def error(self, message: str, pos: int | None = None) -> QueryError:
        return QueryError(message, self.text, len(self.text) if pos is None else pos)

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def parse(self) -> Node:
        if not self.toks:
            raise QueryError("the query is empty", self.text, None)
        node = self.or_expr()
        tok = self.peek()
        if tok is not None:
            raise self.error("unmatched ')'" if tok.kind == "RPAREN" else f"unexpected {tok.value!r}", tok.pos)
        return node

    def or_expr(self) -> Node:
        items = [self.and_expr()]
        while (tok := self.peek()) is not None and tok.kind == "OR":
            self.take()
            items.append(self.and_expr())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def and_expr(self) -> Node:
        items = [self.near_expr()]
        while (tok := self.peek()) is not None and tok.kind not in ("OR", "RPAREN", "COMMA"):
            if tok.kind == "AND":
                self.take()
                if self.peek() is None:
                    raise self.error("AND needs a term after it", tok.pos)
            items.append(self.near_expr())
        return items[0] if len(items) == 1 else And(tuple(items))

    def near_expr(self) -> Node:
        left = self.unary()
        tok = self.peek()
        if tok is None or tok.kind != "NEAROP":
            return left
        terms, distance, ordered = [left], tok.distance, tok.ordered
        while (tok := self.peek()) is not None and tok.kind == "NEAROP":
            self.take()
            distance = max(distance, tok.distance)
            ordered = ordered or tok.ordered
            if self.peek() is None:
                raise self.error(f"{tok.value} needs a term on both sides", tok.pos)
            terms.append(self.unary())
        for t in terms:
            _check_near_operand(t, self)
        return Near(tuple(terms), distance, ordered)

    def unary(self) -> Node:
        tok = self.peek()
        if tok is None:
            raise self.error("the query ends too early")
        if tok.kind in ("NOT", "MINUS"):
            self.take()
            if self.peek() is None:
                raise self.error("NOT needs a term after it", tok.pos)
            return Not(self.unary())
        return self.primary()

    def primary(self) -> Node:
        tok = self.take()
        if tok.kind == "LPAREN":
            if (nxt := self.peek()) is not None and nxt.kind == "RPAREN":
                raise self.error("empty parentheses", tok.pos)
            node = self.or_expr()
            close = self.peek()
            if close is None or close.kind != "RPAREN":
                raise self.error("'(' is never closed", tok.pos)
            self.take()
            return node
        if tok.kind == "FIELD":
            if tok.value not in self.fields:
                known = ", ".join(sorted(self.fields)) or "none"
                raise self.error(f"unknown field '{tok.value}:' (known fields: {known})", tok.pos)
            if self.peek() is None:
                raise self.error(f"'{tok.value}:' needs a term after it", tok.pos)
            return Field(tok.value, self.primary())
        if tok.kind == "NEARFN":
            return self.near_function(tok)
        if tok.kind in ("WORD", "PHRASE"):
            text, prefix = tok.value, False
            if text.endswith("*"):
                text, prefix = text.rstrip("*"), True
            if not _WORDCHARS.search(text):
                raise self.error(f"{tok.value!r} has no letters or digits to search for", tok.pos)
            return Term(text, prefix)
        if tok.kind == "RPAREN":
            raise self.error("unmatched ')'", tok.pos)
        raise self.error(f"{tok.value} needs a term before it", tok.pos)

    def near_function(self, head: _Tok) -> Node:
        self.take()  # the "("
        terms: list[Node] = []
        distance = DEFAULT_NEAR
        while True:
            tok = self.peek()
            if tok is None:
                raise self.error("NEAR( is never closed", head.pos)
            if tok.kind == "RPAREN":
                self.take()
                break
            if tok.kind == "COMMA":
                self.take()
                num = self.peek()
                if num is None or num.kind != "WORD" or not num.value.isdigit():
                    raise self.error("NEAR(...,  n) needs a whole number after the comma", tok.pos)
                distance = int(self.take().value)
                continue
            terms.append(self.primary())
        if len(terms) < 2:
            raise self.error("NEAR( ) needs at least two terms", head.pos)
        for t in terms:
            _check_near_operand(t, self)
        return Near(tuple(terms), distance)


def _check_near_operand(node: Node, parser: _Parser) -> None:
    if isinstance(node, Term):
        return
    if isinstance(node, Or) and all(isinstance(c, Term) for c in node.children):
        return
    raise parser.error("NEAR joins words, phrases or (a OR b) groups, not AND/NOT expressions", None)


def parse(text: str, fields: frozenset[str] | set[str] = frozenset(FTS_FIELDS)) -> Query:
    """Parse an analyst query; raises :class:`QueryError` pointing at the problem."""
    fields = frozenset(fields)
    return Query(text, _Parser(text, fields).parse(), fields)


# -- FTS5 compilation --------------------------------------------------------
def _quote(term: Term) -> str:
    return '"' + term.text.replace('"', '""') + '"' + (" *" if term.prefix else "")


def to_fts5(node: Node, source: str = "") -> str:
    """Compile a parsed query to an FTS5 MATCH expression (fully parenthesised)."""
    if isinstance(node, Term):
        return _quote(node)
    if isinstance(node, Near):
        return _near_to_fts5(node, source)
    if isinstance(node, Or):
        if any(isinstance(c, Not) for c in node.children):
            raise QueryError("NOT cannot stand alone inside OR; write a AND NOT b", source, None)
        return "(" + " OR ".join(to_fts5(c, source) for c in node.children) + ")"
    if isinstance(node, Field):
        column = FTS_FIELDS.get(node.name)
        if column is None:
            raise QueryError(f"'{node.name}:' cannot be searched in the archive's full text", source, None)
        return f"{column} : ({to_fts5(node.value, source)})"
    if isinstance(node, Not):
        raise QueryError("a query needs at least one term that is not negated", source, None)
    positives = [c for c in node.children if not isinstance(c, Not)]
    negatives = [c.child for c in node.children if isinstance(c, Not)]
    if not positives:
        raise QueryError("a query needs at least one term that is not negated", source, None)
    expr = "(" + " AND ".join(to_fts5(c, source) for c in positives) + ")"
    for neg in negatives:
        expr = f"({expr} NOT {to_fts5(neg, source)})"
    return expr


def _near_to_fts5(node: Near, source: str) -> str:
    # FTS5's NEAR takes phrases only: distribute over (a OR b) operands.
    options: list[list[Term]] = [[]]
    for t in node.terms:
        alternatives = list(t.children) if isinstance(t, Or) else [t]
        options = [o + [alt] for o in options for alt in alternatives]  # type: ignore[list-item]
        if len(options) > MAX_EXPANSION:
            raise QueryError(f"NEAR over these OR groups expands to more than {MAX_EXPANSION} combinations",
                             source, None)
    groups = [f"NEAR({' '.join(_quote(t) for t in combo)}, {node.distance})" for combo in options]
    return groups[0] if len(groups) == 1 else "(" + " OR ".join(groups) + ")"


# -- evaluation on one passage (rules workbench) ------------------------------
def _positions(term: Term, tokens: list[str]) -> list[tuple[int, int]]:
    """(start, end) token spans where the term's words occur consecutively."""
    words = term.words
    n = len(words)
    if not n:
        return []
    last = words[-1]
    if n == 1:  # the common case, kept to one comprehension
        if term.prefix:
            return [(i, i + 1) for i, t in enumerate(tokens) if t.startswith(last)]
        return [(i, i + 1) for i, t in enumerate(tokens) if t == last]
    first, middle = words[0], words[1:-1]
    spans = []
    for i in range(len(tokens) - n + 1):
        if tokens[i] == first and tokens[i + 1:i + n - 1] == middle:
            t = tokens[i + n - 1]
            if t.startswith(last) if term.prefix else t == last:
                spans.append((i, i + n))
    return spans


def _eval(node: Node, tokens: list[str], fields: dict[str, str], source: str) -> bool:
    if isinstance(node, Term):
        return bool(_positions(node, tokens))
    if isinstance(node, And):
        return all(_eval(c, tokens, fields, source) for c in node.children)
    if isinstance(node, Or):
        return any(_eval(c, tokens, fields, source) for c in node.children)
    if isinstance(node, Not):
        return not _eval(node.child, tokens, fields, source)
    if isinstance(node, Field):
        value = fields.get(node.name)
        if value is None:
            return False
        values = [value] if isinstance(value, str) else value
        return any(_eval(node.value, _field_tokens(v), fields, source) for v in values)
    return _near_matches(node, tokens)


def _relax(node: Node, expand: Callable[[Field], Node | None]) -> Node | None:
    """``node`` loosened for an article-level prefilter (None: no restriction)."""
    if isinstance(node, (Term, Near)):
        return node
    if isinstance(node, Not):
        return None
    if isinstance(node, Field):
        if node.name in FTS_FIELDS:
            inner = _relax(node.value, expand)
            return None if inner is None else Field(node.name, inner)
        replacement = expand(node)
        return None if replacement is None else _relax(replacement, expand)
    parts = [_relax(c, expand) for c in node.children]
    if isinstance(node, Or):
        return None if any(p is None for p in parts) else Or(tuple(p for p in parts if p is not None))
    kept = tuple(p for p in parts if p is not None)
    if not kept:
        return None
    return kept[0] if len(kept) == 1 else And(kept)


def _near_matches(node: Near, tokens: list[str]) -> bool:
    spans_per_term = []
    for t in node.terms:
        alternatives = list(t.children) if isinstance(t, Or) else [t]
        spans = [s for alt in alternatives for s in _positions(alt, tokens)]  # type: ignore[arg-type]
        if not spans:
            return False
        spans_per_term.append(spans)
    # As in FTS5: at most `distance` tokens lie between the phrases, in any order
    # (ONEAR/PRE: in the order written).
    for combo in itertools.islice(itertools.product(*spans_per_term), 10_000):
        if node.ordered and any(b[0] < a[1] for a, b in zip(combo, combo[1:])):
            continue
        between = max(e for _, e in combo) - min(s for s, _ in combo) - sum(e - s for s, e in combo)
        if between <= node.distance:
            return True
    return False
