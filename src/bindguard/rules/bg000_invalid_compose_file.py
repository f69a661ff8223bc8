"""# BG000 invalid-compose-file

## What it does
Reports a file that cannot be read as a compose file: invalid YAML, text that
is not UTF-8/UTF-16, a top level that is not a mapping, `services` or a
service that is not a mapping, duplicate keys, keys that are lists or
mappings, alias loops and alias bombs (Compose's "excessive aliasing"), or a
file that is unreadable, not a regular file, or beyond a limit of
`docs/limits.md` (64 MiB, 1,000,000 YAML nodes, 256 levels of nesting).
Missing `include` and `extends` targets are reported here too.

## Why is this bad?
`docker compose` refuses such a file, and bindguard cannot tell where its
ports would listen, so it cannot vouch for it. Reporting it (instead of
crashing or skipping silently) keeps a CI gate honest; the other files of the
run are still checked.

## Example
```yaml
services:
  db:
    ports: ["5432:5432"
```

Use instead:
```yaml
services:
  db:
    ports: ["127.0.0.1:5432:5432"]
```

## Fix
Not fixable automatically: correct the YAML at the reported line.

## Options
None.

## References
- [Compose file reference](https://docs.docker.com/reference/compose-file/)
"""

from __future__ import annotations

from bindguard.model import INVALID_FILE, Severity
from bindguard.rules.contract import Rule, Scope, problems_with_code
from bindguard.rules.fixinfo import manual

CODE = INVALID_FILE


RULE = Rule(CODE, "invalid-compose-file", Severity.ERROR, (Scope.PROBLEM,), "File is not a readable compose file",
            since="0.1.0", check=problems_with_code(CODE), doc=__doc__,
            fix=manual("invalid-file", "the file cannot be read as a compose file; correct it first"))
