"""What ``bindguard fix`` does with a rule's findings, declared on the rule (``FIX``).

As ruff keeps fix availability on the violation, each rule module says
whether ``fix`` rewrites its findings (``auto``) or leaves them to a person
(``manual``) and why, in a stable ``reason`` key and a sentence.  The fix
planner builds its tables from these, so adding a rule touches one file;
a test requires every rule to declare one.  An auto rule may still carry a
reason: the one used when ``fix`` declines a particular finding of it.
"""

from typing import NamedTuple


class FixInfo(NamedTuple):
    auto: bool
    reason: str = ""
    message: str = ""


def auto(reason: str = "", message: str = "") -> FixInfo:
    """``fix`` rewrites the entry; ``reason``/``message`` when it declines one."""
    return FixInfo(True, reason, message)


def manual(reason: str, message: str) -> FixInfo:
    """``fix`` never rewrites these findings: ``reason`` is a stable key, ``message`` says why."""
    return FixInfo(False, reason, message)
