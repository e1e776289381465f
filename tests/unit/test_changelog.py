"""CHANGELOG.md's newest release is the package's version (``setup.cfg``, as installed); LICENSE is the
license the package declares."""

from __future__ import annotations

import configparser
import re
from importlib import metadata

from packaging.version import Version

from shared.settings import PROJECT_ROOT

CHANGELOG = (PROJECT_ROOT / "CHANGELOG.md").read_text()
RELEASE = re.compile(r"^## \[(?P<version>[^\]]+)\] - (?P<date>\d{4}-\d{2}-\d{2})$", re.M)


def test_the_newest_release_in_the_changelog_is_the_package_version() -> None:
    config = configparser.ConfigParser()
    config.read(PROJECT_ROOT / "setup.cfg")
    releases = [match.group("version") for match in RELEASE.finditer(CHANGELOG)]
    assert releases, "CHANGELOG.md has no '## [x.y.z] - YYYY-MM-DD' release"
    assert releases[0] == config["metadata"]["version"] == metadata.version("voicesync")


def test_the_changelog_keeps_its_form() -> None:
    """Keep a Changelog: an Unreleased section on top, then releases newest first."""
    headings = re.findall(r"^## (.*)$", CHANGELOG, re.M)
    assert headings[0] == "[Unreleased]", headings
    versions = [Version(match.group("version")) for match in RELEASE.finditer(CHANGELOG)]
    assert len(versions) == len(headings) - 1, f"a heading is neither Unreleased nor a dated release: {headings}"
    assert versions == sorted(versions, reverse=True), "releases are not newest first"


def test_the_license_file_is_the_license_the_package_declares() -> None:
    config = configparser.ConfigParser()
    config.read(PROJECT_ROOT / "setup.cfg")
    declared = config["metadata"]["license"]
    assert config["metadata"]["license_files"] == "LICENSE"
    assert (PROJECT_ROOT / "LICENSE").read_text().splitlines()[0] == f"{declared} License"
