"""The lock files pin everything ``setup.cfg`` asks for, exactly and with hashes.

``requirements.lock`` is what the image installs (``setup.cfg``'s dependencies), and
``requirements-test.lock`` what ``make install`` and CI install (the same pins plus the ``test``
extra). ``make lock`` writes both with pip-tools; these checks catch a dependency added to
``setup.cfg`` without ``make lock``, a pin the lock's own specifier refuses, or a hand edit.
"""

from __future__ import annotations

import configparser
import re
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from shared.settings import PROJECT_ROOT

RUNTIME_LOCK = PROJECT_ROOT / "requirements.lock"
TEST_LOCK = PROJECT_ROOT / "requirements-test.lock"
_PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>\S+)$")
_HASH = re.compile(r"^--hash=sha256:[0-9a-f]{64}$")


@dataclass(frozen=True)
class Pin:
    version: Version
    hashes: tuple[str, ...]


def read_lock(path: Path) -> dict[NormalizedName, Pin]:
    """A pip-tools lock: ``name==version`` entries, each with its ``--hash`` options (continuation
    lines joined, comments dropped). Anything else in it is a failure, not something skipped."""
    text = "\n".join(line for line in path.read_text().splitlines() if not line.lstrip().startswith("#"))
    pins: dict[NormalizedName, Pin] = {}
    for entry in re.sub(r"\\\n", " ", text).splitlines():
        if not entry.strip():
            continue
        requirement, *options = entry.split()
        match = _PIN.match(requirement)
        assert match, f"{path.name}: not an exact pin: {entry[:80]!r}"
        assert options and all(_HASH.match(option) for option in options), f"{path.name}: {requirement} lacks hashes"
        name = canonicalize_name(match.group("name"))
        assert name not in pins, f"{path.name}: {name} pinned twice"
        pins[name] = Pin(Version(match.group("version")), tuple(options))
    return pins


def declared(extra: str | None = None) -> list[Requirement]:
    """``setup.cfg``'s ``install_requires``, or one of its extras."""
    config = configparser.ConfigParser()
    config.read(PROJECT_ROOT / "setup.cfg")
    text = config["options"]["install_requires"] if extra is None else config["options.extras_require"][extra]
    return [Requirement(line) for line in text.splitlines() if line.strip()]


def extras_dependencies(requirement: Requirement) -> set[NormalizedName]:
    """What the extras a requirement names (``celery[redis]``) add, read from the installed
    package's metadata; the locks are written with ``--strip-extras``, so these must be pins of
    their own."""
    added = set()
    for line in metadata.requires(requirement.name) or []:
        dependency = Requirement(line)
        marker = dependency.marker
        if marker is None or marker.evaluate({"extra": ""}):
            continue  # a dependency of the package itself
        if any(marker.evaluate({"extra": extra}) for extra in requirement.extras):
            added.add(canonicalize_name(dependency.name))
    return added


LOCKS = {RUNTIME_LOCK: declared(), TEST_LOCK: [*declared(), *declared("test")]}


@pytest.mark.parametrize("lock", list(LOCKS), ids=lambda path: path.name)
def test_every_dependency_in_setup_cfg_is_pinned_in_the_lock_within_its_range(lock: Path) -> None:
    pins = read_lock(lock)
    for requirement in LOCKS[lock]:
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement} is in setup.cfg but not in {lock.name}: run make lock"
        assert requirement.specifier.contains(pins[name].version, prereleases=True), (
            f"{lock.name} pins {name}=={pins[name].version}, outside setup.cfg's {requirement}: run make lock"
        )
        missing = extras_dependencies(requirement) - set(pins)
        assert not missing, f"{lock.name} lacks what {requirement} brings: {sorted(missing)}"


def test_the_image_and_the_tests_get_the_same_versions() -> None:
    """The test lock is compiled with the runtime lock as its constraint: what the tests run on is
    what the image ships."""
    runtime, test = read_lock(RUNTIME_LOCK), read_lock(TEST_LOCK)
    assert {"celery", "flask", "sqlalchemy"} <= set(runtime)
    assert {"pytest", "ruff"} <= set(test) - set(runtime), "the test lock lacks the test extra"
    differing = {name: (pin.version, test[name].version) for name, pin in runtime.items() if test.get(name) != pin}
    assert not differing, f"pins that differ between the locks (runtime, test): {differing}"


def test_the_environment_running_the_tests_was_installed_from_the_lock() -> None:
    """``make install`` installs ``requirements-test.lock`` (and the project without dependencies):
    every locked distribution is here at its locked version."""
    installed = {canonicalize_name(d.metadata["Name"]): Version(d.version) for d in metadata.distributions()}
    pins = read_lock(TEST_LOCK)
    differing = {str(name): (str(pin.version), str(installed.get(name))) for name, pin in pins.items()
                 if installed.get(name) != pin.version}  # fmt: skip
    assert not differing, f"installed versions differ from {TEST_LOCK.name} (locked, installed): {differing}"
