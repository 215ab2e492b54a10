"""Cold import time of each handler module (functions/*/app.py), each in a fresh interpreter, as a
ratio to importing its libraries alone.

Two baselines: the issue's (Powertools Logger and HTTP event handler with the validation params
our routes use, pydantic, boto3), and every module the handler pulls in that is not ours
(third-party and stdlib, in the order it imported them), which leaves exactly the cost of our own
modules' code. Times are the interpreter's CPU time (a busy machine's preemption does not count); runs alternate
handler and baselines; medians are reported."""

from __future__ import annotations

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

    @property
    def ratio(self) -> float:
        return self.handler_ms / self.libraries_ms

    @property
    def own_ratio(self) -> float:
        return self.handler_ms / self.not_ours_ms


def _run(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-S", *args, "-c", code], capture_output=True, text=True, check=True,
                          cwd=ROOT)


def _source(body: str, code_dir: Path) -> str:
    return _TIMED.format(layer=str(LAYER), code=str(code_dir), deps=sysconfig.get_paths()["purelib"], body=body)


def _timed(body: str, code_dir: Path) -> float:
    return float(_run(_source(body, code_dir)).stdout.strip().splitlines()[-1]) * 1000


def _importtime(body: str, code_dir: Path) -> list[tuple[str, float, float]]:
    """(module, self ms, cumulative ms) in the order python -X importtime reports them."""
    found = []
    for line in _run(_source(body, code_dir), "-X", "importtime").stderr.splitlines():
        m = re.match(r"import time:\s+(\d+)\s+\|\s+(\d+)\s+\|\s+(.*)$", line)
        if m:
            found.append((m.group(3).strip(), int(m.group(1)) / 1000, int(m.group(2)) / 1000))
    return found


def functions() -> list[Path]:
    return sorted((ROOT / "functions").glob("*/app.py"))


def _ours(module: str) -> bool:
    return module.split(".")[0] in OURS


def measure(apps: list[Path], rounds: int = 3) -> list[ImportTime]:
    """Every handler, with the libraries baseline timed once per round (it is the same for all)."""
    bodies, extras, owns = {}, {}, {}
    baseline = {m for m, _, _ in _importtime(LIBRARIES, ROOT)}
    for app in apps:
        handler_body = _HANDLER.format(path=str(app))
        imported = _importtime(handler_body, app.parent)  # also compiles the bytecode once, as deployed
        not_ours_body = _MODULES.format(names=[m for m, _, _ in imported if not _ours(m)])
        bodies[app] = (handler_body, not_ours_body)
        extra = sorted(((m, cum) for m, _, cum in imported if m not in baseline and not _ours(m)), key=lambda kv: -kv[1])
        shown: list[tuple[str, float]] = []
        for name, ms in extra:
            if not any(name.startswith(parent + ".") for parent, _ in shown):
                shown.append((name, ms))
            if len(shown) == 3:
                break
        extras[app] = shown
        owns[app] = sorted(((m, self_ms) for m, self_ms, _ in imported if _ours(m)), key=lambda kv: -kv[1])[:3]
    libraries: list[float] = []
    handler: dict[Path, list[float]] = {app: [] for app in apps}
    not_ours: dict[Path, list[float]] = {app: [] for app in apps}
    for _ in range(rounds):
        libraries.append(_timed(LIBRARIES, ROOT))
        for app in apps:
            handler[app].append(_timed(bodies[app][0], app.parent))
            not_ours[app].append(_timed(bodies[app][1], app.parent))
    libs = statistics.median(libraries)
    return [ImportTime(app.parent.name, statistics.median(handler[app]), libs, statistics.median(not_ours[app]),
                       extras[app], owns[app]) for app in apps]
