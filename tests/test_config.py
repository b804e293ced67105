"""config.toml validation: every mistake is one line naming the key, and exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from fondsradar.cli import cli
from fondsradar.config import ConfigError, load_config
from tests.conftest import CONFIG
from tests.test_hostile_config import LATER

THEMES = ("stem_styrkepositioner", "baeredygtighed", "kreativitet", "sprog", "piger_stem",
          "teknologiambassadoerer", "informatik", "kompetenceudvikling", "ivaerksaetteri")


def test_the_shipped_config_is_valid_and_complete() -> None:
    cfg = load_config(CONFIG)
    assert tuple(cfg.themes) == THEMES
    for theme in cfg.themes.values():
        assert theme.name and len(theme.keywords) >= 5
    assert "erasmus" in cfg.sources.enabled()
    assert cfg.crawl.obey_robots and "mailto:" in cfg.crawl.user_agent
    assert cfg.digest.language == "da"


def test_relative_paths_resolve_against_the_config_file(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    path = tmp_path / "sub" / "c.toml"
    path.write_text(CONFIG.read_text(encoding="utf-8"), encoding="utf-8")
    cfg = load_config(path)
    assert cfg.db_path == tmp_path / "sub" / "data" / "fondsradar.db"
    assert cfg.out_dir == tmp_path / "sub" / "digests" / "out"


MINIMAL = '[themes.piger_stem]\nname = "Piger"\nkeywords = ["piger"]\n'

# (what is wrong, the file, a piece of the one-line message)
BROKEN = [
    ("syntax error", "[database\npath = 1", "not valid TOML"),
    ("unknown top-level key", MINIMAL + "[databse]\npath = 'x'", "databse: unknown key 'databse' — did you mean 'database'?"),
    ("unknown key in a table", MINIMAL + "[crawl]\nobey_robot = true", "crawl.obey_robot: unknown key 'obey_robot' — did you mean 'obey_robots'?"),
    ("unknown source", MINIMAL + "[sources.erasmos]\n", "sources.erasmos: unknown source 'erasmos' — did you mean 'erasmus'?"),
    ("keywords not strings", '[themes.piger_stem]\nname = "P"\nkeywords = ["a", 3]', "themes.piger_stem.keywords: expected a list of strings"),
    ("keywords not a list", '[themes.piger_stem]\nname = "P"\nkeywords = "piger"', "themes.piger_stem.keywords: expected a list"),
    ("empty theme", '[themes.piger_stem]\nname = "P"\nkeywords = []', "themes.piger_stem.keywords: must not be empty"),
    ("theme without name", '[themes.piger_stem]\nkeywords = ["a"]', "themes.piger_stem.name: missing"),
    ("no themes", "[database]\npath = 'x.db'", "themes: missing"),
    ("bad theme slug", '[themes.Piger-STEM]\nname = "P"\nkeywords = ["a"]', "themes.Piger-STEM"),
    ("wrong type", MINIMAL + "[crawl]\nobey_robots = 'yes'", "crawl.obey_robots: expected true or false"),
    ("negative timeout", MINIMAL + "[crawl]\ntimeout_s = -1", "crawl.timeout_s: expected a number greater than 0"),
    ("negative days", MINIMAL + "[digest]\nclosing_soon_days = -3", "digest.closing_soon_days: expected a number of at least 0"),
    ("bad language", MINIMAL + "[digest]\nlanguage = 'fr'", "digest.language: expected 'da' or 'en', got 'fr'"),
    ("bad cron", MINIMAL + "[schedule]\ncron = 'every monday'", "schedule.cron: expected 5 fields"),
    ("bad cron field", MINIMAL + "[schedule]\ncron = '99 6 * * mon'", "schedule.cron: not a valid cron expression"),
    ("bad time zone", MINIMAL + "[schedule]\ntimezone = 'Europe/Copenhagn'", "schedule.timezone: unknown time zone 'Europe/Copenhagn'"),
    ("bad email", MINIMAL + "[[digest.groups]]\nname = 'x'\nemails = ['stem.example.dk']", "digest.groups[0].emails[0]: 'stem.example.dk' is not an email address"),
    ("unknown theme in a group", MINIMAL + "[[digest.groups]]\nname = 'x'\nemails = ['a@b.dk']\nthemes = ['piger_stm']", "digest.groups[0].themes: unknown theme 'piger_stm' — did you mean 'piger_stem'?"),
    ("password inline", MINIMAL + "[smtp]\nhost = 'h'\nsender = 'a@b.dk'\npassword = 'hunter2'", "smtp.password: never write the password in this file"),
    ("password_env not a name", MINIMAL + "[smtp]\nhost = 'h'\nsender = 'a@b.dk'\npassword_env = 'hunter 2'", "smtp.password_env: 'hunter 2' is not the name of an environment variable"),
    ("bad port", MINIMAL + "[smtp]\nhost = 'h'\nsender = 'a@b.dk'\nport = 70000", "smtp.port: expected a number of at most 65535"),
    ("bad security", MINIMAL + "[smtp]\nhost = 'h'\nsender = 'a@b.dk'\nsecurity = 'tls'", "smtp.security: expected 'starttls', 'ssl' or 'none'"),
    ("bad url", MINIMAL + "[sources.erasmus]\nsearch_url = 'api.tech.ec.europa.eu'", "sources.erasmus.search_url: expected a web address"),
    ("bad programme id", MINIMAL + "[sources.erasmus]\nprogrammes = ['Erasmus+']", "sources.erasmus.programmes[0]: 'Erasmus+': a programme id is digits only"),
    ("page size too big", MINIMAL + "[sources.erasmus]\npage_size = 1000", "sources.erasmus.page_size: expected a number of at most 100"),
    ("unknown label field", MINIMAL + "[sources.novonordisk.labels]\ndedline = ['Sidste frist']", "sources.novonordisk.labels.dedline: unknown key 'dedline' — did you mean 'deadline'?"),
    ("synonym not a list", MINIMAL + "[sources.villum_velux.labels]\namount = 'Beløb'", "sources.villum_velux.labels.amount: expected a list"),
    ("synonym too short", MINIMAL + "[sources.pdj.labels]\ndeadline = ['x']", "sources.pdj.labels.deadline[0]: 'x' is too short (write at least 2 characters)"),
    ("matcher knob misspelt", MINIMAL + "[matcher]\ntitle_wieght = 2", "matcher.title_wieght: unknown key 'title_wieght' — did you mean 'title_weight'?"),
    ("matcher factor negative", MINIMAL + "[matcher]\nno_level_factor = -5", "matcher.no_level_factor: expected a number of at least 0, got -5"),
    ("matcher factor above 1", MINIMAL + "[matcher]\nexclude_penalty = 3", "matcher.exclude_penalty: expected a number of at most 1, got 3"),
    ("matcher knob not a number", MINIMAL + "[matcher]\nbreadth = 'much'", "matcher.breadth: expected a number, got 'much'"),
    ("matcher whole number", MINIMAL + "[matcher]\nexplain_top = 2.5", "matcher.explain_top: expected a whole number"),
    ("matcher stemming language", MINIMAL + "[matcher]\nstemming = ['da', 'de']", "matcher.stemming[1]: expected 'da' or 'en', got 'de'"),
    ("matcher n-gram range", MINIMAL + "[matcher]\nchar_ngrams = [5, 3]", "matcher.char_ngrams: the first number (5) must not be larger than the second (3)"),
    ("matcher flag", MINIMAL + "[matcher]\nphrases = 'yes'", "matcher.phrases: expected true or false"),
]
# Values that pass a naive check and would only fail later (issue 13).
BROKEN += LATER


def test_label_synonyms_reach_the_spider_settings(tmp_path: Path) -> None:
    from fondsradar.crawl import scrapy_settings

    path = tmp_path / "config.toml"
    path.write_text(MINIMAL + "[sources.novonordisk.labels]\ndeadline = ['Sidste chance']\n",
                    encoding="utf-8")
    conf = scrapy_settings(load_config(path))["FONDSRADAR_SOURCES"]["novonordisk"]
    assert conf["labels"]["deadline"] == ["Sidste chance"]
    assert conf["labels"]["amount"] == []


@pytest.mark.parametrize("knob", ["title_wieght = 2", "no_level_factor = -5"])
def test_a_wrong_matcher_knob_fails_check_config_with_one_line(tmp_path: Path, knob: str) -> None:
    """Once check-config said OK for these and `rank` crashed; now they fail at load."""
    path = tmp_path / "config.toml"
    path.write_text(MINIMAL + "[matcher]\n" + knob + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(path), "check-config"])
    assert result.exit_code == 2
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and f"matcher.{knob.split()[0]}" in errors[0]
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("what", "text", "message"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_config_says_where_and_what(tmp_path: Path, what: str, text: str,
                                           message: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert any(message in p for p in err.value.problems), err.value.problems


@pytest.mark.parametrize(("what", "text", "message"), BROKEN[:6], ids=[b[0] for b in BROKEN[:6]])
def test_broken_config_exits_2_with_one_line_and_no_traceback(
        tmp_path: Path, what: str, text: str, message: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(path), "check-config"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    first = result.output.splitlines()[0]
    assert first.startswith("Error: config.toml: ") and message in result.output


def test_missing_config_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--config", str(tmp_path / "nope.toml"), "status"])
    assert result.exit_code == 2 and "file not found" in result.output


def test_check_config_ok_prints_a_summary() -> None:
    result = CliRunner().invoke(cli, ["--config", str(CONFIG), "check-config"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("OK: ")
    assert "themes: 9" in result.output and "sources: erasmus" in result.output


def test_config_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch,
                                           tmp_path: Path) -> None:
    bad = tmp_path / "env.toml"
    bad.write_text("[database", encoding="utf-8")
    monkeypatch.setenv("FONDSRADAR_CONFIG", str(bad))
    result = CliRunner().invoke(cli, ["check-config"])
    assert result.exit_code == 2 and "env.toml" in result.output
