"""The local stack: MiniStack (a pure-Python AWS emulator) and the dev server on 127.0.0.1, the
real template.yaml packaged and deployed to it, the demo program loaded through the real API.

`LocalStack(settings).start()` is what `loyalty-local up` and the e2e tests run; `stop()` sends
MiniStack SIGTERM, the only stop on which it saves its state."""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from . import seeding
from .devserver import DevServer
from .endpoints import (
    ROOT,
    Endpoints,
    LocalStackError,
    Settings,
    client,
    free_port,
    http_json,
    port_is_free,
)
from .expand import expand_http_apis, load_template, sam_transform
from .issuer import AUDIENCE, DevIssuer
from .package import package
from .wechat_standin import WeChatStandIn

# Importable from here as before this module was split (the CLI, the tests, the bench).
__all__ = ["ROOT", "Endpoints", "LocalStack", "LocalStackError", "Settings", "client", "free_port", "http_json",
           "port_is_free"]

BUCKET = "loyalty-local-artifacts"
LOCAL_LOGINS_PER_MINUTE = 1000
DIGEST_TAG = "loyalty-local:digest"
_DONE = {"CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE"}
_FAILED = {"CREATE_FAILED", "ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "UPDATE_ROLLBACK_FAILED", "DELETE_FAILED"}


def check_layer_requirements(root: pathlib.Path) -> None:
    """MiniStack runs functions on this very interpreter (the venv's), so the layer's third-party
    requirements need no vendoring: they must only be installed here, at the pinned versions."""
    stale = []
    for line in (root / "layers" / "loyalty" / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or "==" not in line:
            continue
        name, pinned = (part.strip() for part in line.split("==", 1))
        try:
            installed = importlib.metadata.version(name.split("[", 1)[0])
        except importlib.metadata.PackageNotFoundError:
            installed = "missing"
        if installed != pinned:
            stale.append(f"{name} {installed} (layer pins {pinned})")
    if stale:
        raise LocalStackError("the venv does not match the layer's requirements: " + ", ".join(stale)
                              + "; run `.venv/bin/pip install -e '.[dev]'` (or `make clean run`)")


# MiniStack's entry point, after asking Linux to send it SIGTERM should `loyalty-local up` die
# without stopping it (kill -9): it then still saves its state and frees its port. Done in the
# child itself, as preexec_fn is unsafe in a process with threads.
_MINISTACK = """
import ctypes, runpy, signal, sys
try:
    ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
except (OSError, AttributeError):
    pass  # not Linux: Ctrl-C still stops it gracefully
sys.argv = ["ministack"]
runpy.run_module("ministack", run_name="__main__", alter_sys=True)
"""


class LocalStack:
    def __init__(self, settings: Settings, say: Callable[[str], None] = lambda _: None) -> None:
        self.settings = settings
        self.say = say
        self.issuer = DevIssuer.at(settings.issuer_url, settings.key_path)
        self.process: subprocess.Popen[bytes] | None = None
        self.devserver: DevServer | None = None
        self.wechat: WeChatStandIn | None = None
        self.endpoints: Endpoints | None = None

    # ----- lifecycle ------------------------------------------------------------------------

    def start(self) -> Endpoints:
        s = self.settings
        check_layer_requirements(s.root)
        s.state_dir.mkdir(parents=True, exist_ok=True)
        for port, what in ((s.gateway_port, "MiniStack"), (s.issuer_port, "the dev issuer"),
                           (s.wechat_port, "the WeChat stand-in")):
            if not port_is_free(port):
                raise LocalStackError(
                    f"port {port} (for {what}) is in use on 127.0.0.1: is another `make run` running? "
                    "Stop it, or choose ports: LOYALTY_GATEWAY_PORT=4576 LOYALTY_ISSUER_PORT=4577 "
                    "LOYALTY_WECHAT_PORT=4578 make run")
        try:
            self.devserver = DevServer(self.issuer, s.issuer_port, s.root / "docs" / "openapi.json")
            self.devserver.start()
            self.wechat = WeChatStandIn(s.wechat_port).start()
            self._start_ministack()
            self._put_engine_key()
            endpoints = self.deploy()
            self.devserver.api_url = endpoints.api_url
            self.devserver.engine_url = endpoints.issuer_api_url
            seeding.configure_wechat(self, endpoints)
            if s.seed:
                seeding.seed(self, endpoints)
            endpoints.save(s.endpoints_path)
            self.endpoints = endpoints
            return endpoints
        except BaseException:
            self.stop()
            raise

    def _start_ministack(self) -> None:
        s = self.settings
        scratch = s.local_dir / "tmp"
        shutil.rmtree(scratch, ignore_errors=True)
        scratch.mkdir(parents=True)
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("AWS_", "MINISTACK_")) and k not in {"PYTHONPATH", "PYTHONHOME"}}
        env.update({
            "GATEWAY_PORT": str(s.gateway_port),
            "BIND_HOST": "127.0.0.1",  # it binds 0.0.0.0 otherwise
            "IOT_MTLS_ENABLED": "0",  # else it listens on 0.0.0.0:8883
            "SFTP_ENABLED": "0",
            "PERSIST_STATE": "1",
            "STATE_DIR": str(s.state_dir),
            "S3_PERSIST": "1",  # the packaged code stays where the stack's template points
            "S3_DATA_DIR": str(s.state_dir / "s3"),
            "MINISTACK_REGION": s.region,
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_DEFAULT_REGION": s.region,
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
            # Its Lambda workers unpack code and layers here; scratch only, emptied on each start.
            "TMPDIR": str(scratch),
            # Inherited by the workers (Settings.allow_private_delivery): local partners are
            # receivers on 127.0.0.1 over plain http, which a deployed stack never delivers to.
            "ALLOW_PRIVATE_DELIVERY": "1",
        })
        if s.lambda_concurrency is not None:
            env["LAMBDA_ACCOUNT_CONCURRENCY"] = str(s.lambda_concurrency)
        log = s.log_path.open("wb")
        # Its own session: Ctrl-C in the terminal reaches `loyalty-local up` only, which then
        # stops MiniStack with SIGTERM (the signal on which it saves its state).
        self.process = subprocess.Popen([sys.executable, "-c", _MINISTACK], env=env, stdout=log,
                                        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise LocalStackError(f"MiniStack exited ({self.process.returncode}); see {s.log_path}:\n"
                                      + self._log_tail())
            try:
                status, _ = http_json("GET", f"{s.gateway_url}/_ministack/health", timeout=2)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise LocalStackError(f"MiniStack did not answer on {s.gateway_url} within 60 s; see {s.log_path}")

    def _log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.settings.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 30) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if self.devserver is not None:
            self.devserver.stop()
            self.devserver = None
        if self.wechat is not None:
            self.wechat.stop()
            self.wechat = None

    def __enter__(self) -> LocalStack:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ----- deploy ---------------------------------------------------------------------------

    def aws(self, service: str) -> Any:
        return client(service, self.settings.gateway_url, self.settings.region)

    def parameters(self) -> dict[str, str]:
        s = self.settings
        return {"JwtIssuer": self.issuer.url, "JwtAudience": AUDIENCE, "LogLevel": s.log_level,
                "Schedules": "ENABLED" if s.schedules else "DISABLED",
                # The engine's member tokens: its local key (MiniStack's KMS would sign too, but the
                # CLI and the tests mint member tokens with the same key, offline), its issuer under
                # the dev server, and WeChat's stand-in.
                "SigningKey": "LOCAL_SSM", "EngineIssuerUrl": s.engine_issuer_url, "WeChatApiBase": s.wechat_url,
                # Every local login comes from 127.0.0.1 (the page, the tests, the fuzz): the
                # deployed default of 30 a minute would let one suite lock out the next.
                "LoginsPerIpMinute": str(LOCAL_LOGINS_PER_MINUTE)}

    def _put_engine_key(self) -> None:
        """The engine's local signing key, as the SecureString the auth function reads
        (SigningKey=LOCAL_SSM): the PEM of .local/, which the dev issuer signs member tokens with."""
        self.aws("ssm").put_parameter(Name=f"/{self.settings.stack_name}/engine/signing-key", Type="SecureString",
                                      Value=self.issuer.engine_pem.decode(), Overwrite=True)

    def deploy(self) -> Endpoints:
        """Package, transform, expand and create or update the stack; unchanged -> nothing sent."""
        s = self.settings
        s3, cfn = self.aws("s3"), self.aws("cloudformation")
        sam = load_template((s.root / "template.yaml").read_text())
        packaged, artifacts = package(sam, s.root, BUCKET)
        parameters = self.parameters()
        template = expand_http_apis(sam_transform(packaged, parameters, s.region))
        body = json.dumps(template, sort_keys=True, separators=(",", ":"))
        digest = hashlib.sha256((body + json.dumps(parameters, sort_keys=True)).encode()).hexdigest()

        stack = self._describe_stack(cfn)
        if stack is not None and stack["StackStatus"] in _FAILED - {"UPDATE_ROLLBACK_FAILED"}:
            self.say(f"stack {s.stack_name} is {stack['StackStatus']}: deleting it and deploying afresh")
            cfn.delete_stack(StackName=s.stack_name)
            self._wait(cfn, {"DELETE_COMPLETE"}, gone_ok=True)
            stack = None
        tags = {t["Key"]: t["Value"] for t in (stack or {}).get("Tags", [])}
        if stack is not None and tags.get(DIGEST_TAG) == digest and stack["StackStatus"] in _DONE:
            self.say(f"stack {s.stack_name}: unchanged")
        else:
            self._upload(s3, artifacts, body, digest)
            kwargs: dict[str, Any] = {
                "StackName": s.stack_name,
                "TemplateURL": f"{s.gateway_url}/{BUCKET}/templates/{digest}.json",
                "Parameters": [{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
                "Capabilities": ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
                "Tags": [{"Key": DIGEST_TAG, "Value": digest}],
            }
            started = time.monotonic()
            if stack is None:
                cfn.create_stack(**kwargs)
            else:
                cfn.update_stack(**kwargs)
            final = self._wait(cfn, _DONE)
            if final != ("CREATE_COMPLETE" if stack is None else "UPDATE_COMPLETE"):
                raise LocalStackError(f"deploying {s.stack_name} ended {final}: " + self._failure_reasons(cfn))
            self.say(f"stack {s.stack_name}: {'created' if stack is None else 'updated'} "
                     f"in {time.monotonic() - started:.1f} s")
        code_dirs = {logical: pathlib.PurePosixPath(str(r["Properties"]["CodeUri"])).name
                     for logical, r in sam["Resources"].items()
                     if r["Type"] == "AWS::Serverless::Function" and isinstance(r["Properties"].get("CodeUri"), str)}
        endpoints = self._endpoints(cfn, template, code_dirs)
        self._ensure_ttl(endpoints.table_name, template)
        return endpoints

    def _describe_stack(self, cfn: Any) -> dict[str, Any] | None:
        try:
            stacks = cfn.describe_stacks(StackName=self.settings.stack_name)["Stacks"]
        except ClientError as exc:
            if "does not exist" in str(exc):
                return None
            raise
        return stacks[0] if stacks and stacks[0]["StackStatus"] != "DELETE_COMPLETE" else None

    def _upload(self, s3: Any, artifacts: list[Any], body: str, digest: str) -> None:
        with contextlib.suppress(ClientError):
            s3.create_bucket(Bucket=BUCKET)
        for item in artifacts:
            try:
                s3.head_object(Bucket=BUCKET, Key=item.key)
            except ClientError:
                s3.put_object(Bucket=BUCKET, Key=item.key, Body=item.body)
        s3.put_object(Bucket=BUCKET, Key=f"templates/{digest}.json", Body=body.encode())

    def _wait(self, cfn: Any, done: set[str], gone_ok: bool = False, timeout: float = 120) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            stack = self._describe_stack(cfn)
            if stack is None and gone_ok:
                return "DELETE_COMPLETE"
            status = stack["StackStatus"] if stack else "MISSING"
            if status in done or status in _FAILED or status == "MISSING":
                return status
            time.sleep(0.1)
        raise LocalStackError(f"stack {self.settings.stack_name} did not settle within {timeout:.0f} s")

    def _failure_reasons(self, cfn: Any) -> str:
        try:
            events = cfn.describe_stack_events(StackName=self.settings.stack_name)["StackEvents"]
        except ClientError:
            return "(no events)"
        reasons = [f"{e['LogicalResourceId']}: {e.get('ResourceStatusReason')}" for e in events
                   if e.get("ResourceStatus", "").endswith("FAILED")]
        return "; ".join(reasons[:5]) or "(no failed resource reported)"

    def _endpoints(self, cfn: Any, template: dict[str, Any], code_dirs: dict[str, str]) -> Endpoints:
        s = self.settings
        resources = {r["LogicalResourceId"]: r.get("PhysicalResourceId", "")
                     for r in cfn.describe_stack_resources(StackName=s.stack_name)["StackResources"]}
        functions = {}
        table = ""
        for logical, resource in template["Resources"].items():
            kind = resource["Type"]
            if kind == "AWS::Lambda::Function" and logical in resources:
                functions[code_dirs.get(logical, logical)] = resources[logical]
            elif kind == "AWS::DynamoDB::Table" and not table:
                table = resources.get(logical, "")
        api_id, issuer_api_id = resources.get("LoyaltyApi", ""), resources.get("EngineIssuerApi", "")
        if not api_id or not issuer_api_id or not table:
            raise LocalStackError(f"the stack has no HTTP API, no issuer API or no table: {sorted(resources)}")
        return Endpoints(
            gateway_url=s.gateway_url, issuer_url=self.issuer.url, region=s.region, stack_name=s.stack_name,
            api_url=f"{s.gateway_url}/_aws/execute-api/{api_id}", docs_url=f"{self.issuer.url}/docs",
            table_name=table, functions=functions, engine_issuer_url=s.engine_issuer_url,
            issuer_api_url=f"{s.gateway_url}/_aws/execute-api/{issuer_api_id}", wechat_url=s.wechat_url,
        )

    def _ensure_ttl(self, table: str, template: dict[str, Any]) -> None:
        """MiniStack drops the table's TimeToLiveSpecification: set it as the template says."""
        specs = [r["Properties"].get("TimeToLiveSpecification") for r in template["Resources"].values()
                 if r["Type"] == "AWS::DynamoDB::Table"]
        spec = specs[0] if specs else None
        if not spec or not spec.get("Enabled"):
            return
        ddb = self.aws("dynamodb")
        current = ddb.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
        if current.get("TimeToLiveStatus") in {"ENABLED", "ENABLING"} and \
                current.get("AttributeName") == spec["AttributeName"]:
            return
        ddb.update_time_to_live(TableName=table, TimeToLiveSpecification={
            "Enabled": True, "AttributeName": spec["AttributeName"]})
