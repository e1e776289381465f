"""The compose file, ``.env.example``, the Dockerfile and ``.dockerignore``, checked as data.

There is no Docker engine where the tests run; these checks stand in for ``docker compose config``
and a reviewer: every service is there with a health check, a restart policy and conditional
dependencies, the workers scale, the sandbox is a profile, every variable is documented, and the
image runs as a non-root user with its dependencies in a layer of their own.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Mapping
from typing import Any

import pytest

from shared.signing import signature
from tests.compose.compose_file import (
    BACKING_SERVICES,
    COMPOSE_PATH,
    DOCKERIGNORE_PATH,
    ONE_SHOTS,
    SANDBOX_SERVICES,
    SANDBOX_URLS,
    TRIAL_SECRETS,
    VOICESYNC_SERVICES,
    WORKER_QUEUES,
    Instruction,
    MissingVariable,
    command_argv,
    container_ports,
    defaults_in,
    depends_on,
    dockerfile_stages,
    dotenv_from,
    healthcheck_argv,
    interpolate,
    interpolate_tree,
    is_one_shot,
    load_compose,
    mount_targets,
    read_env_example,
    referenced_names,
    service_environment,
    settings_defaults,
    settings_variables,
    stage_environment,
    strings_in,
    trial_dotenv,
)

CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}
LONG_RUNNING_RESTART = {"always", "unless-stopped", "on-failure"}
CODE_PATHS = {".", "./", "shared", "workers", "web", "cli", "sandbox", "celeryconfig.py"}


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    """The compose file before interpolation."""
    return load_compose()


@pytest.fixture(scope="module")
def services(raw: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The services before interpolation (``${VAR}`` still as written)."""
    return raw["services"]


@pytest.fixture(scope="module")
def trial(raw: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The services as compose resolves them for a trial run (``.env.example`` + secrets)."""
    return interpolate_tree(raw, trial_dotenv())["services"]


def option(argv: list[str], flag: str) -> str:
    """The value after ``flag`` in a command line (``--flag value`` or ``--flag=value``)."""
    for index, argument in enumerate(argv):
        if argument == flag:
            return argv[index + 1]
        if argument.startswith(f"{flag}="):
            return argument.split("=", 1)[1]
    raise AssertionError(f"{flag} not in {argv}")


# -- services --------------------------------------------------------------------------------------


def test_every_service_is_defined(services: dict[str, Any]) -> None:
    missing = {*VOICESYNC_SERVICES, *BACKING_SERVICES} - set(services)
    assert not missing, f"services missing from docker-compose.yml: {sorted(missing)}"


def test_long_running_services_have_a_health_check_and_a_restart_policy(services: dict[str, Any]) -> None:
    for name, service in services.items():
        assert "restart" in service, f"{name} has no restart policy"
        if name in ONE_SHOTS:
            assert is_one_shot(service), f"one-shot {name} must not restart (restart: 'no')"
            continue
        assert service["restart"] in LONG_RUNNING_RESTART, f"{name}: restart {service['restart']!r}"
        assert healthcheck_argv(service), f"{name} has no health check"
        assert not service["healthcheck"].get("disable"), f"{name}'s health check is disabled"


MEMORY = re.compile(r"^(?P<amount>[0-9]+)(?P<unit>[kmg])b?$", re.I)


def test_every_service_has_memory_and_cpu_limits(services: dict[str, Any]) -> None:
    """``deploy.resources.limits``, which ``docker compose`` applies without swarm; the older
    ``mem_limit``/``cpus`` beside them would conflict."""
    for name, service in services.items():
        limits = (service.get("deploy") or {}).get("resources", {}).get("limits") or {}
        assert float(limits.get("cpus", 0)) > 0, f"{name} has no CPU limit"
        memory = MEMORY.match(str(limits.get("memory", "")))
        assert memory and int(memory.group("amount")) > 0, f"{name} has no memory limit (e.g. 512M)"
        assert not {"mem_limit", "cpus", "memswap_limit"} & set(service), f"{name} sets limits twice"


def test_every_service_logs_to_rotated_files(raw: dict[str, Any], services: dict[str, Any]) -> None:
    """One definition (``x-logging``) for all: json-file, rotated by size, a bounded number of files."""
    shared = raw["x-logging"]
    assert shared["driver"] == "json-file"
    assert MEMORY.match(shared["options"]["max-size"]) and int(shared["options"]["max-file"]) > 1
    assert COMPOSE_PATH.read_text().count("driver: json-file") == 1, "logging is set out more than once"
    for name, service in services.items():
        assert service.get("logging") == shared, f"{name} does not log through x-logging"


def test_dependencies_wait_on_conditions(services: dict[str, Any]) -> None:
    for name, service in services.items():
        for dependency, spec in depends_on(service).items():
            assert dependency in services, f"{name} depends on unknown {dependency}"
            condition = spec.get("condition")
            assert condition in CONDITIONS - {"service_started"}, f"{name} -> {dependency}: no condition"
            if condition == "service_completed_successfully":
                assert is_one_shot(services[dependency]), f"{name} waits for {dependency} to complete"
            else:
                assert "healthcheck" in services[dependency], f"{name} waits on {dependency}'s health"


@pytest.mark.parametrize(
    ("service", "dependency", "condition"),
    [
        ("migrate", "postgres", "service_healthy"),
        ("web", "migrate", "service_completed_successfully"),
        ("web", "redis", "service_healthy"),
        *[(worker, "migrate", "service_completed_successfully") for worker in WORKER_QUEUES],
        *[(worker, "redis", "service_healthy") for worker in WORKER_QUEUES],
        ("beat", "redis", "service_healthy"),
        ("flower", "redis", "service_healthy"),
        ("sandbox-bootstrap", "sandbox", "service_healthy"),
    ],
)
def test_start_order(services: dict[str, Any], service: str, dependency: str, condition: str) -> None:
    assert depends_on(services[service]).get(dependency, {}).get("condition") == condition


def test_workers_scale_without_colliding(services: dict[str, Any]) -> None:
    queues = []
    for name, queue in WORKER_QUEUES.items():
        service = services[name]
        assert "container_name" not in service, f"{name}: a container_name stops --scale"
        assert "ports" not in service, f"{name}: published ports collide between replicas"
        assert not service.get("volumes"), f"{name}: replicas would share its volumes"
        argv = command_argv(service)
        assert argv[:4] == ["celery", "-A", "workers", "worker"], argv
        assert option(argv, "-Q") == queue and option(argv, "-n") == f"{queue}@%h", argv
        assert "-E" in argv, f"{name} sends no task events (Flower shows nothing)"
        assert option(argv, "--concurrency").startswith(f"${{WORKER_{queue.upper()}_CONCURRENCY:-"), argv
        assert f"{queue}@$$HOSTNAME" in " ".join(healthcheck_argv(service)), f"{name} pings another node"
        queues.append(queue)
    assert sorted(queues) == ["calls", "campaigns", "contacts"]


def test_no_service_pins_a_container_name(services: dict[str, Any]) -> None:
    assert [name for name, service in services.items() if "container_name" in service] == []


def test_sandbox_services_are_in_the_sandbox_profile_only(services: dict[str, Any]) -> None:
    profiled = {name: service["profiles"] for name, service in services.items() if "profiles" in service}
    assert profiled == {name: ["sandbox"] for name in SANDBOX_SERVICES}


def test_voicesync_services_share_one_definition(raw: dict[str, Any], services: dict[str, Any]) -> None:
    shared = raw["x-voicesync"]
    for name in VOICESYNC_SERVICES:
        for key in ("image", "build", "env_file"):
            assert services[name][key] == shared[key], f"{name}: {key} differs from x-voicesync"
    assert COMPOSE_PATH.read_text().count(shared["image"]) == 1, "the image is written out more than once"
    assert shared["env_file"] == ".env"


# -- what compose resolves -------------------------------------------------------------------------


def test_voicesync_services_use_the_stack_broker_and_ledger(trial: dict[str, Any]) -> None:
    password = trial_dotenv()["POSTGRES_PASSWORD"]
    for name in VOICESYNC_SERVICES:
        env = service_environment(trial[name], trial_dotenv())
        assert env["BROKER_URL"] == "redis://redis:6379/0", name
        assert env["DATABASE_URL"] == f"postgresql+psycopg://voicesync:{password}@postgres:5432/voicesync", name


def test_a_trial_run_points_the_stack_at_the_sandbox(trial: dict[str, Any]) -> None:
    env = service_environment(trial["web"], trial_dotenv())
    assert env["VOICE_API_URL"] == "http://sandbox:8700" and env["ODOO_URL"] == "http://sandbox:8069"
    argv = command_argv(trial["sandbox"])
    assert argv[:2] == ["voicesync", "sandbox"] and option(argv, "--host") == "0.0.0.0"
    assert option(argv, "--api-port") == env["VOICE_API_URL"].rsplit(":", 1)[1]
    assert option(argv, "--odoo-port") == env["ODOO_URL"].rsplit(":", 1)[1]
    assert option(argv, "--api-key") == env["VOICE_API_KEY"] != ""
    assert option(argv, "--webhook-secret") == env["VOICE_WEBHOOK_SECRET"]
    assert option(argv, "--odoo-api-key") == env["ODOO_API_KEY"] != ""
    web_port = env["VOICESYNC_WEB_BIND"].rsplit(":", 1)[1]
    assert option(argv, "--webhook-url") == f"http://web:{web_port}/webhooks/voice"
    assert signature(env["VOICE_WEBHOOK_SECRET"], "msg", 0, b"{}").startswith("v1,")  # a valid whsec_ secret


def test_real_systems_come_from_the_env_file(raw: dict[str, Any]) -> None:
    real = {"VOICE_API_URL": "https://api.voice.example", "ODOO_URL": "https://odoo.example", "ODOO_API_KEY": "k"}
    dotenv = trial_dotenv(real)
    env = service_environment(interpolate_tree(raw, dotenv)["services"]["worker-calls"], dotenv)
    assert {key: env[key] for key in real} == real


@pytest.mark.parametrize("secret", sorted(TRIAL_SECRETS))
def test_required_secrets_are_refused_when_missing(raw: dict[str, Any], secret: str) -> None:
    """No key, secret or password has a default in the compose file: one in the repository would
    let anybody sign webhooks (it once fell back to a fixed sandbox secret)."""
    as_shipped = dotenv_from(read_env_example())
    with pytest.raises(MissingVariable, match=secret):
        interpolate_tree(raw, {**as_shipped, **TRIAL_SECRETS, **SANDBOX_URLS, secret: ""})


@pytest.mark.parametrize("url", sorted(SANDBOX_URLS))
def test_the_outside_systems_urls_are_required_and_never_default_to_the_sandbox(raw: dict[str, Any], url: str) -> None:
    """A production stack once talked to the stand-ins because .env left a URL empty; now compose
    refuses to start, saying what to set (the sandbox's URL only as the trial's choice)."""
    as_shipped = {**dotenv_from(read_env_example()), **TRIAL_SECRETS, **SANDBOX_URLS, url: ""}
    with pytest.raises(MissingVariable) as refused:
        interpolate_tree(raw, as_shipped)
    assert str(refused.value).startswith(f"{url}: set {url} in .env to ")
    assert str(refused.value).endswith(f", or to {SANDBOX_URLS[url]} with --profile sandbox")
    production = {name: service for name, service in raw["services"].items() if name not in SANDBOX_SERVICES}
    defaults = [defaults_in(text) for text in strings_in([production, raw["x-voicesync"]])]
    assert [(name, value) for found in defaults for name, value in found.items() if "sandbox" in value] == []


def test_web_service(trial: dict[str, Any]) -> None:
    web = trial["web"]
    env = service_environment(web, trial_dotenv())
    assert command_argv(web) == ["gunicorn", "-c", "python:web.gunicorn_config", "web:create_app()"]
    assert env["VOICESYNC_WEB_BIND"] == "0.0.0.0:8000" and container_ports(web) == [8000]
    assert env["PROMETHEUS_MULTIPROC_DIR"] in web["tmpfs"], "the metrics folder must be a tmpfs"
    assert "/readyz" in " ".join(healthcheck_argv(web)) and healthcheck_argv(web)[0] == "python"


def test_flower_service(raw: dict[str, Any], trial: dict[str, Any]) -> None:
    flower = trial["flower"]
    env = service_environment(flower, trial_dotenv())
    assert command_argv(flower) == ["celery", "-A", "workers", "flower", "--port=5555"]
    assert container_ports(flower) == [5555]
    assert env["FLOWER_BASIC_AUTH"] == trial_dotenv()["FLOWER_BASIC_AUTH"]
    assert env["FLOWER_PERSISTENT"] == "True"
    volume, target = flower["volumes"][0].split(":")
    assert volume in raw["volumes"] and env["FLOWER_DB"].startswith(target + "/"), "FLOWER_DB is not on the volume"


def test_backing_services(raw: dict[str, Any], services: dict[str, Any]) -> None:
    redis, postgres = services["redis"], services["postgres"]
    assert redis["image"] == "redis:7" and option(command_argv(redis), "--appendonly") == "yes"
    assert healthcheck_argv(redis) == ["redis-cli", "ping"]
    assert postgres["image"] == "postgres:16" and healthcheck_argv(postgres)[0] == "pg_isready"
    for service, target in ((redis, "/data"), (postgres, "/var/lib/postgresql/data")):
        volume = service["volumes"][0].split(":")[0]
        assert mount_targets(service) == [target] and volume in raw["volumes"], f"{volume} is not a named volume"


# -- .env.example ----------------------------------------------------------------------------------


def test_every_variable_the_compose_file_uses_is_in_env_example(raw: dict[str, Any]) -> None:
    used = set().union(*(referenced_names(text) for text in strings_in(raw)))
    assert {"POSTGRES_PASSWORD", "WORKER_CALLS_CONCURRENCY"} <= used  # the scan finds references at all
    missing = used - set(read_env_example())
    assert not missing, f"used by docker-compose.yml, missing from .env.example: {sorted(missing)}"


def test_every_setting_is_in_env_example() -> None:
    missing = settings_variables() - set(read_env_example())
    assert not missing, f"read by shared/settings.py, missing from .env.example: {sorted(missing)}"


def test_env_example_lists_nothing_unknown_and_explains_everything(raw: dict[str, Any]) -> None:
    entries = read_env_example()
    known = settings_variables() | set().union(*(referenced_names(text) for text in strings_in(raw)))
    known.add("VOICESYNC_VAR_DIR")  # read by shared/settings.py outside Settings' fields
    assert set(entries) - known == set(), "stale variables in .env.example"
    assert [name for name, entry in entries.items() if not entry.comment] == []


def test_env_example_shows_the_defaults_the_code_and_the_compose_file_have(raw: dict[str, Any]) -> None:
    """A ``#NAME=value`` line, or "(empty: value)" in a comment, shows what leaving the setting out
    means: it is what ``Settings``, the vendor's module or the compose file has (a shown default
    once said 3600 where the code had 600)."""
    compose = {name: value for text in strings_in(raw) for name, value in defaults_in(text).items()}
    code = settings_defaults()
    shown = {}
    for name, entry in read_env_example().items():
        empty = re.search(r"\(empty: ([^ ;)]+)\)", entry.comment)
        value = entry.value if not entry.active else empty.group(1).rstrip(".") if empty else ""
        if value:
            shown[name] = value
    assert shown.keys() <= code.keys() | compose.keys()
    differ = {}
    for name, value in shown.items():
        if name in code and code[name][1](value) != code[name][0]:
            differ[name] = (value, code[name][0])
        if name in compose and value != compose[name]:
            differ[name] = (value, compose[name])
    assert differ == {}, "shown in .env.example (first) and the default it shows (second)"
    assert {"ODOO_DB", "VOICESYNC_FULL_CRON", "VAPI_WEBHOOK_AUTH", "WORKER_CALLS_CONCURRENCY"} <= shown.keys()


def test_interpolation_follows_compose() -> None:
    variables = {"SET": "value", "EMPTY": ""}
    assert interpolate("${SET:-x} ${EMPTY:-x} ${EMPTY-x} ${UNSET-x} $SET $$HOSTNAME", variables) == (
        "value x  x value $HOSTNAME"
    )
    with pytest.raises(MissingVariable, match="EMPTY: say so"):
        interpolate("${EMPTY:?say so}", variables)
    assert referenced_names("$$HOME ${A:-b} $C") == {"A", "C"}


# -- Dockerfile and .dockerignore ------------------------------------------------------------------


@pytest.fixture(scope="module")
def runtime() -> list[Instruction]:
    """The final stage of the Dockerfile: what the image is."""
    return list(dockerfile_stages().values())[-1]


def copies_code(instruction: Instruction, stages: Mapping[str, list[Instruction]]) -> bool:
    """A COPY/ADD of the source tree, directly or from a stage that copied it."""
    if instruction.keyword not in ("COPY", "ADD"):
        return False
    words = instruction.arguments.split()
    source = next((word.split("=", 1)[1] for word in words if word.startswith("--from=")), None)
    if source is not None:
        return source in stages and any(copies_code(step, stages) for step in stages[source])
    paths = [word for word in words if not word.startswith("--")][:-1]
    return any(path.rstrip("/") in CODE_PATHS or path in CODE_PATHS for path in paths)


def test_image_runs_as_a_non_root_user(runtime: list[Instruction]) -> None:
    users = [step.arguments for step in runtime if step.keyword == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0"), f"the image runs as {users[-1:] or 'root'}"


def test_dependencies_are_installed_before_the_code(runtime: list[Instruction]) -> None:
    stages = dockerfile_stages()
    installs = [i for i, step in enumerate(runtime) if step.keyword == "RUN" and "pip install" in step.arguments]
    code = [i for i, step in enumerate(runtime) if copies_code(step, stages)]
    assert installs and code, "no dependency layer, or no code in the image"
    assert installs[0] < code[0], "the code is copied before the dependencies are installed"
    before = [step.arguments.split()[:-1] for step in runtime[: installs[0]] if step.keyword in ("COPY", "ADD")]
    assert {path for paths in before for path in paths} == {"requirements.lock"}
    assert re.search(r"pip install --require-hashes -r \S*requirements\.lock", runtime[installs[0]].arguments), (
        "dependencies do not come from the lock, with its hashes"
    )
    package = [step for step in runtime[code[0] :] if step.keyword == "RUN" and "pip install" in step.arguments]
    assert package and all("--no-deps" in step.arguments for step in package), "the package is installed with deps"


def test_image_is_slim_python_311_unbuffered_without_test_extras() -> None:
    stages = dockerfile_stages()
    text = " ".join(step.arguments for steps in stages.values() for step in steps)
    assert re.search(r"python:3\.11-slim\b", text), "the base is not python:3.11-slim"
    assert stage_environment(stages, list(stages)[-1]).get("PYTHONUNBUFFERED") == "1"
    assert "[test]" not in text and "pytest" not in text, "test extras in the image"


def test_the_image_needs_no_file_beside_the_installed_package(runtime: list[Instruction]) -> None:
    """gunicorn's and Flower's settings are modules of the package (tests/integration/
    test_flower_and_secrets.py starts both from an empty folder): the image copies in nothing else."""
    stages = dockerfile_stages()
    copies = [step for step in runtime if step.keyword == "COPY" and not copies_code(step, stages)]
    copied = [step.arguments.split()[:-1] for step in copies]
    assert copied == [["requirements.lock"]], f"files copied into the image beside the package: {copied}"


def test_the_proxy_mounts_what_its_config_reads(trial: dict[str, Any]) -> None:
    """deploy/nginx.conf reads the certificate and the ACME webroot at fixed container paths:
    the proxy service mounts them, read-only, from deploy/ (README "TLS")."""
    conf = (COMPOSE_PATH.parent / "deploy" / "nginx.conf").read_text()
    mounts = dict(volume.split(":", 2)[1::-1] for volume in trial["proxy"]["volumes"])
    assert all(volume.endswith(":ro") for volume in trial["proxy"]["volumes"])
    assert mounts == {
        "/etc/nginx/nginx.conf": "./deploy/nginx.conf",
        "/etc/nginx/certs": "./deploy/certs",
        "/var/www/acme": "./deploy/acme",
    }
    for path in ("/etc/nginx/certs/fullchain.pem", "/etc/nginx/certs/privkey.pem", "root /var/www/acme;"):
        assert path in conf, f"deploy/nginx.conf no longer reads {path}"


def test_certificates_stay_out_of_git_and_of_the_image() -> None:
    """A private key in deploy/certs/ must never be committed nor sent as build context."""
    ignored = {line.strip().rstrip("/") for line in DOCKERIGNORE_PATH.read_text().splitlines()}
    assert {"deploy/certs", "deploy/acme"} <= ignored
    check = subprocess.run(
        ["git", "check-ignore", "--no-index", "deploy/certs/privkey.pem", "deploy/acme/.well-known/acme-challenge/t"],
        cwd=COMPOSE_PATH.parent, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert check.stdout.split() == ["deploy/certs/privkey.pem", "deploy/acme/.well-known/acme-challenge/t"]


def test_dockerignore_keeps_local_state_out_of_the_image() -> None:
    ignored = {line.strip().rstrip("/") for line in DOCKERIGNORE_PATH.read_text().splitlines()}
    required = {".git", ".venv", "var", ".env", "**/__pycache__", ".pytest_cache", ".ruff_cache", ".hypothesis"}
    assert required <= ignored, f"not in .dockerignore: {sorted(required - ignored)}"


def test_only_the_proxy_faces_the_network(raw: dict[str, Any], trial: dict[str, Any]) -> None:
    """Webhooks come in through nginx (deploy/nginx.conf, which tests/faults/test_slow_clients.py
    runs); the receiver and Flower (whose /metrics needs no login) are published on loopback only."""
    proxy = trial["proxy"]
    assert proxy["image"].startswith("nginx:") and proxy["ports"] == ["80:80", "443:443"]
    assert "http://127.0.0.1:80/proxy-healthz" in healthcheck_argv(proxy)
    assert depends_on(proxy) == {"web": {"condition": "service_healthy"}}
    assert "healthcheck" in proxy and proxy["restart"] == "unless-stopped"
    for name in ("web", "flower", "sandbox"):
        assert all(str(port).startswith("127.0.0.1:") for port in trial[name]["ports"]), name
    assert "server web:8000;" in (COMPOSE_PATH.parent / "deploy" / "nginx.conf").read_text()
