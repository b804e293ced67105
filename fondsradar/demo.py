"""``fondsradar demo``: the whole weekly job, offline, on the sample traffic shipped here.

``demo.har`` holds sample responses we wrote ourselves, modelled on the real sources
(``tools/make_demo_har.py`` writes it). The demo uses the staff's themes from config.toml,
but its own database and output folder, no email (each group's message is written as an
``.eml`` file under ``mail/`` instead), and runs "as if today were" DEMO_TODAY so
the sample deadlines stay meaningful.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from fondsradar.config import Config, DatabaseConfig, SourcesConfig
from records.store import Store

DEMO_HAR = Path(__file__).with_name("demo") / "demo.har"
DEMO_TODAY = date(2027, 1, 11)


def demo_sources() -> SourcesConfig:
    """Every source at its default address, and the watched pages the sample traffic has."""
    pages = json.loads(DEMO_HAR.with_name("sources.json").read_text(encoding="utf-8"))
    return SourcesConfig.model_validate({
        "erasmus": {}, "novonordisk": {}, "villum_velux": {}, "pdj": {},
        "interreg": {"pages": pages["interreg"]}, "watch": {"pages": pages["watch"]},
    })


def demo_config(cfg: Config, out: Path) -> Config:
    """The staff's themes and groups, with the demo's own sources, database and output, and
    no email."""
    out = out.resolve()
    return cfg.model_copy(update={
        "database": DatabaseConfig(path=str(out / "demo.db")),
        "digest": cfg.digest.model_copy(update={"out_dir": str(out)}),
        "sources": demo_sources(),
        "smtp": None,
    })


DEMO_CONFIG = "demo-config.toml"


def write_demo_config(demo: Config, out: Path, day: date = DEMO_TODAY) -> Path:
    """The demo's config as a file, so `fondsradar --config demo-out/demo-config.toml rank`
    (status, export, browse …) looks at the demo's store instead of the staff's."""
    data = demo.model_dump(mode="json", exclude_none=True, by_alias=True)
    data.pop("base_dir", None)
    out.mkdir(parents=True, exist_ok=True)
    path = out / DEMO_CONFIG
    header = ("# Written by `fondsradar demo`: the staff's themes with the demo's sources, "
              "store and output.\n# Use it to explore the demo: fondsradar --config "
              f"{path} --today {day} rank\n")
    path.write_text(header + to_toml(data), encoding="utf-8")
    return path


def to_toml(data: dict[str, Any], prefix: str = "") -> str:
    """A config dict as TOML: scalars and lists first, then sub-tables and arrays of tables
    (enough for Config's own shape; the standard library reads TOML but cannot write it)."""
    lines: list[str] = []
    tables: list[str] = []
    for key, value in data.items():
        name = f"{prefix}.{_key(key)}" if prefix else _key(key)
        if isinstance(value, dict):
            tables.append(f"\n[{name}]\n" + to_toml(value, name))
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for item in value:
                tables.append(f"\n[[{name}]]\n" + to_toml(item, name))
        else:
            lines.append(f"{_key(key)} = {_value(value)}\n")
    return "".join(lines) + "".join(tables)


def _key(key: str) -> str:
    return key if key.replace("_", "").replace("-", "").isalnum() and key.isascii() \
        else json.dumps(key, ensure_ascii=False)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)  # a TOML basic string is JSON's


def run_demo(cfg: Config, out: Path, echo: Callable[[str], None] = print,
             today: date | None = None) -> tuple[int, list[Path]]:
    """The demo as if today were ``today`` (default: DEMO_TODAY, the day its traffic fits)."""
    from fondsradar import job

    day = today or DEMO_TODAY
    out.mkdir(parents=True, exist_ok=True)
    demo = demo_config(cfg, out)
    echo(f"Demo: replaying sample traffic from {DEMO_HAR.name}, as if today were {day}.")
    store = Store(demo.db_path)
    try:
        result = job.run(demo, store, today=day, replay=DEMO_HAR, send=False)
    finally:
        store.close()
    for o in result.outcomes:
        state = "ok" if o.status == "ok" else f"FAILED: {o.message}"
        echo(f"  {o.source}: {o.items} calls ({state})")
    for r in result.sends:
        if r.eml:
            echo(f"  email to {r.group}, as it would be sent ({r.size} bytes; open it in a "
                 f"mail program): {r.eml.resolve()}")
        else:
            echo(f"  no email to {r.group}: {r.detail}")
    config = write_demo_config(demo, out.resolve(), day)
    echo("To explore the demo's calls, give the other commands its config and day, e.g.:")
    for command in ("browse", "rank", "status", "export --format csv"):
        echo(f"  fondsradar --config {config} --today {day} {command}")
    return result.exit_code, result.files
