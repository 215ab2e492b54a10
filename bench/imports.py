"""Cold import time of each handler module (functions/*/app.py), each in a fresh interpreter, as a
ratio to importing its libraries alone.

Two baselines: the issue's (Powertools Logger and HTTP event handler with the validation params
our routes use, pydantic, boto3), and every module the handler pulls in that is not ours
(third-party and stdlib, in the order it imported them), which leaves exactly the cost of our own
modules' code. Times are the interpreter's CPU time (a busy machine's preemption does not count); runs alternate
handler and baselines; medians are reported.

Our modules are compiled to bytecode first, as the layer's build ships them (template.yaml builds
the layer with ``layers/loyalty/Makefile``, which runs compileall): Lambda cannot write
``__pycache__`` at run time, and the libraries, installed by pip, come compiled too."""

from __future__ import annotations

import compileall
import re
import statistics
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYER = ROOT / "layers" / "loyalty"
OURS = ("loyalty",)

LIBRARIES = (
    "import boto3\n"
    "import pydantic\n"
    "from aws_lambda_powertools import Logger\n"
    "from aws_lambda_powertools.event_handler import APIGatewayHttpResolver\n"
    "from aws_lambda_powertools.event_handler.openapi import params\n"
)

# -S: no site hooks (the editable install's finder is a dev artifact); the layer and the function
# code first and the dependencies after, as on Lambda (/var/task, /opt/python).
_TIMED = """
import sys, time
sys.path[:0] = [{layer!r}, {code!r}]
sys.path.append({deps!r})
t = time.process_time()
{body}
print(time.process_time() - t)
"""

_HANDLER = """
import importlib.util
spec = importlib.util.spec_from_file_location("app", {path!r})
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
assert callable(module.handler)
"""

_MODULES = """
import importlib
for name in {names!r}:
    try:
        importlib.import_module(name)
    except Exception:
        pass
"""


@dataclass(frozen=True)
class ImportTime:
    function: str
    handler_ms: float
    libraries_ms: float  # the baseline
    not_ours_ms: float  # every module it imports that is not ours
    heaviest: list[tuple[str, float]]  # beyond the libraries, not ours: cumulative ms
    own: list[tuple[str, float]]  # our modules with the most import time of their own (self ms)
    # Median of the ratios of runs made back to back (handler, libraries, not-ours): a shared
    # machine's speed drifts between runs, and a ratio of neighbours cancels most of the drift.
    ratio: float
    own_ratio: float


def _run(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-S", *args, "-c", code], capture_output=True, text=True, check=True,
                          cwd=ROOT)


def source(body: str, code_dir: Path) -> str:
    return _TIMED.format(layer=str(LAYER), code=str(code_dir), deps=sysconfig.get_paths()["purelib"], body=body)


def _timed(body: str, code_dir: Path) -> float:
    return float(_run(source(body, code_dir)).stdout.strip().splitlines()[-1]) * 1000


def _importtime(body: str, code_dir: Path) -> list[tuple[str, float, float]]:
    """(module, self ms, cumulative ms) in the order python -X importtime reports them."""
    found = []
    for line in _run(source(body, code_dir), "-X", "importtime").stderr.splitlines():
        m = re.match(r"import time:\s+(\d+)\s+\|\s+(\d+)\s+\|\s+(.*)$", line)
        if m:
            found.append((m.group(3).strip(), int(m.group(1)) / 1000, int(m.group(2)) / 1000))
    return found


def functions() -> list[Path]:
    return sorted((ROOT / "functions").glob("*/app.py"))


def _ours(module: str) -> bool:
    return module.split(".")[0] in OURS


def compile_ours(apps: list[Path]) -> None:
    for directory in [LAYER / "loyalty", *(app.parent for app in apps)]:
        compileall.compile_dir(directory, quiet=1)


def bodies(app: Path) -> tuple[str, str, list[tuple[str, float, float]]]:
    """The programs that import the handler, and every module it imports that is not ours; and
    what the handler's import imported (python -X importtime)."""
    handler_body = _HANDLER.format(path=str(app))
    imported = _importtime(handler_body, app.parent)
    return handler_body, _MODULES.format(names=[m for m, _, _ in imported if not _ours(m)]), imported


def measure(apps: list[Path], rounds: int = 3) -> list[ImportTime]:
    """Every handler: each round times the handler, the libraries and its not-ours modules in turn."""
    compile_ours(apps)
    programs, extras, owns = {}, {}, {}
    baseline = {m for m, _, _ in _importtime(LIBRARIES, ROOT)}
    for app in apps:
        handler_body, not_ours_body, imported = bodies(app)
        programs[app] = (handler_body, not_ours_body)
        extra = sorted(((m, cum) for m, _, cum in imported if m not in baseline and not _ours(m)), key=lambda kv: -kv[1])
        shown: list[tuple[str, float]] = []
        for name, ms in extra:
            if not any(name.startswith(parent + ".") for parent, _ in shown):
                shown.append((name, ms))
            if len(shown) == 3:
                break
        extras[app] = shown
        owns[app] = sorted(((m, self_ms) for m, self_ms, _ in imported if _ours(m)), key=lambda kv: -kv[1])[:3]
    samples: dict[Path, list[tuple[float, float, float]]] = {app: [] for app in apps}
    for _ in range(rounds):
        for app in apps:
            samples[app].append((_timed(programs[app][0], app.parent), _timed(LIBRARIES, ROOT),
                                 _timed(programs[app][1], app.parent)))
    results = []
    for app in apps:
        runs = samples[app]
        results.append(ImportTime(
            app.parent.name,
            handler_ms=statistics.median(h for h, _, _ in runs),
            libraries_ms=statistics.median(lib for _, lib, _ in runs),
            not_ours_ms=statistics.median(n for _, _, n in runs),
            heaviest=extras[app],
            own=owns[app],
            ratio=statistics.median(h / lib for h, lib, _ in runs),
            own_ratio=statistics.median(h / n for h, _, n in runs),
        ))
    return results
