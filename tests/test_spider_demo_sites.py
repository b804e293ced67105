"""The demo traffic of the four HTML sources (tools/demo_sites.py) replays cleanly: every
source healthy, at the default start URLs of fondsradar/config.py, no request unanswered."""

from __future__ import annotations

import json
from pathlib import Path

from fondsradar.config import NovoNordiskConfig, PdjConfig, VillumVeluxConfig
from tests.sites.server import crawl, health, stored, write_config
from tools.demo_sites import config_pages, entries


def _toml_pages(pages: list[dict[str, str]]) -> str:
    rows = [", ".join(f'{k} = "{v}"' for k, v in page.items()) for page in pages]
    return "pages = [" + ", ".join(f"{{ {row} }}" for row in rows) + "]"


def test_demo_entries_replay_healthy_at_the_default_urls(tmp_path: Path) -> None:
    har = tmp_path / "demo.har"
    har.write_text(json.dumps({"log": {"version": "1.2", "creator": {"name": "t", "version": "1"},
                                       "entries": entries()}}), encoding="utf-8")
    pages = config_pages()
    config = write_config(tmp_path, f"""
[sources.novonordisk]
[sources.villum_velux]
[sources.pdj]
[sources.interreg]
{_toml_pages(pages["interreg"])}
[sources.watch]
{_toml_pages(pages["watch"])}
""")
    result = crawl(config, "--replay", str(har))
    assert result.returncode == 0, result.stdout + result.stderr
    rows = health(config)
    assert {s: r["status"] for s, r in rows.items()} == dict.fromkeys(
        ["interreg", "novonordisk", "pdj", "villum_velux", "watch"], "ok")
    urls = {c["url"] for c in stored(config).values()}
    for default in (NovoNordiskConfig().start_urls + VillumVeluxConfig().start_urls
                    + PdjConfig().start_urls):
        host = "/".join(default.split("/", 3)[:3])
        assert any(u.startswith(host) for u in urls), default
