"""GitHub Actions workflow commands, so findings appear as annotations on the PR.

Why this format exists alongside SARIF: workflow commands need no upload
step, no code-scanning licence and no extra permissions -- printing them from
any step annotates the diff.  One command per finding, nothing else, so the
output can be piped straight to stdout in a workflow.

* ``error`` -> ``::error``, ``warning`` -> ``::warning``, ``info`` ->
  ``::notice`` (GitHub has no "info" annotation).
* File findings carry ``file=``, ``line=`` and ``col=`` (line/col omitted when
  unknown) and a ``title=`` of ``<code> <rule-name>``.
* Engine findings (``audit``) have no file in the repository to point at, so
  the command has no ``file=``: GitHub then shows it as a run-level
  annotation.  The message is prefixed with ``<engine>/<container>: `` so it
  still says where the port is.
* Escaping follows the Actions toolkit (``escapeData`` / ``escapeProperty``):
  data escapes ``%``, ``\\r``, ``\\n``; properties additionally ``:`` and
  ``,``.  ``%`` goes first so escapes are not double-escaped.  Without this a
  newline in a message would end the command and a ``,`` in a path would start
  a bogus property.

Pure: the optional ``base_path`` (to make absolute paths repository-relative)
is a constructor argument.
"""

from __future__ import annotations

from bindguard.ansi import printable
from bindguard.model import Finding, Note, Severity
from bindguard.reporters.base import Report, display_path, message_text

__all__ = ["GithubReporter", "escape_data", "escape_property"]

_COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    """Escape the message part of a workflow command (after ``::``).

    GitHub's rule (``%``, ``\\r``, ``\\n``), then every other control
    character as ``\\xNN`` (an engine's ``\\x1b]2;...\\a`` must not reach
    the log viewer raw).
    """
    return printable(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def escape_property(text: str) -> str:
    """Escape a ``key=value`` property of a workflow command."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


class GithubReporter:
    """Renders one ``::error``/``::warning``/``::notice`` line per finding."""

    def __init__(self, base_path: str | None = None) -> None:
        self.base_path = base_path

    @staticmethod
    def _title(finding: Finding, report: Report) -> str:
        name = finding.rule_name
        if not name:
            rule = report.rule(finding.code)
            name = rule.name if rule else ""
        return f"{finding.code} {name}" if name else finding.code

    def _command(self, finding: Finding, report: Report) -> str:
        loc = finding.location
        props: list[tuple[str, str]] = []
        text = message_text(finding)
        if loc.file is not None:
            props.append(("file", display_path(loc.file, self.base_path)))
            if loc.line > 0:
                props.append(("line", str(loc.line)))
                if loc.column > 0:
                    props.append(("col", str(loc.column)))
        else:
            text = f"{loc}: {text}"
        props.append(("title", self._title(finding, report)))
        rendered = ",".join(f"{key}={escape_property(value)}" for key, value in props)
        return f"::{_COMMANDS[finding.severity]} {rendered}::{escape_data(text)}"

    def _note(self, note: Note) -> str:
        """A note several findings share, once, as a ``::notice``."""
        loc = note.location
        props = [("file", display_path(loc.file, self.base_path))] if loc.file is not None else []
        if loc.file is not None and loc.line > 0:
            props.append(("line", str(loc.line)))
        props.append(("title", "bindguard note"))
        rendered = ",".join(f"{key}={escape_property(value)}" for key, value in props)
        return f"::notice {rendered}::{escape_data(note.message)}"

    def _weakened(self, report: Report) -> str:
        """A ``::warning`` on the config file that turned the gate down (issue 25)."""
        weak = report.weakened
        assert weak is not None
        config = display_path(weak.config, self.base_path)
        props = [("file", config), ("title", "bindguard config weakens the gate")]
        rendered = ",".join(f"{key}={escape_property(value)}" for key, value in props)
        return f"::warning {rendered}::{escape_data(weak._replace(config=config).sentence())}"

    def render(self, report: Report) -> str:
        lines = [self._command(f, report) for f in report.findings]
        lines += [self._note(n) for n in report.notes]
        if report.weakened is not None:
            lines.append(self._weakened(report))
        return "".join(line + "\n" for line in lines)
