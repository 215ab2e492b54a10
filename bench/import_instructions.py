"""Cold import of each handler as a ratio to its libraries alone, in CPU instructions counted by
valgrind (callgrind): repeatable to the instruction, where the timed ratios of ``python -m bench``
move by +-0.2 between runs on a shared machine.

The same three programs as the timed measurement (bench/imports.py): the handler module, every
module it imports that is not ours (its libraries), and the fixed set of libraries. Needs
valgrind on the PATH; about 40 s per handler. ``python -m bench.import_instructions [name ...]``."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from bench import imports

TARGET = 1.2


def instructions(body: str, code_dir: Path) -> int:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"} | {"PYTHONHASHSEED": "0"}
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, "-S", "-c",
         imports.source(body, code_dir)],
        capture_output=True, text=True, check=True, cwd=imports.ROOT, env=env,
    )
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise RuntimeError(f"callgrind printed no count: {done.stderr[-500:]}")
    return int(found.group(1))


def main(argv: list[str]) -> int:
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (Debian: apt-get install valgrind)", file=sys.stderr)
        return 2
    apps = [app for app in imports.functions() if not argv or app.parent.name in argv]
    imports.compile_ours(apps)
    fixed = instructions(imports.LIBRARIES, imports.ROOT)
    print("handler               instructions  its libraries  ratio  <= 1.2   fixed set  ratio")
    ratios = []
    for app in apps:
        handler, libraries, _ = imports.bodies(app)
        own, theirs = instructions(handler, app.parent), instructions(libraries, app.parent)
        ratios.append(own / theirs)
        print(f"{app.parent.name:<21} {own:>12,}  {theirs:>13,}  {own / theirs:.3f}  "
              f"{'met' if own / theirs <= TARGET else 'NOT met':<7}  {fixed:>9,}  {own / fixed:.3f}", flush=True)
    print(f"{sum(r <= TARGET for r in ratios)} of {len(ratios)} handlers within {TARGET} of their libraries")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
