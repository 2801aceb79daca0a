"""One frozen configuration per crawler: every CONSENT_* setting, typed and checked, and the
Scrapy settings that change what is fetched or decided.

Built once from the settings (``ConsentConfig.from_settings``), before anything is fetched or
written: a value of the wrong type or out of range, an unknown CONSENT_* name (a typo would
otherwise be ignored silently) or a refused weakening (``crawler.weakenings``) is a ConfigError
naming the setting. The CLI builds it in its preflight, so such a value is a usage error; inside
a Scrapy project the first component asks for it through ``config_of(crawler)`` (the
``ConfigExtension``, which the add-on installs ahead of every other component). Every gate
reads its values from here, and the job records ``recorded()`` whole, with its weakenings.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from storage.addresses import AddressPolicy
from storage.catalog.checkpoint import KeyError_, load_private_key

from .consent.agents import AgentTable, AgentTableError
from .consent.license_policy import LicenseTerms
from .consent.model import Purpose, UnknownPurpose
from .consent.robots import is_valid_token
from .consent.walls import DEFAULT_AUTH_PATTERNS, AuthPatterns
from .exceptions import ConfigError
from .net.hostmap import HostMap

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

    from .weakenings import Weakening

__all__ = ["SCRAPY_RECORDED", "ConfigExtension", "ConsentConfig", "config_of"]

#: Scrapy settings that change what is fetched, how often, or what a gate sees: recorded with
#: the job beside every CONSENT_* setting.
SCRAPY_RECORDED: Final = (
    "AUTOTHROTTLE_ENABLED",
    "AUTOTHROTTLE_MAX_DELAY",
    "AUTOTHROTTLE_START_DELAY",
    "AUTOTHROTTLE_TARGET_CONCURRENCY",
    "CONCURRENT_REQUESTS",
    "CONCURRENT_REQUESTS_PER_DOMAIN",
    "DEPTH_LIMIT",
    "DEPTH_PRIORITY",
    "DOWNLOAD_DELAY",
    "DOWNLOAD_MAXSIZE",
    "DOWNLOAD_TIMEOUT",
    "RANDOMIZE_DOWNLOAD_DELAY",
    "REDIRECT_MAX_TIMES",
    "RETRY_ENABLED",
    "RETRY_TIMES",
    "USER_AGENT",
)

#: The component settings whose entries that are neither Scrapy's nor ours are recorded (and
#: are a weakening: such a component can change what the gates see).
COMPONENT_SETTINGS: Final = (
    "DOWNLOADER_MIDDLEWARES",
    "SPIDER_MIDDLEWARES",
    "EXTENSIONS",
    "ITEM_PIPELINES",
    "DOWNLOAD_HANDLERS",
)

_Read = Callable[["BaseSettings", str], Any]


def _text(settings: BaseSettings, name: str) -> str:
    value = settings.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ValueError("expected a non-empty text")
    return value.strip()


def _optional_text(settings: BaseSettings, name: str) -> str | None:
    value = settings.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise TypeError("expected a text")
    return value.strip()


def _bool(settings: BaseSettings, name: str) -> bool:
    return settings.getbool(name)


def _count(settings: BaseSettings, name: str) -> int:
    value = settings.getint(name)
    if value < 0:
        raise ValueError("must not be negative")
    return value


def _positive(settings: BaseSettings, name: str) -> int:
    value = settings.getint(name)
    if value < 1:
        raise ValueError("must be at least 1")
    return value


def _seconds(settings: BaseSettings, name: str) -> float:
    value = settings.getfloat(name)
    if not value >= 0:  # also NaN
        raise ValueError("must be a non-negative number")
    return value


def _period(settings: BaseSettings, name: str) -> float:
    value = settings.getfloat(name)
    if not (math.isfinite(value) and value > 0):
        raise ValueError("must be a positive number of seconds")
    return value


def _ratio(settings: BaseSettings, name: str) -> float:
    value = settings.getfloat(name)
    if not 0 <= value <= 1:
        raise ValueError("must be between 0 and 1")
    return value


def _strings(settings: BaseSettings, name: str) -> tuple[str, ...]:
    values = settings.getlist(name)
    if not all(isinstance(v, str) for v in values):
        raise TypeError("expected a list of texts")
    return tuple(v.strip() for v in values if v.strip())


def _optional_path(settings: BaseSettings, name: str) -> Path | None:
    text = _optional_text(settings, name)
    return None if text is None else Path(text).expanduser()


def _optional_strings(settings: BaseSettings, name: str) -> tuple[str, ...] | None:
    return None if settings.get(name) is None else _strings(settings, name)


def _mapping(settings: BaseSettings, name: str) -> dict[str, Any]:
    return dict(settings.getdict(name))


def _resolve(settings: BaseSettings, name: str) -> tuple[str, ...] | dict[str, str]:
    # The CLI's --resolve gives a list of HOST:ADDRESS; a project may give a {host: address}.
    value = settings.get(name)
    if isinstance(value, Mapping):
        return {str(k): str(v) for k, v in value.items()}
    return _strings(settings, name)


# How each CONSENT_* setting is read; every name of CONSENT_DEFAULTS has one (a test checks).
READERS: Final[Mapping[str, _Read]] = {
    "CONSENT_ACCEPT_LICENSES": _optional_strings,
    "CONSENT_AGENT": _text,
    "CONSENT_AI_AGENTS_ADD": _mapping,
    "CONSENT_AI_AGENTS_DROP": _strings,
    "CONSENT_AI_AGENTS_FILE": _optional_path,
    "CONSENT_AI_AGENTS_OWN_ONLY": _bool,
    "CONSENT_ALLOW_OFFSITE": _bool,
    "CONSENT_ALLOW_PRIVATE_NETWORKS": _strings,
    "CONSENT_AUTH_URL_PATTERNS": _optional_strings,
    "CONSENT_AUTH_WALL_MIN_PAGES": _positive,
    "CONSENT_AUTH_WALL_RATIO": _ratio,
    "CONSENT_BLOCKLIST_FILES": _strings,
    "CONSENT_BLOCKLIST_REVIEW_SHARE": _ratio,
    "CONSENT_BLOCKLIST_SUBMITTER": _text,
    "CONSENT_CATALOG_BATCH_SIZE": _positive,
    "CONSENT_CATALOG_FLUSH_INTERVAL": _seconds,
    "CONSENT_CATALOG_MAX_PENDING": _positive,
    "CONSENT_CATALOG_URL": _text,
    "CONSENT_CHECKPOINT_EVERY": _positive,
    "CONSENT_COMMERCIAL": _bool,
    "CONSENT_CONTACT_URL": _optional_text,
    "CONSENT_DOWNLOAD_TIMEOUT": _seconds,
    "CONSENT_EVALUATE": _strings,
    "CONSENT_FOLLOW_LINKS": _bool,
    "CONSENT_GEO": _optional_text,
    "CONSENT_IMAGES": _bool,
    "CONSENT_JOB_HEARTBEAT": _period,
    "CONSENT_IMAGES_PER_PAGE": _count,
    "CONSENT_IMAGE_MAX_PIXELS": _positive,
    "CONSENT_IMAGE_MAX_SIZE": _positive,
    "CONSENT_IMAGE_MIN_PIXELS": _count,
    "CONSENT_LICENSES_HELD": _strings,
    "CONSENT_MAX_CRAWL_DELAY": _seconds,
    "CONSENT_MAX_PAGES": _count,
    "CONSENT_MAX_PATH_SEGMENTS": _positive,
    "CONSENT_MAX_REDIRECTS": _count,
    "CONSENT_MAX_RESPONSE_SIZE": _positive,
    "CONSENT_PURPOSE": _optional_text,
    "CONSENT_REQUIRE_PERMISSION": _bool,
    "CONSENT_RESOLVE": _resolve,
    "CONSENT_RESUMES": _optional_text,
    "CONSENT_ROBOTS_CACHE_TTL": _seconds,
    "CONSENT_ROBOTS_ERROR_TTL": _seconds,
    "CONSENT_ROBOTS_MAX_SIZE": _positive,
    "CONSENT_ROBOTS_PARSE_LIMIT": _positive,
    "CONSENT_ROBOTS_TIMEOUT": _seconds,
    "CONSENT_RSL_MAX_SIZE": _positive,
    "CONSENT_SEEDS": _strings,
    "CONSENT_SIGNING_KEY": _optional_text,
    "CONSENT_SITE_MAX_PAGES": _positive,
    "CONSENT_TDMREP_MAX_SIZE": _positive,
    "CONSENT_WARC_DIR": _text,
    "CONSENT_WARC_MAX_SIZE": _positive,
    "CONSENT_WARC_PREFIX": _text,
}


def _read_all(settings: BaseSettings) -> dict[str, Any]:
    unknown = sorted(
        name for name in settings if name.startswith("CONSENT_") and name not in READERS
    )
    if unknown:
        raise ConfigError(f"unknown setting {unknown[0]} (a typo? see the README's settings table)")
    values: dict[str, Any] = {}
    for name, read in READERS.items():
        try:
            values[name] = read(settings, name)
        except (ValueError, TypeError) as exc:
            raw = settings.get(name)
            why = str(exc).split("\n", 1)[0] or type(exc).__name__
            raise ConfigError(f"setting {name}={raw!r}: {why}") from None
    return values


def _plain(value: Any) -> Any:
    """JSON-ready copy of a setting's value (tuples as lists, keys as text, objects by path)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_plain(v) for v in value]
        return sorted(items, key=str) if isinstance(value, (set, frozenset)) else items
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, type):
        return f"{value.__module__}.{value.__qualname__}"
    return str(value)


def _foreign(settings: BaseSettings) -> dict[str, dict[str, Any]]:
    """Components of other projects or packages, per component setting (Scrapy's and ours are
    the crawl's own)."""
    found: dict[str, dict[str, Any]] = {}
    for name in COMPONENT_SETTINGS:
        entries = {
            _plain(path): order
            for path, order in settings.getdict(name).items()
            if order is not None and not _plain(path).startswith(("scrapy.", "crawler."))
        }
        if entries:
            found[name] = entries
    return found


@dataclass(frozen=True, slots=True)
class ConsentConfig:
    """What a crawl runs with. ``values`` holds every CONSENT_* setting as read (typed);
    the fields are the ones the gates use, already parsed."""

    purpose: Purpose
    evaluate: frozenset[Purpose]  # the purposes whose evidence is gathered (purpose included)
    agent: str
    agents: AgentTable  # the table in force, with CONSENT_AI_AGENTS_ADD/DROP/OWN_ONLY applied
    agents_base: AgentTable  # the packaged table or CONSENT_AI_AGENTS_FILE's, before them
    auth_patterns: AuthPatterns
    addresses: AddressPolicy
    hosts: HostMap
    licensing: LicenseTerms
    values: Mapping[str, Any]
    scrapy: Mapping[str, Any]
    components: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    weakenings: tuple[Weakening, ...] = ()

    def __getitem__(self, name: str) -> Any:
        """A CONSENT_* setting's typed value."""
        return self.values[name]

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> ConsentConfig:
        """Raises ConfigError naming the setting at fault (a wrong value, an unknown name, a
        weakening refused for the job's purpose)."""
        from .weakenings import assess  # the rules read a built config

        values = _read_all(settings)
        if values["CONSENT_PURPOSE"] is None:
            raise ConfigError("CONSENT_PURPOSE is not set: a crawl must declare its purpose")
        try:
            purpose = Purpose.parse(values["CONSENT_PURPOSE"])
            evaluate = frozenset({purpose, *map(Purpose.parse, values["CONSENT_EVALUATE"])})
        except UnknownPurpose as exc:
            raise ConfigError(f"setting CONSENT_PURPOSE/CONSENT_EVALUATE: {exc}") from None
        agent = values["CONSENT_AGENT"]
        if not is_valid_token(agent):
            raise ConfigError(
                f"setting CONSENT_AGENT={agent!r}: not a robots.txt product token ([A-Za-z_-]+)"
            )
        base = _agent_table(values["CONSENT_AI_AGENTS_FILE"])
        try:
            agents = base.configured(
                add=values["CONSENT_AI_AGENTS_ADD"],
                drop=values["CONSENT_AI_AGENTS_DROP"],
                own_only=values["CONSENT_AI_AGENTS_OWN_ONLY"],
            )
        except ValueError as exc:
            raise ConfigError(f"settings CONSENT_AI_AGENTS_*: {exc}") from None
        patterns = values["CONSENT_AUTH_URL_PATTERNS"]
        try:
            auth = AuthPatterns.compile(DEFAULT_AUTH_PATTERNS if patterns is None else patterns)
        except ValueError as exc:
            raise ConfigError(f"setting CONSENT_AUTH_URL_PATTERNS: {exc}") from None
        try:
            licensing = LicenseTerms.parse(
                accept=values["CONSENT_ACCEPT_LICENSES"],
                commercial=values["CONSENT_COMMERCIAL"],
                held=values["CONSENT_LICENSES_HELD"],
                geo=values["CONSENT_GEO"],
            )
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        config = cls(
            purpose=purpose,
            evaluate=evaluate,
            agent=agent,
            agents=agents,
            agents_base=base,
            auth_patterns=auth,
            addresses=_addresses(values["CONSENT_ALLOW_PRIVATE_NETWORKS"]),
            hosts=HostMap.parse(values["CONSENT_RESOLVE"]),
            licensing=licensing,
            values=values,
            scrapy={name: settings.get(name) for name in SCRAPY_RECORDED},
            components=_foreign(settings),
        )
        key = values["CONSENT_SIGNING_KEY"]
        if key is not None:
            try:
                load_private_key(Path(key).expanduser())
            except KeyError_ as exc:
                raise ConfigError(f"setting CONSENT_SIGNING_KEY: {exc}") from None
        refused, weakenings = assess(config)
        if refused:
            raise ConfigError(refused[0])
        return replace(config, weakenings=weakenings)

    def recorded(self) -> dict[str, Any]:
        """The configuration as the job stores it: every CONSENT_* setting, the Scrapy settings
        of SCRAPY_RECORDED, the identity of the AI agent table (``agent_table``: its file,
        sha256, token count and robots.json source) and the foreign components, JSON-ready."""
        return {
            **{name: _plain(value) for name, value in self.values.items()},
            **{name: _plain(value) for name, value in self.scrapy.items()},
            "agent_table": self.agents_base.identity(),
            **({"components": _plain(self.components)} if self.components else {}),
        }


def _agent_table(path: Path | None) -> AgentTable:
    if path is None:
        return AgentTable.default()
    try:
        return AgentTable.from_file(path)
    except AgentTableError as exc:
        raise ConfigError(f"setting CONSENT_AI_AGENTS_FILE={str(path)!r}: {exc}") from None


def _addresses(networks: tuple[str, ...]) -> AddressPolicy:
    try:
        return AddressPolicy.parse(networks)
    except ValueError as exc:
        raise ConfigError(f"setting CONSENT_ALLOW_PRIVATE_NETWORKS: {exc}") from None


class ConfigExtension:
    """Builds the crawler's configuration; the add-on puts it ahead of every other extension,
    and extensions are built before the downloader and spider middlewares."""

    def __init__(self, crawler: Crawler) -> None:
        self.config = ConsentConfig.from_settings(crawler.settings)
        # Kept on the crawler too: extensions built after this one (the recorder) ask for it
        # while Scrapy's extension manager, and so get_extension(), does not exist yet.
        setattr(crawler, _ATTRIBUTE, self.config)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)


_ATTRIBUTE: Final = "_consent_config"


def config_of(crawler: Crawler) -> ConsentConfig:
    """The crawler's configuration (built once, by the ConfigExtension)."""
    config = getattr(crawler, _ATTRIBUTE, None)
    if not isinstance(config, ConsentConfig):
        raise ConfigError("consentcrawl's ConfigExtension is not installed: add ConsentAddon")
    return config
