"""The text formats for people: ``concise`` (default) and ``full``.

``concise`` is one grep-able line per finding, as ruff and hadolint print
them: ``path:line:col: BG001 [service] message`` (``engine/container:`` for
``audit``), so ``bindguard lint | grep BG002`` keeps the location and editors
turn it into a link.  ``full`` adds, under each finding, the source line
with carets under the entry, the fix hint, the rule and its documentation
URL.  ``--format text`` is ``concise``.

Plain string building; colour, the wrap width, the source lines and the
base path are arguments (the CLI decides them), so output is byte-stable
and testable.  The width only wraps on a terminal: piped output keeps one
finding per line.  See ``bindguard.ansi`` for why this does not go through
rich.
"""

from __future__ import annotations

from collections.abc import Mapping

from bindguard.ansi import paint, printable
from bindguard.model import Finding, Location, Severity
from bindguard.reporters.base import Report, display_path
from bindguard.reporters.wrap import Token, words, wrap

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
_HANG = "    "
# Marks a finding that ``bindguard fix`` rewrites (ruff's ``[*]``).
FIXABLE_MARK = "[*]"
# A finding without a file or engine: an expectation (--expect) no linted file defines.
NO_PLACE = "(no file)"


def plural(n: int, word: str, many: str | None = None) -> str:
    """``1 finding``, ``2 findings``, ``0 entries`` (``many`` for irregular plurals)."""
    return f"{n} {word if n == 1 else (many or word + 's')}"


def place(loc: Location, base_path: str | None = None) -> str:
    """Where a finding is, as its line starts: ``path:line:col``, ``path`` or ``engine/container``."""
    if loc.file is not None:
        path = display_path(loc.file, base_path)
        return f"{path}:{loc.line}:{loc.column}" if loc.line else path
    return "/".join(p for p in (loc.engine, loc.container) if p) or NO_PLACE


class TextReporter:
    """Renders findings, optional per-rule statistics and the summary line.

    ``quiet`` 1 drops the summary (findings only); 2 renders nothing.
    ``statistics`` prints a count per rule instead of the findings.
    """

    def __init__(
        self,
        color: bool = False,
        full: bool = False,
        width: int | None = None,
        statistics: bool = False,
        quiet: int = 0,
        lines: Mapping[tuple[str, int], str] | None = None,
        base_path: str | None = None,
    ):
        self.color = color
        self.full = full
        self.width = width
        self.statistics = statistics
        self.quiet = quiet
        self.lines = lines or {}
        self.base_path = base_path

    # Paths, names and messages come from files and engines: every one goes
    # through printable(), so none can drive the terminal or fake a line.
    def render(self, report: Report) -> str:
        if self.quiet >= 2:
            return ""
        out: list[str] = []
        if report.confirmations and not self.quiet:
            # audit PATHS / --expect (issue 21): one verdict per service first
            from bindguard.reporters.confirmations import confirmation_table

            out += confirmation_table(report.confirmations, self.color)
        if self.statistics:
            out += self._statistics(report)
        else:
            for f in report.findings:
                out += self._finding(f, report)
        if self.quiet:
            return "".join(line + "\n" for line in out)
        if out and not self.full and out[-1]:  # the confirmation table ends with its own blank line
            out.append("")
        for note in report.notes:
            where = printable(str(note.location)) + ":"
            tokens = [Token("note:", paint("note:", "cyan", self.color)), Token(where, paint(where, "bold", self.color))]
            out += wrap(tokens + words(printable(note.message)), self.width, _HANG)
        if report.notes:
            out.append("")
        out += wrap(words(printable(summary(report))), self.width, _HANG)
        if report.weakened is not None:
            out += self._weakened(report)
        if report.profiles:
            from bindguard.profilescope import describe

            out.extend(printable(describe(scope)) for scope in report.profiles)
        return "".join(line + "\n" for line in out)

    def _weakened(self, report: Report) -> list[str]:
        """``warning: CONFIG weakens the gate: ...``, after the summary it qualifies."""
        weak = report.weakened
        assert weak is not None
        shown = weak._replace(config=display_path(weak.config, self.base_path))
        label = Token("warning:", paint("warning:", "bold yellow", self.color))
        return wrap([label] + words(printable(shown.sentence())), self.width, _HANG)

    def _head(self, f: Finding) -> list[Token]:
        return self._lead(f) + words(printable(f.message))

    def _lead(self, f: Finding) -> list[Token]:
        """The tokens before the message: place, code, fixable mark, services."""
        where = printable(place(f.location, self.base_path)) + ":"
        tokens = [
            Token(where, paint(where, "bold", self.color)),
            Token(f.code, paint(f.code, _STYLE[f.severity], self.color)),
        ]
        if f.fixable:  # as ruff marks what --fix would change
            tokens.append(Token(FIXABLE_MARK, paint(FIXABLE_MARK, "cyan", self.color)))
        # a container that is not from Compose is its own "service": say its name once
        if f.service and f.service != f.location.container:
            service = f"[{printable(', '.join(f.service_names))}]"
            tokens.append(Token(service, service))
        return tokens

    def _finding(self, f: Finding, report: Report) -> list[str]:
        if self.width is None and not self.full:
            # a pipe or a file: one line, as wrap() would join it, without a token per word
            # (the tokens were a third of rendering a corpus-size report)
            message = [w for w in printable(f.message).split(" ") if w]
            return [" ".join([*(t.rendered for t in self._lead(f)), *message])]
        lines = wrap(self._head(f), self.width, _HANG)
        if not self.full:
            return lines
        loc = f.location
        source = self.lines.get((loc.file, loc.line)) if loc.file is not None else None
        gutter = " " * len(str(loc.line)) if source is not None else ""
        bar = paint("|", "dim", self.color)
        if source is not None:
            lines += self._snippet(loc, source, gutter, bar, f.severity)
        pad = f"{gutter} {paint('=', 'dim', self.color)} "
        hang = " " * (len(gutter) + 3) + "  "
        extras: list[tuple[str, str]] = []
        if loc.container_id or loc.image:
            parts = (loc.container_id and f"id {loc.container_id[:12]}", loc.image and f"image {loc.image}")
            ids = ", ".join(p for p in parts if p)
            extras.append(("container:", ids))
        if f.fix:
            extras.append(("fix:", f.fix))
        rule = report.rule(f.code)
        name = f.rule_name or (rule.name if rule else "")
        extras.append(("rule:", f"{f.code} {name} ({f.severity})" if name else f"{f.code} ({f.severity})"))
        for code in f.also:  # findings about the same port folded into this one
            other = report.rule(code)
            extras.append(("also:", f"{code} {other.name}" if other else code))
        if rule is not None and rule.help_uri:
            extras.append(("docs:", rule.help_uri))
        for label, text in extras:
            style = "green" if label == "fix:" else "dim"
            tokens = [Token(pad + label, pad + paint(label, style, self.color))] + words(printable(text))
            lines += wrap(tokens, self.width, hang)
        lines.append("")
        return lines

    def _snippet(self, loc: Location, source: str, gutter: str, bar: str, severity: Severity) -> list[str]:
        from bindguard.reporters.snippets import entry_span

        start, length = entry_span(source, loc.column)
        shown = printable(source)
        # escapes widen the text before the entry: move the carets with it
        offset = len(printable(source[:start]))
        span = len(printable(source[start : start + length]))
        if self.width is not None:
            room = max(self.width - len(gutter) - 3, 20)
            if len(shown) > room:
                cut = max(0, min(offset - 8, len(shown) - room))
                shown = ("…" if cut else "") + shown[cut + (1 if cut else 0) : cut + room - 1] + "…"
                offset -= cut
                span = max(1, min(span, room - offset - 1))
        number = paint(str(loc.line), "dim", self.color)
        carets = paint("^" * span, _STYLE[severity], self.color)
        return [
            f"{gutter} {bar}",
            f"{number} {bar} {shown}",
            f"{gutter} {bar} {' ' * offset}{carets}",
        ]

    def _statistics(self, report: Report) -> list[str]:
        counts = report.counts()
        if not counts:
            return []
        width = max(len(str(n)) for n in counts.values())
        out = []
        for code, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
            rule = report.rule(code)
            name = rule.name if rule else ""
            out.append(f"{n:>{width}}  {paint(code, 'bold', self.color)}  {name}".rstrip())
        return out


def checked(report: Report) -> str:
    """What was checked: "9 files, 11 services, 14 published ports, 9 exposed" (unknown counts left out)."""
    if report.kind == "engine":
        parts = [plural(len(report.engines) or len(report.sources), "engine")]
        if len(report.engines) == 1 and report.engines[0].get("engine"):
            parts[0] += f" ({report.engines[0]['engine']})"  # "rootless Docker 20.10.24": whose rules applied
        if report.engines:
            containers = sum(int(e.get("containers") or 0) for e in report.engines)
            parts.append(plural(containers, "container"))
        published = report.published_ports
    else:
        parts = [plural(len(report.sources), "file")]
        if report.services is not None:
            parts.append(plural(report.services, "service"))
        published = report.published_ports
    if published is not None:
        parts.append(plural(published, "published port"))
        parts.append(f"{report.exposed} exposed")
    return ", ".join(parts)


def summary(report: Report) -> str:
    """The last line: the findings by severity, then exactly what was checked.

    It claims that every published port is on loopback only when published
    ports were counted, there were some, and none was found exposed; a
    baseline or no ports at all say so instead (issue 20).
    """
    what = checked(report)
    inline = report.suppressed - report.baselined
    if report.findings:
        sev = report.severity_counts()
        parts = [plural(n, name) for name, n in sev.items() if n]
        text = f"{plural(len(report.findings), 'finding')} ({', '.join(parts)}) in {what}."
        if report.baselined:
            text += f" {plural(report.baselined, 'known finding')} suppressed by the baseline."
    elif report.baselined:
        text = f"No new findings; {plural(report.baselined, 'known finding')} suppressed by the baseline ({what})."
    elif report.published_ports == 0:
        text = f"No findings: no published ports ({what})."
    elif report.published_ports is not None and not report.exposed:
        text = f"No findings: every published port is on loopback ({what})."
    else:
        text = f"No findings ({what})."
    if inline:
        text += f" {inline} suppressed by inline ignores."
    fixable = sum(f.fixable for f in report.findings)
    if fixable:
        text += f" {fixable} fixable with `bindguard fix` (marked {FIXABLE_MARK})."
    elif report.unmarked and report.findings:
        text += (f" Fixable findings are not marked in a run of {report.unmarked} files "
                 "(--output-format full shows each fix; bindguard fix --diff what it would change).")
    return text
