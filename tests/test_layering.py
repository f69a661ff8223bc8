"""The package layering: parsers know the model, never the rules (issue 26)."""

import subprocess
import sys


def test_reading_a_compose_file_loads_no_rule():
    """compose/ takes the problem codes it emits from the model, so a parse imports no rule module."""
    code = (
        "import sys\n"
        "import bindguard.compose.project, bindguard.compose.discover, bindguard.compose.bindings\n"
        "print(sorted(m for m in sys.modules if m.startswith('bindguard.rules')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
