"""A fresh clone of the repository, with the working tree's uncommitted changes laid over it (so
what is being tested is what would be committed): nothing git ignores (.venv, .local, caches)."""

from __future__ import annotations

import pathlib
import shutil
import subprocess

from ..support.template import ROOT


def _git(*args: str, cwd: pathlib.Path = ROOT) -> list[str]:
    out = subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True).stdout.decode()
    return [line for line in out.split("\0") if line]


def clone_working_tree(target: pathlib.Path) -> pathlib.Path:
    subprocess.run(["git", "clone", "-q", "--no-hardlinks", str(ROOT), str(target)], check=True)
    for relative in _git("ls-files", "-z", "--cached", "--others", "--exclude-standard"):
        source = ROOT / relative
        if source.is_file():
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / relative)
        else:  # deleted in the working tree, not yet in a commit
            (target / relative).unlink(missing_ok=True)
    return target
