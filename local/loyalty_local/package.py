"""What `sam package` does, for the local stack: zip each function's CodeUri and the layer's
ContentUri (its content under python/, as a layer is laid out in /opt), name each zip by its
content hash, and point the template at the uploaded object.

Zips are byte-for-byte reproducible (sorted entries, fixed timestamps, no bytecode), so an
unchanged function keeps its S3 key, CloudFormation sees no change, and only what changed is
redeployed."""

from __future__ import annotations

import copy
import hashlib
import io
import pathlib
import zipfile
from dataclasses import dataclass
from typing import Any

_FIXED_TIME = (2020, 1, 1, 0, 0, 0)
_SKIP_DIRS = {"__pycache__", ".pytest_cache", ".mypy_cache"}


@dataclass(frozen=True)
class Artifact:
    key: str  # S3 key, named by the zip's content hash
    body: bytes


def zip_directory(source: pathlib.Path, prefix: str = "") -> bytes:
    """A deterministic zip of `source`'s files, each stored under `prefix`."""
    files = sorted(
        p for p in source.rglob("*")
        if p.is_file() and not _SKIP_DIRS.intersection(p.relative_to(source).parts) and p.suffix != ".pyc"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            info = zipfile.ZipInfo(prefix + path.relative_to(source).as_posix(), date_time=_FIXED_TIME)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


def artifact(body: bytes) -> Artifact:
    return Artifact(key=f"artifacts/{hashlib.sha256(body).hexdigest()}.zip", body=body)


def package(template: dict[str, Any], root: pathlib.Path, bucket: str) -> tuple[dict[str, Any], list[Artifact]]:
    """The SAM template with local CodeUri/ContentUri replaced by S3 locations, and the zips to upload."""
    packaged = copy.deepcopy(template)
    artifacts: dict[str, Artifact] = {}
    globals_uri = (packaged.get("Globals", {}).get("Function") or {}).get("CodeUri")
    for resource in packaged.get("Resources", {}).values():
        props = resource.setdefault("Properties", {})
        if resource.get("Type") == "AWS::Serverless::Function":
            field, prefix, uri = "CodeUri", "", props.get("CodeUri", globals_uri)
        elif resource.get("Type") == "AWS::Serverless::LayerVersion":
            field, prefix, uri = "ContentUri", "python/", props.get("ContentUri")
        else:
            continue
        if not isinstance(uri, str) or uri.startswith("s3://"):
            continue  # already packaged, or inline code
        source = (root / uri).resolve()
        if not source.is_dir():
            raise FileNotFoundError(f"{field} {uri!r} is not a directory under {root}")
        item = artifact(zip_directory(source, prefix))
        artifacts[item.key] = item
        props[field] = {"Bucket": bucket, "Key": item.key}
    return packaged, list(artifacts.values())
