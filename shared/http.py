"""The one way voicesync makes an HTTP request: one session per client, errors classified once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from shared.errors import ApiError, DataError, RetryableError, error_for_transport
from shared.urls import origin

USER_AGENT = "voicesync/0.1"


def new_session(headers: dict[str, str], pool_size: int = 10) -> requests.Session:
    """A pooled keep-alive session; retries are voicesync's job, not urllib3's."""
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=pool_size, pool_maxsize=pool_size, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers.update({"User-Agent": USER_AGENT, **headers})
    return session


def send(
    session: requests.Session,
    method: str,
    url: str,
    *,
    system: str,
    timeout: float,
    classify: Callable[[requests.Response], ApiError],
    **kwargs: Any,
) -> requests.Response:
    """Send one request; return a 2xx answer or raise the classified :class:`ApiError`.

    ``classify`` turns an error answer into an error in the system's own terms.
    """
    try:
        response = session.request(method, url, timeout=timeout, **kwargs)
    except requests.RequestException as exc:
        raise error_for_transport(exc, system=system, where=origin(url)) from None
    if response.status_code >= 400:
        raise classify(response)
    return response


def json_body(response: requests.Response, *, system: str) -> Any:
    """The answer's JSON, or a retryable error when a proxy answered with something else; JSON
    nested too deeply to parse is bad data (asking again brings the same)."""
    try:
        return response.json()
    except RecursionError:
        raise DataError(f"{system} answered JSON nested too deeply to read") from None
    except ValueError:
        raise RetryableError(
            f"answer is not JSON (HTTP {response.status_code})", system=system, name="bad_json"
        ) from None
