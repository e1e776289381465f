"""Reading the deployment files the way Docker would, without Docker.

There is no Docker engine where the tests run, so these helpers do the parts of ``docker compose``
and ``docker build`` the tests need: load ``docker-compose.yml`` (YAML anchors and merge keys
included), interpolate ``${VAR}`` references from a ``.env`` mapping, build a service's
environment (``env_file`` first, ``environment`` on top) and split a Dockerfile into stages and
instructions.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import yaml

from shared import platforms
from shared.settings import PROJECT_ROOT, Settings

COMPOSE_PATH = PROJECT_ROOT / "docker-compose.yml"
ENV_EXAMPLE_PATH = PROJECT_ROOT / ".env.example"
DOCKERFILE_PATH = PROJECT_ROOT / "Dockerfile"
DOCKERIGNORE_PATH = PROJECT_ROOT / ".dockerignore"

WORKER_QUEUES = {"worker-contacts": "contacts", "worker-campaigns": "campaigns", "worker-calls": "calls"}
ONE_SHOTS = ("migrate", "sandbox-bootstrap")
SANDBOX_SERVICES = ("sandbox", "sandbox-bootstrap")
VOICESYNC_SERVICES = ("migrate", "web", *WORKER_QUEUES, "beat", "flower", *SANDBOX_SERVICES)
"""Every service that runs the voicesync image (the rest are Redis and PostgreSQL)."""
BACKING_SERVICES = ("redis", "postgres")
EDGE_SERVICES = ("proxy",)
"""Not of the voicesync image and not run by the local stack: tests/faults/test_slow_clients.py
runs the proxy's own config file with the machine's nginx."""

# $$ (a literal $), ${...} or $NAME, as compose reads them.
_REFERENCE = re.compile(r"\$(?:(?P<escaped>\$)|\{(?P<braced>[^}]*)\}|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))")
_BRACED = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:-|-|:\?|\?|:\+|\+)(?P<arg>.*))?$", re.DOTALL)


class MissingVariable(ValueError):
    """A ``${VAR:?message}`` whose variable is unset: compose refuses to start, and so do we."""


def load_compose(path: Path = COMPOSE_PATH) -> dict[str, Any]:
    """The compose file as plain data, anchors and ``<<`` merge keys resolved (as compose does)."""
    return yaml.safe_load(path.read_text())


def _braced_parts(body: str) -> tuple[str, str | None, str]:
    """Split ``NAME:-default`` into name, operator and argument; reject forms we do not model
    (nested references), so that the compose file cannot use one unnoticed."""
    match = _BRACED.match(body)
    if match is None or "$" in (match.group("arg") or ""):
        raise ValueError(f"unsupported interpolation ${{{body}}}")
    return match.group("name"), match.group("op"), match.group("arg") or ""


def _resolve(body: str, variables: Mapping[str, str]) -> str:
    """One ``${...}`` reference, with compose's meaning of each operator."""
    name, op, arg = _braced_parts(body)
    value = variables.get(name)
    # The colon forms treat an empty value as unset; the others only a missing one.
    is_set = bool(value) if op is None or op.startswith(":") else value is not None
    if op is None:
        return value or ""
    if op.endswith("-"):
        return (value or "") if is_set else arg
    if op.endswith("?"):
        if not is_set:
            raise MissingVariable(f"{name}: {arg}")
        return value or ""
    return arg if is_set else ""  # :+ and +


def interpolate(text: str, variables: Mapping[str, str]) -> str:
    """Replace every reference in ``text`` as ``docker compose`` would with ``variables`` as
    its ``.env`` (and nothing from the shell, so the result does not depend on who runs it)."""

    def replace(match: re.Match[str]) -> str:
        if match.group("escaped"):
            return "$"
        if match.group("bare"):
            return variables.get(match.group("bare"), "")
        return _resolve(match.group("braced"), variables)

    return _REFERENCE.sub(replace, text)


def referenced_names(text: str) -> set[str]:
    """The variable names ``text`` refers to (``$$`` is an escaped dollar, not a reference)."""
    names = set()
    for match in _REFERENCE.finditer(text):
        if match.group("bare"):
            names.add(match.group("bare"))
        elif match.group("braced") is not None:
            names.add(_braced_parts(match.group("braced"))[0])
    return names


def defaults_in(text: str) -> dict[str, str]:
    """The defaults ``text`` gives its references (``${NAME:-default}`` and ``${NAME-default}``)."""
    defaults = {}
    for match in _REFERENCE.finditer(text):
        if match.group("braced") is not None:
            name, op, arg = _braced_parts(match.group("braced"))
            if op in (":-", "-"):
                defaults[name] = arg
    return defaults


def strings_in(node: Any) -> Iterator[str]:
    """Every string value in a YAML tree (compose interpolates values, not keys)."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, Mapping):
        for value in node.values():
            yield from strings_in(value)
    elif isinstance(node, list):
        for item in node:
            yield from strings_in(item)


def interpolate_tree(node: Any, variables: Mapping[str, str]) -> Any:
    """A copy of a YAML tree with every string value interpolated."""
    if isinstance(node, str):
        return interpolate(node, variables)
    if isinstance(node, Mapping):
        return {key: interpolate_tree(value, variables) for key, value in node.items()}
    if isinstance(node, list):
        return [interpolate_tree(item, variables) for item in node]
    return node


@dataclass(frozen=True)
class EnvEntry:
    """One variable of ``.env.example``: ``KEY=value`` (set) or ``#KEY=value`` (a shown default)."""

    name: str
    value: str
    active: bool
    comment: str


_ENV_LINE = re.compile(r"^(?P<hash>#?)(?P<name>[A-Z][A-Z0-9_]*)=(?P<value>.*)$")


def read_env_example(path: Path = ENV_EXAMPLE_PATH) -> dict[str, EnvEntry]:
    """The variables ``.env.example`` lists, each with the comment lines just above it."""
    entries: dict[str, EnvEntry] = {}
    comment: list[str] = []
    for line in path.read_text().splitlines():
        match = _ENV_LINE.match(line)
        if match:
            name = match.group("name")
            entries[name] = EnvEntry(name, match.group("value"), not match.group("hash"), " ".join(comment))
            comment = []
        elif line.startswith("# ") and not set(line[2:]) <= {"-"}:
            comment.append(line[2:].strip())
        else:
            comment = []
    return entries


def dotenv_from(entries: Mapping[str, EnvEntry]) -> dict[str, str]:
    """What a ``.env`` copied from ``.env.example`` sets: its uncommented lines."""
    return {name: entry.value for name, entry in entries.items() if entry.active}


def settings_variables() -> set[str]:
    """Every environment variable ``shared.settings.Settings`` reads (its fields' ``env``, and the
    vendors' own ``<VENDOR>_*`` ones)."""
    return {f.metadata["env"] for f in fields(Settings) if "env" in f.metadata} | platforms.setting_names()


def settings_defaults() -> dict[str, tuple[Any, Callable[[str], Any]]]:
    """Each variable ``Settings`` reads with its default, and how a written value is read."""
    defaults = {
        f.metadata["env"]: (f.default, f.metadata.get("coerce", str)) for f in fields(Settings) if "env" in f.metadata
    }
    for name in platforms.names():
        defaults |= {key: (value, str) for key, value in platforms.vendor(name).SETTINGS.items()}
    return defaults


def service_environment(service: Mapping[str, Any], dotenv: Mapping[str, str]) -> dict[str, str]:
    """A container's environment as compose builds it from an interpolated service: the
    ``env_file`` values, then ``environment`` on top. Only ``.env`` is modelled as an env file."""
    env: dict[str, str] = {}
    env_files = service.get("env_file") or []
    for item in [env_files] if isinstance(env_files, str | Mapping) else env_files:
        path = item if isinstance(item, str) else item["path"]
        if path != ".env":
            raise ValueError(f"env_file {path!r} is not modelled by the tests")
        env.update(dotenv)
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) for item in environment)
    env.update({key: _env_string(value) for key, value in environment.items() if value is not None})
    return env


def _env_string(value: object) -> str:
    """Compose passes environment values as strings (YAML true becomes "true")."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def depends_on(service: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """``depends_on`` in its long form: ``{service: {"condition": ...}}`` (the short list form
    means ``service_started``)."""
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):
        return {name: {"condition": "service_started"} for name in deps}
    return dict(deps)


def is_one_shot(service: Mapping[str, Any]) -> bool:
    """A service that runs to completion: its restart policy is ``no``."""
    return str(service.get("restart", "no")) == "no"


def command_argv(service: Mapping[str, Any]) -> list[str]:
    """A service's ``command`` as an argument list (compose splits a string one like a shell)."""
    command = service["command"]
    return shlex.split(command) if isinstance(command, str) else [str(part) for part in command]


def healthcheck_argv(service: Mapping[str, Any]) -> list[str]:
    """A health check's ``test`` as an argument list: ``CMD`` runs as is, ``CMD-SHELL`` (or a
    plain string) through ``/bin/sh -c``, as Docker runs them."""
    test = service["healthcheck"]["test"]
    if isinstance(test, str):
        return ["/bin/sh", "-c", test]
    kind, *rest = test
    if kind == "CMD":
        return list(rest)
    if kind == "CMD-SHELL":
        return ["/bin/sh", "-c", " ".join(rest)]
    raise ValueError(f"unsupported healthcheck test {test!r}")


def mount_targets(service: Mapping[str, Any]) -> list[str]:
    """The container paths a service mounts: volumes (short or long form) and tmpfs."""
    targets = []
    for volume in service.get("volumes") or []:
        targets.append(volume.split(":")[1] if isinstance(volume, str) else volume["target"])
    tmpfs = service.get("tmpfs") or []
    targets.extend([tmpfs] if isinstance(tmpfs, str) else tmpfs)
    return targets


def container_ports(service: Mapping[str, Any]) -> list[int]:
    """The container side of each published port (``"127.0.0.1:8700:8700"`` gives 8700)."""
    return [int(str(port).rsplit(":", 1)[-1].split("/")[0]) for port in service.get("ports") or []]


@dataclass(frozen=True)
class Instruction:
    """One Dockerfile instruction, continuation lines joined."""

    keyword: str
    arguments: str


def dockerfile_stages(path: Path = DOCKERFILE_PATH) -> dict[str, list[Instruction]]:
    """The Dockerfile's build stages by name (an unnamed stage is named by its index), each a
    list of instructions starting with its ``FROM``. Comments and parser directives are dropped."""
    stages: dict[str, list[Instruction]] = {}
    current: list[Instruction] | None = None
    text = re.sub(r"\\\n", " ", "\n".join(line for line in path.read_text().splitlines() if not line.startswith("#")))
    for line in text.splitlines():
        if not line.strip():
            continue
        keyword, _, arguments = line.strip().partition(" ")
        instruction = Instruction(keyword.upper(), arguments.strip())
        if instruction.keyword == "FROM":
            words = instruction.arguments.split()
            name = words[2] if len(words) > 2 and words[1].upper() == "AS" else str(len(stages))
            current = stages[name] = []
        if current is not None:
            current.append(instruction)
    return stages


def stage_environment(stages: Mapping[str, list[Instruction]], name: str) -> dict[str, str]:
    """The ``ENV`` a stage sets, including what it inherits from the stage it is built ``FROM``."""
    instructions = stages[name]
    parent = instructions[0].arguments.split()[0]
    env = stage_environment(stages, parent) if parent in stages else {}
    for instruction in instructions:
        if instruction.keyword == "ENV":
            env.update(dict(word.split("=", 1) for word in shlex.split(instruction.arguments)))
    return env


TRIAL_SECRETS = {
    "POSTGRES_PASSWORD": "composeTest0",
    "FLOWER_BASIC_AUTH": "operator:compose-test",
    "VOICE_API_KEY": "trial-voice-key-0123456789",
    "VOICE_WEBHOOK_SECRET": "whsec_dHJpYWwtd2ViaG9vay1zZWNyZXQtMDEyMzQ1Njc4OQ==",
    "ODOO_API_KEY": "trial-odoo-key-0123456789",
}
"""What an operator must fill in after ``cp .env.example .env`` (compose refuses to start without)."""

SANDBOX_URLS = {"VOICE_API_URL": "http://sandbox:8700", "ODOO_URL": "http://sandbox:8069"}
"""The outside systems' URLs a trial run sets: the sandbox profile's stand-ins (compose refuses to
start without URLs, and none defaults to the stand-ins)."""


def trial_dotenv(overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """The ``.env`` of a trial run: ``.env.example`` as shipped, the required secrets and the
    sandbox's URLs filled in, then ``overrides``."""
    return {**dotenv_from(read_env_example()), **TRIAL_SECRETS, **SANDBOX_URLS, **(overrides or {})}
