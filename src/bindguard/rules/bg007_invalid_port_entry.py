"""# BG007 invalid-port-entry

## What it does
Reports a `ports:` entry, or a host IP, that Compose or Docker would reject:
bad syntax, a port outside 0-65535, a range whose end is before its start,
host and container ranges of different sizes, an unknown protocol, a host IP
that is not an IP literal (`localhost`, `11127.0.0.1`, a `${X}` left over),
`ports` that is not a list, or `${VAR:?message}` with `VAR` unset.

## Why is this bad?
Depending on the Docker version, an invalid host IP is either rejected at
`docker compose up` or silently ignored, which publishes the port on every
interface. Either way the file does not say what it seems to say.

## Example
```yaml
ports:
  - "localhost:5432:5432"
```

Use instead:
```yaml
ports:
  - "127.0.0.1:5432:5432"
```

## Fix
Not fixable automatically: the intended address cannot be guessed.

## Options
None.

## References
- [Compose `ports`](https://docs.docker.com/reference/compose-file/services/#ports)
- [Docker: published ports](https://docs.docker.com/engine/network/port-publishing/)
"""

from __future__ import annotations

from bindguard.model import INVALID_PORT_ENTRY, Severity
from bindguard.rules.contract import Rule, Scope, problems_with_code
from bindguard.rules.fixinfo import manual

CODE = INVALID_PORT_ENTRY


RULE = Rule(CODE, "invalid-port-entry", Severity.ERROR, (Scope.PROBLEM,), "Port entry or host IP that Compose or Docker rejects",
            since="0.1.0", check=problems_with_code(CODE), doc=__doc__,
            fix=manual("invalid-entry", "the intended entry cannot be guessed: correct it by hand"))
