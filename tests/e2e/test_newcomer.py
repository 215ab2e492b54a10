"""A newcomer's first minutes: a fresh clone, `make run` (which creates its own .venv), and the
API answers GET /v1/me with the token the banner printed; Ctrl-C stops it cleanly."""

from __future__ import annotations

import os
import pathlib
import re
import signal
import subprocess
import threading
import time
import urllib.request

import pytest

from loyalty_local.stack import free_port, http_json

from .workspace import clone_working_tree

# Its own group: it runs beside the rest of the e2e suite on the other xdist worker.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("newcomer")]

HANG_GUARD_SECONDS = 480  # not a performance bound: only so that a hang fails instead of blocking CI


def test_make_run_in_a_fresh_clone_serves_the_api_with_the_printed_tokens(tmp_path: pathlib.Path) -> None:
    # given: a fresh clone, no .venv, none of this shell's virtualenv or AWS settings
    tree = clone_working_tree(tmp_path / "newcomer")
    assert not (tree / ".venv").exists()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTEST_", "AWS_"))}
    env.update(LOYALTY_GATEWAY_PORT=str(free_port()), LOYALTY_ISSUER_PORT=str(free_port()),
               LOYALTY_WECHAT_PORT=str(free_port()))
    # pip's byte-compiling of every installed module is two thirds of creating .venv; without
    # it the same packages are installed and Python compiles what it imports, when it does.
    env["PIP_NO_COMPILE"] = "1"
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if "/.venv/" not in p)

    # when: `make run`
    started = time.monotonic()
    run = subprocess.Popen(["make", "run"], cwd=tree, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           stdin=subprocess.DEVNULL, text=True, start_new_session=True)
    lines: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert run.stdout is not None
        for line in run.stdout:
            lines.append(line)
            if line.startswith("Ctrl-C stops everything"):
                ready.set()
        ready.set()  # the output ended: `make run` exited

    threading.Thread(target=read, daemon=True).start()
    try:
        # then: it prints the exports, and the printed tokens work against the printed API
        assert ready.wait(HANG_GUARD_SECONDS), "".join(lines[-30:])
        assert run.poll() is None, "".join(lines[-30:])
        up_at = time.monotonic()
        output = "".join(lines)
        exports = dict(re.findall(r"^export (API|MEMBER|ADMIN)=(\S+)$", output, re.MULTILINE))
        assert exports.keys() == {"API", "MEMBER", "ADMIN"}, output
        assert (tree / ".venv" / "bin" / "loyalty-local").exists()

        status, me = http_json("GET", exports["API"] + "/v1/me", token=exports["MEMBER"])
        assert (status, me["member_id"], me["program"]) == (200, "m1", "demo"), me
        answered = time.monotonic()
        status, program = http_json("GET", exports["API"] + "/v1/admin/program", token=exports["ADMIN"])
        assert (status, program["document"]["id"]) == (200, "demo")
        # the console and the member page, with ECharts from the clone's own `npm ci`
        pages = dict(re.findall(r"^  (Console|Member page) +(http://\S+/)#token=\S+$", output, re.MULTILINE))
        assert pages.keys() == {"Console", "Member page"}, output
        for url in (*pages.values(), pages["Console"].replace("/console/", "/vendor/echarts/echarts.esm.min.mjs")):
            with urllib.request.urlopen(url, timeout=30) as response:
                assert response.status == 200, url
        print(f"\nnewcomer: make run ready after {up_at - started:.1f} s (venv included), "
              f"GET /v1/me answered after {answered - started:.1f} s; banner: "
              + next((line.strip() for line in lines if "ready in" in line), "?"))
    finally:
        os.killpg(run.pid, signal.SIGINT)  # what Ctrl-C in the terminal sends
        run.wait(120)
    assert "stopped; the data is kept" in "".join(lines), "".join(lines[-20:])
