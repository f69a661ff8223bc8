"""cli_options: option groups declared once, shown to typer in place, handed back as groups."""

import inspect

import pytest
import typer
from typer.testing import CliRunner

from bindguard import cli
from bindguard.cli_options import ConfigOptions, ProjectOptions, flat_values, flatten

SEEN: dict = {}


def _probe_app():
    app = typer.Typer()

    @app.command()
    @flatten
    def run(*, name: str = typer.Option("x", "--name"), project: ProjectOptions, config: ConfigOptions) -> None:
        SEEN.update(name=name, project=project, config=config, flat=flat_values(locals()))

    @app.command()
    def other() -> None:
        """A second command, so that typer keeps the command names."""

    return app


def test_a_group_reaches_the_command_as_one_value_with_every_field():
    SEEN.clear()
    seen = SEEN
    result = CliRunner().invoke(_probe_app(), ["run", "-f", "a.yaml", "-f", "b.yaml", "--profile", "dev",
                                                   "--no-config", "--name", "n"])
    assert result.exit_code == 0, result.output
    assert seen["project"] == ProjectOptions(files=["a.yaml", "b.yaml"], env_file=None, profile=["dev"])
    assert seen["config"] == ConfigOptions(config_file=None, no_config=True)
    assert seen["flat"] == {"name": "n", "files": ["a.yaml", "b.yaml"], "env_file": None, "profile": ["dev"],
                            "config_file": None, "no_config": True}


def test_typer_sees_the_fields_in_the_group_s_place():
    def command(*, a: int = typer.Option(1, "--a"), project: ProjectOptions, z: int = typer.Option(2, "--z")):
        return None

    assert list(inspect.signature(flatten(command)).parameters) == ["a", "files", "env_file", "profile", "z"]


def test_an_option_taken_twice_is_refused():
    def command(*, files: list[str] | None = typer.Option(None, "--files"), project: ProjectOptions):
        return None

    with pytest.raises(ValueError, match="declared twice: \\['files'\\]"):
        flatten(command)


@pytest.mark.parametrize(("command", "words"), [
    ("lint", ["--file", "--env-file", "--profile", "--exclude", "--include", "--sources", "--swarm", "--config",
              "--no-config", "--fail-on", "--allow", "--select", "--ignore", "--show-values", "--statistics",
              "--quiet", "--color"]),
    ("ports", ["--file", "--env-file", "--profile", "--exclude", "--include", "--sources", "--swarm", "--config",
               "--no-config", "--show-values", "--color"]),
    ("audit", ["--file", "--env-file", "--profile", "--config", "--no-config", "--fail-on", "--allow", "--select",
               "--ignore", "--show-values", "--statistics", "--quiet", "--color"]),
    ("watch", ["--config", "--no-config", "--fail-on", "--allow", "--select", "--ignore"]),
    ("fix", ["--file", "--env-file", "--profile", "--exclude", "--config", "--no-config"]),
])
def test_each_command_takes_its_groups(command, words):
    shown = CliRunner().invoke(cli.app, [command, "--help"], terminal_width=200).output
    for word in words:
        assert f"{word} " in shown, (command, word)
