"""Print the layer's requirements.txt from pyproject's runtime dependencies (one source of truth)."""

from __future__ import annotations

import pathlib
import tomllib

ROOT = pathlib.Path(__file__).resolve().parents[2]


def layer_requirements() -> str:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = ["# Generated from pyproject.toml by `make layer-requirements`; boto3 comes with the runtime."]
    lines += sorted(project["dependencies"], key=str.lower)
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(layer_requirements(), end="")
