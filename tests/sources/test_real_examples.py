"""Real files from public repositories (issue 27), linted without a crash.

``tests/sources/real/`` holds small excerpts, each naming its repository and
path in a comment: Makefiles with ``docker run -p``, a workflow with a
service container, a dev container, a Quadlet template, kind configs.  The
folder is linted as a repository would be, and what each file publishes is
pinned, so a reader that starts to skip or misread one of them fails here.
"""

from __future__ import annotations

from pathlib import Path

from bindguard.lint import LintSettings, lint

REAL = Path(__file__).resolve().parent / "real"

EXPECTED = [
    ("kind/kind-config-us.yaml", 7, "BG001"),  # hostPort 9443 without listenAddress: 0.0.0.0
    ("kind/kind-config-us.yaml", 10, "BG001"),
    ("quadlet/systemd.container", 9, "BG000"),  # a Go template's {{if}}: not unit syntax
    ("quadlet/systemd.container", 11, "BG000"),
    ("quadlet/systemd.container", 12, "BG004"),  # Network=host
    ("quadlet/systemd.container", 13, "BG000"),
    ("quadlet/systemd.container", 15, "BG000"),
    ("shell/Makefile", 9, "BG001"),  # docker run --rm -p 8080:8080 $(NAME)
    ("shell/dashboard/Makefile", 8, "BG001"),
    ("shell/dashboard/Makefile", 11, "BG001"),  # another recipe: no BG005 between the two
    ("shell/makefile", 8, "BG001"),  # sudo docker run ... -p 8080:8080
    ("workflows/.github/workflows/maven.yml", 12, "BG001"),  # ports: - 3306 (a random host port)
]


def test_real_examples_are_read_and_pinned():
    report = lint([str(REAL)], LintSettings(jobs=1))
    got = [(str(Path(f.location.file).relative_to(REAL)), f.location.line, f.code) for f in report.findings]
    assert got == EXPECTED
    read = {str(Path(p).relative_to(REAL)) for p in report.sources}
    # the dev container (appPort 8080 is 127.0.0.1:8080:8080), the loopback kind config and the
    # script whose heredoc holds a kind config are read too, and publish nothing exposed
    assert {"devcontainer/.devcontainer/devcontainer.json", "kind/kind.config.yaml",
            "shell/external_lb_kind.sh"} <= read
    assert len(read) == 9
