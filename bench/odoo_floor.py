"""The floor of a first sync into a real Odoo: the Odoo calls voicesync would make, and nothing else.

The pages are the platform's pages as voicesync reads them, turned into exactly the ``load`` call
its upsert engine makes (the engine builds it against a recorder instead of Odoo), before any
timing starts. Then ``P`` plain processes share them and send each page as one call:

- ``load``: ``res.partner.load`` with voicesync's columns and quiet context (what voicesync sends),
- ``create``: ``res.partner.create`` of the page's values (quiet context), then one
  ``ir.model.data.create`` of their external ids: the other correct write path for a first sync.

Run as ``python -m bench.odoo_floor PAGES METHOD INDEX COUNT`` with the settings in the
environment: it prints ``ready``, sends pages ``INDEX::COUNT`` once a line arrives on its input, and
prints ``{"records", "started", "finished", "cpu"}``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shared.entities import ENTITIES
from shared.mappers.base import XMLID_MODULE
from shared.odoo import OdooClient
from shared.platforms.base import Platform
from shared.settings import child_environment, get_settings
from shared.upsert import UpsertEngine, UpsertResult

SPEC = ENTITIES["contacts"]
METHODS = ("load", "create")


class _Recorder:
    """Stands in for the Odoo client, so the upsert engine builds its ``load`` without sending it
    (of the fields the real Odoo's model has, as the engine asks it)."""

    def __init__(self, odoo: OdooClient) -> None:
        self.sent: list[dict[str, Any]] = []
        self.fields_of = odoo.fields_of

    def write_quietly(self, model: str, method: str, /, **kwargs: Any) -> dict[str, Any]:
        self.sent.append(kwargs)
        return {"ids": list(range(1, len(kwargs["data"]) + 1))}


def floor_pages(platform: Platform, odoo: OdooClient) -> list[dict[str, Any]]:
    """Every platform page as voicesync would write it to an empty ``odoo``: its platform ids,
    mapped values, and the ``fields``/``data`` of the engine's ``load``."""
    recorder = _Recorder(odoo)
    engine = UpsertEngine(recorder, binder=None)  # type: ignore[arg-type]  # only _plan and _load run
    pages = []
    for page in platform.pages(SPEC.name):
        items = engine._plan(SPEC, page.records, UpsertResult())
        engine._load(SPEC, items, UpsertResult())
        pages.append(
            {"ids": [i.platform_id for i in items], "values": [i.values for i in items], **recorder.sent.pop()}
        )
    return pages


def send_page(odoo: OdooClient, method: str, page: dict[str, Any]) -> int:
    """One page, by ``method``; the records Odoo wrote (it must write them all)."""
    if method == "load":
        answer = odoo.write_quietly(SPEC.odoo_model, "load", fields=page["fields"], data=page["data"])
        ids = answer.get("ids") or []
        if len(ids) != len(page["ids"]):
            raise RuntimeError(f"Odoo refused the load: {answer.get('messages')}")
    else:
        ids = odoo.write_quietly(SPEC.odoo_model, "create", vals_list=page["values"])
        names = [SPEC.xmlid_name(platform_id) for platform_id in page["ids"]]
        xmlids = [
            {"module": XMLID_MODULE, "name": name, "model": SPEC.odoo_model, "res_id": odoo_id}
            for name, odoo_id in zip(names, ids, strict=True)
        ]
        odoo.call("ir.model.data", "create", vals_list=xmlids)  # zip(strict): one id per record
    return len(ids)


def _child(path: Path, method: str, index: int, count: int) -> dict[str, float]:
    pages = json.loads(path.read_text())[index::count]
    odoo = OdooClient.from_settings(get_settings())
    print("ready", flush=True)
    sys.stdin.readline()
    cpu, started = time.process_time(), time.time()
    records = sum(send_page(odoo, method, page) for page in pages)
    return {"records": records, "started": started, "finished": time.time(), "cpu": time.process_time() - cpu}


@dataclass(frozen=True)
class FloorRun:
    records: int
    seconds: float
    client_cpu: float  # the sending processes' CPU seconds


def run_floor(path: Path, method: str, processes: int, env: Mapping[str, str]) -> FloorRun:
    """``processes`` children share the pages in ``path``; all start sending at the same moment."""
    argv = [sys.executable, "-m", "bench.odoo_floor", str(path), method]
    children = [
        subprocess.Popen(
            [*argv, str(n), str(processes)],
            env=child_environment(env),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for n in range(processes)
    ]
    try:
        for child in children:
            assert child.stdout is not None
            if child.stdout.readline().strip() != "ready":
                raise RuntimeError("a floor process did not start (see its output above)")
        for child in children:
            assert child.stdin is not None
            child.stdin.write("go\n")
            child.stdin.flush()
        outputs = [child.communicate()[0] for child in children]
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
    if any(child.returncode for child in children):
        raise RuntimeError("a floor process failed (see its output above)")
    done = [json.loads(output.strip().splitlines()[-1]) for output in outputs]
    seconds = max(d["finished"] for d in done) - min(d["started"] for d in done)
    return FloorRun(sum(d["records"] for d in done), seconds, sum(d["cpu"] for d in done))


if __name__ == "__main__":
    job, how, n, of = sys.argv[1:5]
    if how not in METHODS:
        raise SystemExit(f"method must be one of {', '.join(METHODS)}")
    print(json.dumps(_child(Path(job), how, int(n), int(of))))
