"""The demo data of the local stack, loaded through the real API on every start: the demo program
and its catalog (what is missing is created, nothing stored is overwritten), and the demo
program's WeChat mini-program credentials, which the code2Session stand-in accepts."""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING

import yaml

from .endpoints import Endpoints, LocalStackError, http_json
from .wechat_standin import dev_appid, dev_secret

if TYPE_CHECKING:
    from .stack import LocalStack


def seed(stack: LocalStack, endpoints: Endpoints) -> None:
    """The demo program and catalog, through the real admin API: what is missing is created,
    nothing stored is overwritten (edits made through the API survive a restart)."""
    root = stack.settings.root / "programs"
    document = yaml.safe_load((root / "demo.yaml").read_text())
    program = str(document["id"])
    admin = stack.issuer.token("loyalty-local", program=program, admin=True, hours=0.25)
    status, body = http_json("GET", f"{endpoints.api_url}/v1/admin/program", token=admin)
    if status == 404:
        status, body = http_json("PUT", f"{endpoints.api_url}/v1/admin/program", token=admin, body=document)
        if status != 200:
            raise LocalStackError(f"loading programs/demo.yaml failed: {status} {body}")
        stack.say(f"loaded program {program!r} (version {body['version']})")
    elif status != 200:
        raise LocalStackError(f"reading the program failed: {status} {body}")
    status, body = http_json("GET", f"{endpoints.api_url}/v1/admin/rewards", token=admin)
    if status != 200:
        raise LocalStackError(f"reading the catalog failed: {status} {body}")
    existing = {r["id"] for r in body["rewards"]}
    added = 0
    for reward in yaml.safe_load((root / "demo-catalog.yaml").read_text()) or []:
        if reward["id"] in existing:
            continue
        status, body = http_json("POST", f"{endpoints.api_url}/v1/admin/rewards", token=admin, body=reward)
        if status != 201:
            raise LocalStackError(f"loading reward {reward['id']!r} failed: {status} {body}")
        added += 1
    if added:
        stack.say(f"loaded {added} rewards from programs/demo-catalog.yaml")


def configure_wechat(stack: LocalStack, endpoints: Endpoints, program: str = "demo") -> None:
    """The demo program's mini-program: a dev appid and secret made on first run (kept in .local/,
    so a dev-<name> code is the same member after a restart), given to the stand-in and stored
    through PUT /v1/admin/wechat as an operator would."""
    path = stack.settings.wechat_dev_path
    if path.exists():
        credentials = json.loads(path.read_text())
    else:
        credentials = {"appid": dev_appid(), "secret": dev_secret()}
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(json.dumps(credentials) + "\n")
    if stack.wechat is not None:
        stack.wechat.accept(credentials["appid"], credentials["secret"])
    admin = stack.issuer.token("loyalty-local", program=program, admin=True, hours=0.25)
    status, body = http_json("PUT", f"{endpoints.api_url}/v1/admin/wechat", token=admin, body=credentials)
    if status != 200:
        raise LocalStackError(f"storing the demo's WeChat credentials failed: {status} {body}")
