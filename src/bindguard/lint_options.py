"""The ``lint`` options as ``entry.lint_params`` reads them.  GENERATED from ``cli.lint``: do not edit.

Regenerate with ``python -m bindguard.lint_options_gen`` after changing an
option of ``cli.lint``; ``tests/test_cli_fast_path.py`` fails while this
file is stale.  Kinds: ``flag``, ``count``, ``many`` (repeatable string),
``text``, ``int``, ``path``, or ``module:Enum`` for a choice.
"""

# option word -> (parameter of cli.lint and commands.lint, kind)
OPTIONS: dict[str, tuple[str, str]] = {
    "--output-format": ("fmt", "bindguard.commands:Format"),
    "--format": ("fmt", "bindguard.commands:Format"),
    "--output": ("output", "path"),
    "-o": ("output", "path"),
    "--fail-on": ("fail_on", "bindguard.commands:FailOn"),
    "--allow": ("allow", "many"),
    "--select": ("select", "many"),
    "--ignore": ("ignore", "many"),
    "--expect": ("expect", "many"),
    "--file": ("files", "many"),
    "-f": ("files", "many"),
    "--env-file": ("env_file", "many"),
    "--profile": ("profile", "many"),
    "--exclude": ("exclude", "many"),
    "--include": ("include", "many"),
    "--sources": ("sources", "many"),
    "--swarm": ("swarm", "flag"),
    "--jobs": ("jobs", "int"),
    "-j": ("jobs", "int"),
    "--config": ("config_file", "path"),
    "--no-config": ("no_config", "flag"),
    "--baseline": ("baseline", "path"),
    "--write-baseline": ("write_baseline", "path"),
    "--show-values": ("show_values", "flag"),
    "--statistics": ("statistics", "flag"),
    "--quiet": ("quiet", "count"),
    "-q": ("quiet", "count"),
    "--color": ("color", "bindguard.output:ColorChoice"),
    "--stdin-filename": ("stdin_filename", "text"),
    "--default-host-ip": ("default_host_ip", "text"),
}

# what typer passes for an option not given (a choice as its value: entry converts it)
DEFAULTS: dict[str, object] = {
    "paths": None,
    "fmt": "concise",
    "output": None,
    "fail_on": None,
    "allow": None,
    "select": None,
    "ignore": None,
    "expect": None,
    "files": None,
    "env_file": None,
    "profile": None,
    "exclude": None,
    "include": None,
    "sources": None,
    "swarm": False,
    "jobs": None,
    "config_file": None,
    "no_config": False,
    "baseline": None,
    "write_baseline": None,
    "show_values": False,
    "statistics": False,
    "quiet": 0,
    "color": "auto",
    "stdin_filename": None,
    "default_host_ip": None,
}
