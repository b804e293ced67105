"""Load and validate ``config.toml``.

Staff edit the file by hand, so every mistake must come back as one line that names the key
path and what was expected (``config.toml: themes.piger_stem.keywords: expected a list of
strings``), and an unknown key must suggest the key that was probably meant. The models forbid
extra keys for that reason; pydantic does the type checking, this module does the wording.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    create_model,
    field_validator,
)

from matcher.model import MatcherSettings
from records import sources as defaults

DEFAULT_CONFIG = "config.toml"
ENV_CONFIG = "FONDSRADAR_CONFIG"


class ConfigError(Exception):
    """The config file cannot be used; ``problems`` holds one plain line per mistake."""

    def __init__(self, path: Path, problems: list[str]):
        self.path = path
        self.problems = problems
        super().__init__("\n".join(f"{path.name}: {p}" for p in problems))


def _http_url(value: str) -> str:
    if re.match(r"^https?://", value) and re.search(r"\s", value):
        raise ValueError("a web address cannot hold spaces or line breaks (write a space as %20)")
    if not re.match(r"^https?://[^\s/]+\S*$", value):
        raise ValueError("expected a web address starting with http:// or https://")
    return value


HttpUrl = Annotated[str, AfterValidator(_http_url)]
# A host name (or IPv4 address), optionally with a port: "www.example.org", "example.org:8443".
_HOST_PATTERN = r"^[A-Za-z0-9]([A-Za-z0-9-]{0,62}\.)*[A-Za-z0-9-]{1,63}(:\d{1,5})?$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class DatabaseConfig(_Strict):
    path: str = Field(default="data/fondsradar.db", min_length=1)


class CrawlConfig(_Strict):
    user_agent: str = "Fondsradar (Region Midtjylland; +mailto:teknologipagt@rm.dk)"
    obey_robots: bool = True
    timeout_s: float = Field(default=30, gt=0, le=600)
    delay_s: float = Field(default=1.0, ge=0, le=60)
    retries: int = Field(default=2, ge=0, le=10)
    backoff_s: float = Field(default=2.0, ge=0, le=600)
    max_page_mb: float = Field(default=32, gt=0, le=1024)
    # Where the crawl runs: "local" (a child process here) or "scrapyd" (jobs on a Scrapyd node;
    # docs/scaling.md). Credentials, if Scrapyd asks for them, come from the environment
    # variable named by scrapyd_password_env, like the SMTP password.
    engine: Literal["local", "scrapyd"] = "local"
    scrapyd_url: HttpUrl | None = None
    scrapyd_project: str = Field(default="fondsradar", pattern=r"^[A-Za-z0-9_-]{1,100}$")
    scrapyd_username: str | None = Field(default=None, pattern=r"^[^:\s]{1,200}$")
    scrapyd_password_env: str | None = Field(default=None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    # The address (host or host:port) Scrapyd's jobs reach this machine at, to fetch what an
    # incremental crawl needs; the default suits a Scrapyd on this machine.
    scrapyd_state_address: str = Field(default="127.0.0.1",
                                       pattern=r"^[A-Za-z0-9.\-]{1,253}(:\d{1,5})?$")

    @field_validator("timeout_s", "delay_s", "backoff_s", "max_page_mb", mode="before")
    @classmethod
    def _int_is_fine(cls, v: Any) -> Any:
        return float(v) if isinstance(v, int) and not isinstance(v, bool) else v


class SourceConfig(_Strict):
    enabled: bool = True
    # The outbound policy (crawler/policy.py): hosts this source may fetch from besides those
    # of its own configured URLs, and how many requests one crawl of it may make at most.
    allowed_hosts: list[Annotated[str, Field(pattern=_HOST_PATTERN)]] = Field(
        default_factory=list)
    max_requests: int = Field(default=10_000, ge=1, le=1_000_000)


class ErasmusConfig(SourceConfig):
    search_url: HttpUrl = defaults.ERASMUS_SEARCH_URL
    programmes: list[Annotated[str, Field(pattern=r"^\d+$")]] = Field(
        default_factory=lambda: list(defaults.ERASMUS_PROGRAMMES), min_length=1
    )
    page_size: int = Field(default=100, ge=1, le=100)
    max_pages: int = Field(default=50, ge=1, le=1000)


Synonym = Annotated[str, Field(min_length=2, max_length=80)]


class LabelSynonyms(_Strict):
    """Staff's own words for a source's labels, added to the built-in Danish and English
    vocabularies (crawler/vocabulary.py) when a site rewords a label."""

    deadline: list[Synonym] = Field(default_factory=list, max_length=50)
    opens: list[Synonym] = Field(default_factory=list, max_length=50)
    amount: list[Synonym] = Field(default_factory=list, max_length=50)
    budget: list[Synonym] = Field(default_factory=list, max_length=50)
    status: list[Synonym] = Field(default_factory=list, max_length=50)


class StartUrlsConfig(SourceConfig):
    start_urls: list[HttpUrl] = Field(min_length=1)
    labels: LabelSynonyms = Field(default_factory=LabelSynonyms)


class NovoNordiskConfig(StartUrlsConfig):
    start_urls: list[HttpUrl] = Field(
        default_factory=lambda: list(defaults.NOVONORDISK_START_URLS), min_length=1)


class VillumVeluxConfig(StartUrlsConfig):
    start_urls: list[HttpUrl] = Field(
        default_factory=lambda: list(defaults.VILLUM_VELUX_START_URLS), min_length=1)


class PdjConfig(StartUrlsConfig):
    start_urls: list[HttpUrl] = Field(
        default_factory=lambda: list(defaults.PDJ_START_URLS), min_length=1)


class WatchedPage(_Strict):
    """One page watched for changes; ``selector`` (CSS) narrows it to the part that matters."""

    url: HttpUrl
    programme: str | None = None
    name: str | None = None
    funder: str | None = None
    selector: str | None = None
    language: Literal["da", "en"] | None = None


class InterregConfig(SourceConfig):
    pages: list[WatchedPage] = Field(default_factory=list)


class WatchConfig(SourceConfig):
    """Pages staff add without code: any URL, optionally a CSS selector."""

    pages: list[WatchedPage] = Field(default_factory=list)


class SourcesConfig(_Strict):
    """The sources to crawl: a source runs when its table is in the file (and not disabled)."""

    erasmus: ErasmusConfig | None = None
    novonordisk: NovoNordiskConfig | None = None
    villum_velux: VillumVeluxConfig | None = None
    interreg: InterregConfig | None = None
    pdj: PdjConfig | None = None
    watch: WatchConfig | None = None

    def enabled(self) -> dict[str, SourceConfig]:
        """The enabled sources by name, in the order of this model."""
        out = {}
        for name in type(self).model_fields:
            cfg = getattr(self, name)
            if cfg is not None and cfg.enabled:
                out[name] = cfg
        return out


class ThemeConfig(_Strict):
    name: str = Field(min_length=1)
    keywords: list[Annotated[str, Field(min_length=1)]] = Field(min_length=1)
    weights: dict[str, float] = Field(default_factory=dict)
    exclude: list[str] = Field(default_factory=list)
    focus: bool = False


def _matcher_config() -> type[BaseModel]:
    """The `[matcher]` table's model, built from the matcher's own settings and their ranges.

    The matcher package owns what each knob means and which values make sense
    (`matcher.model.knob`); building the model from there keeps one list of knobs, and an
    unknown key or a value out of range is named at load like in every other table.
    """
    fields: dict[str, Any] = {}
    for f in dataclasses.fields(MatcherSettings):
        meta, default = f.metadata, f.default
        bounds = {"ge": meta.get("low"), "le": meta.get("high")}
        bounds = {k: v for k, v in bounds.items() if v is not None}
        if isinstance(default, bool):
            fields[f.name] = (bool, default)
        elif isinstance(default, int | float) and not isinstance(default, bool):
            kind = int if isinstance(default, int) and not isinstance(default, float) else float
            fields[f.name] = (kind, Field(default=default, **bounds))
        elif meta.get("pair"):
            item = Annotated[int, Field(**bounds)]
            fields[f.name] = (list[item], Field(default=list(default), min_length=2,
                                                max_length=2))
        elif meta.get("choices"):
            fields[f.name] = (list[Literal[meta["choices"]]], Field(default=list(default)))
        else:
            fields[f.name] = (list[str], Field(default=list(default)))
    return create_model("MatcherConfig", __base__=_Strict, **fields)


MatcherConfig = _matcher_config()


EMAIL_PATTERN = r"^[^@\s<>]+@[^@\s<>]+\.[A-Za-z]{2,}$"


class DigestGroup(_Strict):
    name: str = Field(min_length=1)
    emails: list[Annotated[str, Field(pattern=EMAIL_PATTERN)]] = Field(
        min_length=1
    )
    themes: list[str] = Field(default_factory=lambda: ["*"], min_length=1)


class DigestConfig(_Strict):
    language: Literal["da", "en"] = "da"
    out_dir: str = Field(default="digests/out", min_length=1)
    closing_soon_days: int = Field(default=21, ge=0, le=365)
    max_per_section: int = Field(default=15, ge=1, le=500)
    # Where out_dir is published on the web (an intranet share, say), for the emails'
    # "og N flere" links; without it they point at the files themselves.
    archive_url: HttpUrl | None = None
    groups: list[DigestGroup] = Field(default_factory=list)


class SmtpConfig(_Strict):
    host: str = Field(min_length=1)
    port: int = Field(default=587, ge=1, le=65535)
    security: Literal["starttls", "ssl", "none"] = "starttls"
    username: str | None = None
    password_env: str | None = Field(default=None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    sender: str = Field(min_length=3)
    timeout_s: float = Field(default=30, gt=0, le=600)


class ScheduleConfig(_Strict):
    cron: str = "30 6 * * mon"
    timezone: str = "Europe/Copenhagen"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {v!r} (e.g. 'Europe/Copenhagen')") from exc
        return v

    @field_validator("cron")
    @classmethod
    def _valid_cron(cls, v: str) -> str:
        if len(v.split()) != 5:
            raise ValueError(
                "expected 5 fields: minute hour day month weekday, e.g. '30 6 * * mon'")
        from apscheduler.triggers.cron import CronTrigger

        try:
            CronTrigger.from_crontab(v)
        except ValueError as exc:
            raise ValueError(f"not a valid cron expression ({exc}); e.g. '30 6 * * mon'") from exc
        return v


class Config(_Strict):
    database: DatabaseConfig = Field(default_factory=DatabaseConfig)
    crawl: CrawlConfig = Field(default_factory=CrawlConfig)
    sources: SourcesConfig = Field(default_factory=SourcesConfig)
    themes: dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")], ThemeConfig] = Field(
        min_length=1
    )
    matcher: MatcherConfig = Field(default_factory=MatcherConfig)
    digest: DigestConfig = Field(default_factory=DigestConfig)
    smtp: SmtpConfig | None = None
    schedule: ScheduleConfig = Field(default_factory=ScheduleConfig)

    # Filled in by load_config: where the file was, so relative paths resolve against it.
    base_dir: Path = Path(".")

    @property
    def db_path(self) -> Path:
        return _resolve(self.base_dir, self.database.path)

    @property
    def out_dir(self) -> Path:
        return _resolve(self.base_dir, self.digest.out_dir)


def _resolve(base: Path, value: str) -> Path:
    p = Path(value).expanduser()
    return p if p.is_absolute() else (base / p).resolve()


def config_path(explicit: str | os.PathLike[str] | None) -> Path:
    """``--config`` wins, then ``$FONDSRADAR_CONFIG``, then ``./config.toml``."""
    return Path(explicit or os.environ.get(ENV_CONFIG) or DEFAULT_CONFIG)


def load_config(path: str | os.PathLike[str]) -> Config:
    """Read and validate a config file; raise ConfigError with every problem found."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            path, [f"file not found ({path.resolve()}); copy config.toml from the project"]
        ) from None
    except UnicodeDecodeError:
        raise ConfigError(path, ["the file is not UTF-8 text; save it as UTF-8"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, [f"not valid TOML: {exc}"]) from None
    raw.pop("base_dir", None)
    try:
        cfg = Config.model_validate({**raw, "base_dir": path.resolve().parent})
    except ValidationError as exc:
        raise ConfigError(path, [_explain(err, raw) for err in exc.errors()]) from None
    problems = _cross_checks(cfg)
    if problems:
        raise ConfigError(path, problems)
    return cfg


def _cross_checks(cfg: Config) -> list[str]:
    problems = _control_characters(cfg.model_dump(mode="json", exclude={"base_dir"}))
    if cfg.smtp is not None:
        from email.utils import getaddresses

        found = getaddresses([cfg.smtp.sender])
        if len(found) != 1 or not re.match(EMAIL_PATTERN, found[0][1]):
            problems.append(f"smtp.sender: {cfg.smtp.sender!r} is not an email address; write "
                            "e.g. \"Fondsradar <fondsradar@example.dk>\"")
    problems += _schedule_problems(cfg)
    problems += _system_folder_problems(cfg)
    low, high = cfg.matcher.char_ngrams
    if low > high:
        problems.append(f"matcher.char_ngrams: the first number ({low}) must not be larger "
                        f"than the second ({high})")
    if cfg.crawl.engine == "scrapyd" and not cfg.crawl.scrapyd_url:
        problems.append('crawl.scrapyd_url: engine = "scrapyd" needs the address of Scrapyd, '
                        'e.g. scrapyd_url = "http://127.0.0.1:6800"')
    for i, group in enumerate(cfg.digest.groups):
        for slug in group.themes:
            if slug != "*" and slug not in cfg.themes:
                hint = _did_you_mean(slug, cfg.themes)
                problems.append(
                    f"digest.groups[{i}].themes: unknown theme {slug!r}{hint}"
                    f" (themes: {', '.join(cfg.themes)})"
                )
    return problems


def _control_characters(data: Any, where: str = "") -> list[str]:
    """Every text value with a line break or other control character: in an email header
    (sender, group names in the subject) or an HTTP header (user_agent) it would start a new
    header line, so nothing in the file may hold one."""
    if isinstance(data, str):
        if re.search(r"[\x00-\x08\x0a-\x1f\x7f]", data):
            return [f"{where}: contains a line break or another control character; write it "
                    "on one line"]
        return []
    if isinstance(data, dict):
        return [p for k, v in data.items()
                for p in _control_characters(v, f"{where}.{k}" if where else str(k))]
    if isinstance(data, list):
        return [p for i, v in enumerate(data) for p in _control_characters(v, f"{where}[{i}]")]
    return []


def _schedule_problems(cfg: Config) -> list[str]:
    """A cron expression that is valid but never (or hardly ever) fires: 31 February, say."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from apscheduler.triggers.cron import CronTrigger

    zone = ZoneInfo(cfg.schedule.timezone)
    trigger = CronTrigger.from_crontab(cfg.schedule.cron, timezone=zone)
    now = datetime.now(zone)
    first = trigger.get_next_fire_time(None, now)
    if first is None:
        return [f"schedule.cron: {cfg.schedule.cron!r} never fires (a day that does not exist "
                "in that month?); e.g. '30 6 * * mon' is every Monday at 6:30"]
    if first - now > timedelta(days=366):
        return [f"schedule.cron: {cfg.schedule.cron!r} would first run on {first:%Y-%m-%d}; "
                "e.g. '30 6 * * mon' is every Monday at 6:30"]
    return []


# Folders of the operating system: the digest and the database never belong there.
SYSTEM_FOLDERS = ("/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/proc", "/run",
                  "/sbin", "/sys", "/usr", "/var/lib", "/var/cache", "/var/spool", "/var/run",
                  "C:\\Windows", "C:\\Program Files")


def _system_folder_problems(cfg: Config) -> list[str]:
    problems = []
    for key, path in (("digest.out_dir", cfg.out_dir), ("database.path", cfg.db_path)):
        system = _under_system_folder(path)
        if system:
            problems.append(f"{key}: {path} is inside the system folder {system}; choose a "
                            "folder of your own (e.g. digests/out beside config.toml)")
    return problems


def _under_system_folder(path: Path) -> str | None:
    resolved = path.resolve()
    if resolved == Path(resolved.anchor):
        return resolved.anchor
    for folder in SYSTEM_FOLDERS:
        base = Path(folder)
        if resolved == base or base in resolved.parents:
            return folder
    return None


def writable_problems(cfg: Config) -> list[str]:
    """Folders the job will write to that this user cannot write (``check-config`` only: it
    depends on the machine and the user, not on the file)."""
    problems = []
    for key, folder in (("digest.out_dir", cfg.out_dir), ("database.path", cfg.db_path.parent)):
        existing = folder
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
        if not existing.is_dir():
            problems.append(f"{key}: {existing} is a file, so {folder} cannot be created")
        elif not os.access(existing, os.W_OK | os.X_OK):
            what = "" if existing == folder else f" (to create {folder})"
            problems.append(f"{key}: this user cannot write in {existing}{what}; choose another "
                            "folder or ask for write access")
    return problems


def _loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if part == "[key]":
            continue
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


_TYPE_WORDS = {
    "string_type": "expected text in quotes",
    "bool_type": "expected true or false",
    "int_type": "expected a whole number",
    "float_type": "expected a number",
    "list_type": "expected a list, e.g. [\"a\", \"b\"]",
    "dict_type": "expected a table",
    "model_type": "expected a table",
}


def _explain(err: Any, raw: dict[str, Any]) -> str:
    """Turn one pydantic error into a line a non-programmer can act on."""
    loc = tuple(err["loc"])
    kind = err["type"]
    # Errors inside a list of strings read better about the whole list.
    if kind == "extra_forbidden" and loc[:1] == ("smtp",) and loc[-1] == "password":
        return (
            "smtp.password: never write the password in this file; put it in an environment "
            "variable and write that variable's NAME as smtp.password_env"
        )
    if kind == "extra_forbidden":
        parent = _model_at(loc[:-1])
        key = str(loc[-1])
        valid = list(parent.model_fields) if parent else []
        valid = [k for k in valid if k != "base_dir"]
        hint = _did_you_mean(key, valid)
        where = _loc(loc[:-1])
        what = "unknown source" if where == "sources" else "unknown key"
        return (
            f"{_loc(loc)}: {what} {key!r}{hint}"
            + (f" (valid here: {', '.join(valid)})" if valid else "")
        )
    if kind == "missing":
        return f"{_loc(loc)}: missing; this key is required"
    if kind in {"string_type"} and loc and isinstance(loc[-1], int):
        return f"{_loc(loc[:-1])}: expected a list of strings"
    if kind == "string_pattern_mismatch":
        return f"{_loc(loc)}: {_pattern_words(loc, err.get('input'))}"
    if kind in _BOUND_WORDS:
        bound = f"{_BOUND_WORDS[kind]} {_limit(err)}"
        return f"{_loc(loc)}: expected a number {bound}, got {err.get('input')!r}"
    if kind == "literal_error":
        return f"{_loc(loc)}: expected {err['ctx']['expected']}, got {err.get('input')!r}"
    if kind in {"string_too_short", "string_too_long"}:
        short = kind == "string_too_short"
        return (f"{_loc(loc)}: {err.get('input')!r} is too {'short' if short else 'long'} "
                f"(write {'at least' if short else 'at most'} {_limit(err)} characters)")
    if kind in {"too_short", "too_long"}:
        return f"{_loc(loc)}: {'must not be empty' if kind == 'too_short' else 'too long'}"
    msg = _TYPE_WORDS.get(kind) or str(err["msg"]).removeprefix("Value error, ")
    got = err.get("input")
    if kind in _TYPE_WORDS and got is not None and not isinstance(got, dict | list):
        msg += f", got {got!r}"
    return f"{_loc(loc)}: {msg}"


_BOUND_WORDS = {
    "greater_than": "greater than",
    "greater_than_equal": "of at least",
    "less_than": "less than",
    "less_than_equal": "of at most",
}


def _limit(err: Any) -> Any:
    ctx = err.get("ctx") or {}
    value = next(iter(ctx.values()), "?")
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _pattern_words(loc: tuple[Any, ...], value: Any) -> str:
    text = _loc(loc)
    if "emails" in text:
        return f"{value!r} is not an email address"
    if text.startswith("themes."):
        return f"theme name {value!r}: use lower-case letters, digits and _ (e.g. piger_stem)"
    if "programmes" in text:
        return f"{value!r}: a programme id is digits only (Erasmus+ is \"43353764\")"
    if "allowed_hosts" in text:
        return (f"{value!r} is not a host name; write the site's name only, without http:// "
                "or a path (e.g. \"www.example.org\")")
    if "password_env" in text:
        return (
            f"{value!r} is not the name of an environment variable; put the password in an "
            "environment variable and its NAME here (e.g. FONDSRADAR_SMTP_PASSWORD)"
        )
    return f"{value!r} has the wrong form"


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model that lives at a key path, to list its valid keys."""
    model: Any = Config
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(str(part)) if hasattr(model, "model_fields") else None
        if field is None:
            if model is Config or not hasattr(model, "model_fields"):
                return None
            # a dict of models (themes.<slug>)
            return None
        ann = field.annotation
        model = _unwrap(ann)
        if model is None:
            return None
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _unwrap(ann: Any) -> Any:
    import typing

    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann
    for arg in typing.get_args(ann):
        found = _unwrap(arg)
        if found is not None:
            return found
    return None


def _did_you_mean(key: str, valid: Any) -> str:
    close = difflib.get_close_matches(key, list(valid), n=1, cutoff=0.6)
    return f" — did you mean {close[0]!r}?" if close else ""
