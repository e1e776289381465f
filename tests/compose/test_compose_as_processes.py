"""The compose stack's commands, environments, dependencies and health checks, run for real.

Every voicesync service of ``docker-compose.yml`` (migrate, web, the three worker pools, beat,
Flower, the sandbox and its bootstrap) runs as a local process from its own ``command`` and the
environment compose would give it, with ``.env`` made from ``.env.example`` the way an operator
makes it for a trial run. How container names, ports and paths map to this machine is described
in :mod:`tests.compose.local_stack`. Then a signed platform webhook goes through the receiver and a
worker into the sandbox Odoo, and Flower's API lists the three pools.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from cli.processes import wait_for
from tests.compose.compose_file import (
    ONE_SHOTS,
    VOICESYNC_SERVICES,
    WORKER_QUEUES,
    dockerfile_stages,
    interpolate_tree,
    load_compose,
    stage_environment,
    trial_dotenv,
)
from tests.compose.local_stack import LocalNetwork, LocalStack, local_network, processes_with_marker, wait_gone
from tests.services import SYSTEM_REDIS, need

pytestmark = pytest.mark.xdist_group("compose")  # one compose stack at a time: it is the heaviest
SMALL = {
    "VOICESYNC_WEB_WORKERS": "1",
    "VOICESYNC_WEB_THREADS": "4",
    **{f"WORKER_{queue.upper()}_CONCURRENCY": "1" for queue in WORKER_QUEUES.values()},
}
"""Settings an operator may put in .env; here they keep the local stack light."""


@pytest.fixture
def compose_redis(redis_url: str) -> str:
    """The stack's ``redis`` service: the system Redis at this test run's own database."""
    need(SYSTEM_REDIS, "Redis")
    return redis_url


@pytest.fixture
def stack(
    compose_redis: str, postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[LocalStack]:
    """The stack as local processes, not started yet; whatever it started is stopped afterwards."""
    workdir = tmp_path / "app"
    workdir.mkdir()
    monkeypatch.chdir(workdir)  # the image's WORKDIR: empty, everything comes with the package
    dotenv = trial_dotenv(SMALL)
    services = interpolate_tree(load_compose(), dotenv)["services"]
    stages = dockerfile_stages()
    local = LocalStack(
        services=services,
        dotenv=dotenv,
        image_env=stage_environment(stages, list(stages)[-1]),
        network=local_network(services, compose_redis, postgres_url, tmp_path / "container"),
        marker=uuid.uuid4().hex,
        log_dir=tmp_path / "logs",
    )
    yield local
    local.down()


def platform_contact_id(env: dict[str, str]) -> str:
    """The id of one contact, read through the platform API with the stack's own key."""
    answer = requests.get(
        f"{env['VOICE_API_URL']}/v1/contacts",
        params={"per_page": 1},
        headers={"Authorization": f"Bearer {env['VOICE_API_KEY']}"},
        timeout=10,
    )
    answer.raise_for_status()
    return str(answer.json()["data"][0]["id"])


def rename_on_the_platform(env: dict[str, str], contact_id: str, first_name: str) -> dict[str, Any]:
    """Change a contact through the sandbox's control endpoint; the sandbox then sends the signed
    ``contact.updated`` webhook to the receiver and answers with that delivery."""
    answer = requests.patch(
        f"{env['VOICE_API_URL']}/_sandbox/contacts/{contact_id}", json={"first_name": first_name}, timeout=30
    )
    answer.raise_for_status()
    return answer.json()["webhook"]


def odoo_partner_names(env: dict[str, str], fragment: str) -> list[str]:
    """Names of Odoo partners containing ``fragment``, over JSON-2 with the stack's Odoo key."""
    answer = requests.post(
        f"{env['ODOO_URL']}/json/2/res.partner/search_read",
        json={"domain": [["name", "like", fragment]], "fields": ["name"]},
        headers={"Authorization": f"bearer {env['ODOO_API_KEY']}", "X-Odoo-Database": env["ODOO_DB"]},
        timeout=10,
    )
    answer.raise_for_status()
    return [record["name"] for record in answer.json()]


def flower_workers(url: str, auth: tuple[str, str] | None) -> requests.Response:
    """Flower's worker list, inspected afresh (``refresh``) rather than from its cache."""
    return requests.get(f"{url}/api/workers", params={"refresh": "1"}, auth=auth, timeout=20)


def pools_in(workers: dict[str, Any]) -> dict[str, list[str]]:
    """Each Flower worker's queue names, keyed by the node name's pool part (``calls@host``)."""
    return {
        node.split("@", 1)[0]: sorted(queue["name"] for queue in info.get("active_queues") or [])
        for node, info in workers.items()
    }


def test_local_mapping_of_names_and_ports(tmp_path: Path) -> None:
    network = LocalNetwork(
        redis_url="redis://127.0.0.1:6379/7",
        database_url="postgresql+psycopg://postgres@127.0.0.1:5432/fresh",
        hosts=frozenset({"sandbox", "web", "127.0.0.1", "0.0.0.0"}),
        ports={8700: 41000, 8000: 42000},
        root=tmp_path,
    )
    assert network.rewrite("redis://redis:6379/0") == "redis://127.0.0.1:6379/7"
    assert network.rewrite("postgresql+psycopg://voicesync:pw@postgres:5432/voicesync").endswith("5432/fresh")
    assert network.rewrite("http://web:8000/webhooks/voice") == "http://127.0.0.1:42000/webhooks/voice"
    assert network.rewrite("0.0.0.0:8000") == "127.0.0.1:42000"
    assert network.rewrite("/var/lib/flower/flower.db") == str(tmp_path / "var/lib/flower/flower.db")
    argv = ["voicesync", "sandbox", "--host", "0.0.0.0", "--api-port", "8700", "--port=8000", "--seed", "8700"]
    assert network.rewrite_argv(argv) == [
        "voicesync", "sandbox", "--host", "127.0.0.1", "--api-port", "41000", "--port=42000", "--seed", "8700",
    ]  # fmt: skip


def test_the_compose_stack_runs_as_local_processes(stack: LocalStack) -> None:
    long_running = [name for name in VOICESYNC_SERVICES if name not in ONE_SHOTS]
    stack.up(list(VOICESYNC_SERVICES))
    for name in long_running:
        stack.wait_healthy(name)
    assert set(stack.running) == set(long_running) and set(stack.completed) == set(ONE_SHOTS)
    assert "x_voicesync_call" in stack.completed["sandbox-bootstrap"].stdout, "bootstrap did not create the model"

    # A signed platform webhook: sandbox -> web (verifies, commits, enqueues) -> contacts worker -> Odoo.
    env = stack.environment("web")
    first_name = f"Compose{uuid.uuid4().hex[:8]}"
    delivery = rename_on_the_platform(env, platform_contact_id(env), first_name)
    assert delivery["status"] == 202, f"the receiver answered {delivery['status']} to the signed webhook"
    wait_for(lambda: odoo_partner_names(env, first_name), 30, what=f"partner {first_name} in the sandbox Odoo")

    # Flower lists the three pools, each on its own queue, and only for a logged-in user.
    flower_env = stack.environment("flower")
    flower_url = f"http://127.0.0.1:{stack.network.ports[5555]}"
    user, password = flower_env["FLOWER_BASIC_AUTH"].split(":", 1)
    assert flower_workers(flower_url, None).status_code == 401
    expected = {queue: [queue] for queue in WORKER_QUEUES.values()}
    wait_for(
        lambda: pools_in(flower_workers(flower_url, (user, password)).json()) == expected,
        30,
        what=f"Flower listing {expected}",
    )

    marker = stack.marker
    assert processes_with_marker(marker), "the marker finds no process of the running stack"
    stack.down()
    assert wait_gone(marker) == [], "processes left behind after the stack stopped"
