"""A copy of the repository as a fresh clone of the working tree would be: tracked and untracked
files that are not ignored (so uncommitted work is tested too), nothing git ignores (.venv,
.local, caches)."""

from __future__ import annotations

import pathlib
import shutil
import subprocess

from ..support.template import ROOT


def clone_working_tree(target: pathlib.Path) -> pathlib.Path:
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, check=True, capture_output=True).stdout.decode().split("\0")
    for relative in filter(None, listed):
        source = ROOT / relative
        if not source.is_file():
            continue  # deleted in the working tree, not yet in a commit
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, destination)
    subprocess.run(["git", "init", "-q"], cwd=target, check=True)
    return target
