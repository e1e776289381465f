"""gunicorn's and Flower's settings come with the installed package, not from the working
directory: each starts from an empty folder as it does in the checkout (and as the image runs it,
from a ``WORKDIR`` that holds nothing of voicesync's)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from importlib.util import find_spec
from pathlib import Path

import pytest
import requests

import web
from shared.ports import free_port
from shared.settings import PROJECT_ROOT

LOGIN = ("operator", "flower-login-0123456789")


@pytest.fixture
def empty_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working directory outside the checkout, for this test and the processes it starts."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


def start_flower(start_server: Callable[..., str], env: dict[str, str]) -> str:
    """``celery -A workers flower`` on a free port; its URL once it answers."""
    port = free_port()
    argv = [sys.executable, "-m", "celery", "-A", "workers", "flower", f"--port={port}", "--address=127.0.0.1"]
    return start_server("flower", argv, env, port, "/healthcheck", 60)


@pytest.mark.parametrize("login_in", ["environment", ".env"])
def test_flower_started_outside_the_checkout_asks_for_its_login(
    env: dict[str, str], empty_folder: Path, start_server: Callable[..., str], login_in: str
) -> None:
    """It once read its settings from ./flowerconfig.py only: started elsewhere, it served every
    page to anybody. The login may be in the environment or in the ``.env`` voicesync reads."""
    bare = {key: value for key, value in env.items() if not key.startswith("FLOWER_")}
    if login_in == ".env":
        (empty_folder / ".env").write_text(f"FLOWER_BASIC_AUTH={':'.join(LOGIN)}\n")
    else:
        bare["FLOWER_BASIC_AUTH"] = ":".join(LOGIN)
    url = start_flower(start_server, bare)
    assert requests.get(f"{url}/api/workers", timeout=10).status_code == 401
    assert requests.get(f"{url}/", timeout=10).status_code == 401
    assert requests.get(f"{url}/api/workers", auth=LOGIN, timeout=10).status_code == 200


def test_the_receiver_starts_from_an_empty_folder_with_the_installed_config(
    env: dict[str, str], empty_folder: Path, start_receiver: Callable[[dict[str, str]], str], tmp_path: Path
) -> None:
    """``gunicorn -c python:web.gunicorn_config``: the module is part of the installed ``web``
    package, and its settings apply (the receiver listens where ``VOICESYNC_WEB_BIND`` says)."""
    spec = find_spec("web.gunicorn_config")
    assert spec is not None and spec.origin is not None
    assert Path(spec.origin).parent == Path(web.__file__).parent
    assert not (PROJECT_ROOT / "gunicorn.conf.py").exists(), "a second gunicorn config beside the package"
    url = start_receiver({**env, "DATABASE_URL": f"sqlite:///{tmp_path / 'ledger.db'}"})
    assert requests.get(f"{url}/healthz", timeout=5).status_code == 200
    assert list(empty_folder.iterdir()) == [], "the receiver wrote into its working directory"
