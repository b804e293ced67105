"""Every command staff can type is documented: in README's and docs/architecture.md's command
tables, with a `--help` that says what it does and what each option means (issue 10)."""

from __future__ import annotations

import re

import click
import pytest
from click.testing import CliRunner

from fondsradar.cli import cli
from tests.conftest import ROOT

COMMANDS = sorted(cli.commands)


def _table_commands(path: str) -> set[str]:
    text = (ROOT / path).read_text(encoding="utf-8")
    return set(re.findall(r"^\| `([a-z][a-z-]*)[ `]", text, flags=re.MULTILINE))


def test_the_known_commands_are_all_there() -> None:
    assert {"run", "crawl", "rank", "digest", "export", "import", "feedback", "evaluate",
            "status", "check-config", "schedule", "demo", "browse"} <= set(COMMANDS)


@pytest.mark.parametrize("doc", ["README.md", "docs/architecture.md"])
def test_every_command_is_in_the_command_table(doc: str) -> None:
    missing = [c for c in COMMANDS if c not in _table_commands(doc)]
    assert not missing, f"{doc} has no row for: {', '.join(missing)}"


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help(name: str) -> None:
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0, result.output
    command = cli.commands[name]
    assert command.help and len(command.help.strip()) > 20
    assert command.help.strip().splitlines()[0] in " ".join(result.output.split()) or \
        command.help.strip().split()[0] in result.output
    for param in command.params:
        if isinstance(param, click.Option) and "--help" not in param.opts:
            assert param.help, f"`{name} {param.opts[0]}` has no help text"
