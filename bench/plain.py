"""The floor of voicesync's own overhead: one plain process walks every page and hands it to the same
importer and upsert engine the workers use, with no Celery, no run accounting and no lock per run.
A page's carried records (under Vapi the people its calls name) go with it, as a worker's page does.

Run as ``python -m bench.plain ENTITY`` with the settings in the environment; prints
``{"records": n, "seconds": s}`` on its last line. It is its own process (like a worker) so that
it does not share an interpreter lock with the sandboxes.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Mapping

from shared.entities import ENTITIES
from shared.services import Services
from shared.settings import child_environment, get_settings


def sync_all(entity: str) -> dict[str, float]:
    spec = ENTITIES[entity]
    services = Services(get_settings())
    records = 0
    started = time.perf_counter()
    for page in services.platform.pages(spec.name):
        result = services.importer.sync_records(spec, page.records, related=page.related, check_drift=True, run_id=None)
        counts = result.counts()
        records += counts["created"] + counts["updated"] + counts["unchanged"] + counts["drift_repaired"]
    return {"records": records, "seconds": time.perf_counter() - started}


def run_plain(entity: str, env: Mapping[str, str]) -> dict[str, float]:
    """Run :func:`sync_all` in a child process on ``env``'s settings."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.plain", entity],
        env=child_environment(env),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    print(json.dumps(sync_all(sys.argv[1])))
