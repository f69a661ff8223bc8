"""Worst-case inputs for each text parser, and a plain compose file of the same size (issue 14).

Shared by ``tests/test_linear_time.py`` (which asserts the ratios) and
``benchmarks/linear_time.py`` (which prints them).  Each case writes a project
folder whose hostile part is about ``size`` bytes and returns what to lint:
``(paths, config_file_or_None)``.  Stdlib only.

Every case was quadratic (or worse) in some version of bindguard, or is the
input most likely to be: a repeated prefix that a backtracking pattern
retries from every position, a search that runs to the end of the line once
per template, or a count that restarts at every nested level.
"""

from __future__ import annotations

import os
from collections.abc import Callable

Case = Callable[[str, int], tuple[list[str], str | None]]

_HEAD = "services:\n  web:\n    image: nginx\n    ports:\n"


def _write(folder: str, name: str, text: str) -> str:
    path = os.path.join(folder, name)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path


def _compose(folder: str, text: str) -> tuple[list[str], None]:
    return [_write(folder, "compose.yaml", text)], None


def _service_block(number: int, ports: str) -> str:
    """One ordinary service, ``svc<number>``, with ``ports`` as its ``ports:`` items."""
    return (
        f"  svc{number}:\n"
        f"    image: registry.example.com/team/app{number}:1.{number % 50}\n"
        f"    environment:\n"
        f"      APP_NAME: app{number}\n"
        f"      LOG_LEVEL: info\n"
        f"    ports:\n"
        + ports
    )


def _services(folder: str, size: int, ports: Callable[[int], str]) -> tuple[list[str], None]:
    """An ordinary compose file of ``size`` bytes: one service after another, ``ports(n)`` the
    ``ports:`` items of service ``n``."""
    parts = ["services:\n"]
    total = 10
    number = 0
    while total < size:
        number += 1
        block = _service_block(number, ports(number))
        parts.append(block)
        total += len(block)
    return _compose(folder, "".join(parts))


def plain(folder: str, size: int) -> tuple[list[str], None]:
    """The yardstick: an ordinary compose file of ``size`` bytes (loopback ports, a few findings)."""
    return _services(folder, size, lambda n: (
        f'      - "127.0.0.1:{10000 + n % 50000}:80"\n'
        f'      - "127.0.0.1:${{PORT_{n % 7}:-{20000 + n % 40000}}}:443"\n'
    ))


def ignore_unclosed(folder: str, size: int) -> tuple[list[str], None]:
    """One comment line of unclosed ``# bindguard: ignore[`` (was 70 s at 800 KB)."""
    unit = "# bindguard: ignore["
    return _compose(folder, _HEAD + '      - "127.0.0.1:8080:80"\n' + unit * (size // len(unit)) + "\n")


def ignore_many_hashes(folder: str, size: int) -> tuple[list[str], None]:
    """``#`` after ``#`` before a directive closed at the very end of the line."""
    return _compose(
        folder, _HEAD + '      - "8080:80" ' + "# " * (size // 2) + "# bindguard: ignore[BG001] ok\n"
    )


def trailing_blanks(folder: str, size: int) -> tuple[list[str], None]:
    """A directive whose reason is followed by a long run of blanks without ``#``."""
    return _compose(
        folder, _HEAD + '      - "8080:80"  # bindguard: ignore[BG001] x' + " " * size + "x\n"
    )


def interpolation_nesting(folder: str, size: int) -> tuple[list[str], None]:
    """``${A:-${A:-...}}`` nested as deep as the size allows, in one entry."""
    depth = size // 6
    return _compose(folder, _HEAD + '      - "' + "${A:-" * depth + "1" + "}" * depth + ':80"\n')


def interpolation_count(folder: str, size: int) -> tuple[list[str], None]:
    """One entry of ``${A:-1}`` templates (a newline search per template made it quadratic)."""
    return _compose(folder, _HEAD + '      - "' + "${A:-1}" * (size // 7) + ':80"\n')


def interpolation_unbalanced(folder: str, size: int) -> tuple[list[str], None]:
    """``${A:-{`` repeated: every template's brace count runs to the end of the line."""
    return _compose(folder, _HEAD + '      - "' + "${A:-{" * (size // 6) + '}:80"\n')


def port_colons(folder: str, size: int) -> tuple[list[str], None]:
    """A port entry of colons and digits (split from the right, host IP of ``size`` bytes)."""
    return _compose(folder, _HEAD + '      - "' + "1:" * (size // 2) + '80"\n')


def port_digits(folder: str, size: int) -> tuple[list[str], None]:
    """A host port of a million digits and a range of dashes."""
    return _compose(folder, _HEAD + '      - "' + "0" * (size // 2) + "1-" + "-" * (size // 2) + ':80"\n')


def dotenv_templates(folder: str, size: int) -> tuple[list[str], None]:
    """A ``.env`` value of ``${B:-1}`` templates, used by a port entry."""
    _write(folder, ".env", "A=" + "${B:-1}" * (size // 7) + "\n")
    return _compose(folder, _HEAD + '      - "127.0.0.1:${A:-80}:80"\n')


def dotenv_lines(folder: str, size: int) -> tuple[list[str], None]:
    """Many short statements, comments and blank lines, quoted and unquoted."""
    unit = "K{n}=v #c\n# note\nexport Q{n}='a\\'b'\n\nD{n}=\"x\\ty $K{n}\"\n"
    parts, total, n = [], 0, 0
    while total < size:
        piece = unit.format(n=n)
        parts.append(piece)
        total += len(piece)
        n += 1
    _write(folder, ".env", "".join(parts))
    return _compose(folder, _HEAD + '      - "127.0.0.1:${K1:-80}:80"\n')


def dotenv_unterminated(folder: str, size: int) -> tuple[list[str], None]:
    """A quoted value that never ends, full of backslashes."""
    _write(folder, ".env", 'A="' + "\\x" * (size // 2) + "\n")
    return _compose(folder, _HEAD + '      - "127.0.0.1:${A:-80}:80"\n')


def config_globs(folder: str, size: int) -> tuple[list[str], str]:
    """Config values: an exclude glob and a per-path glob of ``*a`` repeated (fnmatch compiled it for seconds)."""
    glob = "*a" * (size // 4) + "*b"
    config = _write(
        folder,
        ".bindguard.toml",
        f'exclude = ["{glob}"]\n[[overrides]]\npaths = ["{glob}"]\nignore = ["BG001"]\n',
    )
    paths, _ = _compose(folder, _HEAD + '      - "127.0.0.1:8080:80"\n')
    return paths, config


def exposed_entries(folder: str, size: int) -> tuple[list[str], None]:
    """The plain file with every entry exposed, so each is a finding with a ``fix:`` hint and
    its region: turning each region's offset into a line by counting from the top made this
    quadratic (2,000 services: 4.4 of 5.6 s)."""
    return _services(folder, size, lambda n: f'      - "{10000 + n % 50000}:80"\n      - {20000 + n % 40000}:443\n')


def include_fan_out(folder: str, size: int) -> tuple[list[str], None]:
    """17 files, each including the next one 10 times (issue 25): each include got a fresh
    environment, which defeated the load cache, so the last file was loaded 10**16 times.
    Each file is padded with the plain file's services to ``size / 17`` bytes."""
    count = 17
    pad_to = size // count
    files = []
    n = 0  # every service publishes its own port: the findings are the includes', not port clashes
    for i in range(count):
        head = "" if i == count - 1 else "include:\n" + f"  - path: f{i + 1}.yaml\n" * 10
        parts = [head, "services:\n"]
        total = len(head) + 10
        while total < pad_to:
            n += 1
            block = _service_block(n, f'      - "127.0.0.1:{10000 + n % 50000}:80"\n')
            parts.append(block)
            total += len(block)
        files.append(_write(folder, f"f{i}.yaml" if i else "compose.yaml", "".join(parts)))
    return [files[0]], None


def dotenv_doubling(folder: str, size: int) -> tuple[list[str], None]:
    """A ``.env`` whose every line doubles the previous value (``A2=${A1}${A1}``): 40 lines
    grew to 10 GB (issue 25).  Padded to ``size`` with a comment line before them."""
    lines = ["A0=xxxxxxxx"] + [f"A{i}=${{A{i - 1}}}${{A{i - 1}}}" for i in range(1, 41)]
    body = "\n".join(lines) + "\n"
    _write(folder, ".env", "#" + "c" * max(size - len(body) - 2, 0) + "\n" + body)
    return _compose(folder, _HEAD + '      - "127.0.0.1:${A40:-80}:80"\n')


def dotenv_big_value_reused(folder: str, size: int) -> tuple[list[str], None]:
    """A ``.env`` value of half the size, then 2,000 lines that each use it (``B1=${A}``):
    2,000 copies of a 1 MB value took 37 s (issue 25)."""
    refs = "".join(f"B{n}=${{A}}\n" for n in range(2000))
    _write(folder, ".env", "A=" + "x" * max(size - len(refs) - 3, 0) + "\n" + refs)
    return _compose(folder, _HEAD + '      - "127.0.0.1:${B1999:-80}:80"\n')


def compose_reuses_big_value(folder: str, size: int) -> tuple[list[str], None]:
    """A ``.env`` value of half the size, used by port entries that fill the other half:
    a 1 MB value referenced 2,000 times took 28 s (issue 25)."""
    _write(folder, ".env", "A=" + "1" * (size // 2) + "\n")
    entries, total, n = [], len(_HEAD), 0
    while total < size // 2:
        entry = f'      - "${{A}}:{n % 60000}"\n'
        entries.append(entry)
        total += len(entry)
        n += 1
    return _compose(folder, _HEAD + "".join(entries))


CASES: dict[str, Case] = {
    "ignore directives (unclosed)": ignore_unclosed,
    "ignore directives (many #)": ignore_many_hashes,
    "trailing comment (blanks)": trailing_blanks,
    "interpolation nesting": interpolation_nesting,
    "interpolation count": interpolation_count,
    "interpolation unbalanced braces": interpolation_unbalanced,
    "port string (colons)": port_colons,
    "port string (digits, dashes)": port_digits,
    "dotenv value templates": dotenv_templates,
    "dotenv lines": dotenv_lines,
    "dotenv unterminated quote": dotenv_unterminated,
    "config values (globs)": config_globs,
    "every entry exposed (fix hints)": exposed_entries,
    "include fan-out (17 files x 10)": include_fan_out,
    "dotenv values doubling": dotenv_doubling,
    "dotenv big value reused": dotenv_big_value_reused,
    "compose entries reusing a big value": compose_reuses_big_value,
}


def lint_cpu_seconds(paths: list[str], config: str | None, repeat: int = 3) -> float:
    """Best-of-``repeat`` CPU time of this process for one in-process lint of ``paths``.

    CPU time of this process, not wall time: other processes on a loaded
    machine do not count, only what bindguard did.
    """
    import time

    from bindguard.config import load_config
    from bindguard.errors import BindguardError
    from bindguard.lint import lint
    from bindguard.settings import CliOptions, lint_settings

    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        try:
            settings, _root = lint_settings(CliOptions(jobs=1), load_config(config, no_config=config is None))
            lint(paths, settings)
        except BindguardError:
            pass  # refused with one error line (a config value too long): also an answer
        best = min(best, time.process_time() - start)
    return best
