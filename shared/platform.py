"""Client of the voice platform's API: one session, Bearer auth, classified errors, page walks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol
from urllib.parse import quote

import requests

from shared.errors import ApiError, DataError, RateLimited, error_for_response
from shared.http import json_body, new_session, send
from shared.pagination import Page, PageNumberPaginator
from shared.settings import Settings

SYSTEM = "platform"


class RateGate(Protocol):
    """What the client needs of a shared rate limit (see :mod:`shared.ratelimit`)."""

    def wait(self) -> None: ...

    def pause(self, seconds: float) -> None: ...


def _classify(response: requests.Response) -> ApiError:
    """The platform's ``{"error": {"code", "message"}}`` envelope, or the bare status."""
    try:
        error = response.json().get("error") or {}
        message, code = str(error.get("message") or response.reason), str(error.get("code") or "")
    except (ValueError, AttributeError):
        message, code = response.reason or "error", ""
    return error_for_response(response, message, system=SYSTEM, name=code)


def _segment(record_id: str) -> str:
    """A record id as one path segment, whatever characters it holds."""
    return quote(record_id, safe="")


class PlatformClient:
    """Reads and writes the platform's records; every failure is an :class:`ApiError`."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 10.0,
        page_size: int = 200,
        gate: RateGate | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.gate = gate
        self.timeout = timeout
        self.page_size = page_size
        self._session = new_session({"Authorization": f"Bearer {api_key}", "Accept": "application/json"})

    @classmethod
    def from_settings(cls, settings: Settings, gate: RateGate | None = None) -> PlatformClient:
        return cls(
            settings.voice_api_url,
            settings.voice_api_key,
            timeout=settings.voice_timeout,
            page_size=settings.voice_page_size,
            gate=gate,
        )

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        if self.gate is not None:
            self.gate.wait()
        try:
            response = send(
                self._session,
                method,
                f"{self.base_url}{path}",
                system=SYSTEM,
                timeout=self.timeout,
                classify=_classify,
                **kwargs,
            )
        except RateLimited as exc:
            if self.gate is not None:
                self.gate.pause(exc.retry_after or 1.0)
            raise
        return json_body(response, system=SYSTEM)

    def get(self, path: str, record_id: str) -> dict[str, Any]:
        """One record, read now (API first: webhooks only say that something changed). The id is
        quoted into the path, and an answer about another record is refused: an id from a webhook
        must never reach a different record (``../campaigns/x``, ``x?y=1``)."""
        record = self._request("GET", f"/v1/{path}/{_segment(record_id)}")
        if not isinstance(record, dict) or str(record.get("id")) != record_id:
            raise DataError(f"{SYSTEM} answered {path}/{record_id!r} with another record")
        return record

    def page(self, path: str, number: int, *, updated_since: str | None = None, per_page: int | None = None) -> Page:
        params: dict[str, Any] = {"page": number, "per_page": per_page or self.page_size}
        if updated_since:
            params["updated_since"] = updated_since
        return Page.from_json(number, self._request("GET", f"/v1/{path}", params=params))

    def pages(self, path: str, *, updated_since: str | None = None, start: int = 1) -> Iterator[Page]:
        """Walk every page in order from ``start``."""
        paginator = PageNumberPaginator(start)
        while paginator.current is not None:
            page = self.page(path, paginator.current, updated_since=updated_since)
            paginator.update(page)
            yield page

    def create_contact(self, values: dict[str, Any]) -> dict[str, Any]:
        return self._request("POST", "/v1/contacts", json=values)

    def update_contact(self, record_id: str, values: dict[str, Any]) -> dict[str, Any]:
        return self._request("PATCH", f"/v1/contacts/{_segment(record_id)}", json=values)

    def close(self) -> None:
        self._session.close()
