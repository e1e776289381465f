"""The one place that classifies failures: what is retryable, what is not, and Retry-After."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
import requests

from shared import errors


@pytest.mark.parametrize(
    ("status", "cls", "retryable"),
    [
        (400, errors.InvalidRequest, False),
        (401, errors.AuthError, False),
        (403, errors.AuthError, False),
        (404, errors.NotFound, False),
        (409, errors.RetryableError, True),
        (422, errors.InvalidRequest, False),
        (429, errors.RateLimited, True),
        (500, errors.RetryableError, True),
        (502, errors.RetryableError, True),
        (503, errors.RetryableError, True),
        (504, errors.RetryableError, True),
        (418, errors.FatalError, False),
    ],
)
def test_status_classification(status: int, cls: type, retryable: bool) -> None:
    error = errors.error_for_status(status, "x", system="platform")
    assert type(error) is cls
    assert error.retryable is retryable
    assert isinstance(error, errors.ApiError)
    assert error.status_code == status


def test_transport_errors_are_retryable() -> None:
    where = "https://odoo.example"
    assert errors.error_for_transport(requests.ConnectTimeout(), system="odoo", where=where).retryable
    assert errors.error_for_transport(requests.ReadTimeout(), system="odoo", where=where).name == "timeout"
    assert errors.error_for_transport(requests.ConnectionError(), system="odoo", where=where).name == "connection"
    assert not errors.error_for_transport(requests.TooManyRedirects(), system="odoo", where=where).retryable


def test_retry_after_seconds_and_http_date() -> None:
    assert errors.parse_retry_after("7") == 7.0
    assert errors.parse_retry_after(None) is None
    assert errors.parse_retry_after("soon") is None
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 25 <= (errors.parse_retry_after(later) or 0) <= 30


@pytest.mark.parametrize(
    ("name", "cls"),
    [
        ("psycopg2.errors.SerializationFailure", errors.RetryableError),
        ("psycopg2.extensions.TransactionRollbackError", errors.RetryableError),
        ("odoo.exceptions.AccessDenied", errors.AuthError),
        ("odoo.exceptions.AccessError", errors.AuthError),
        ("odoo.exceptions.MissingError", errors.NotFound),
        ("odoo.exceptions.ValidationError", errors.InvalidRequest),
        ("builtins.ValueError", errors.InvalidRequest),
        ("odoo.exceptions.SomethingNew", errors.FatalError),
    ],
)
def test_odoo_names(name: str, cls: type) -> None:
    assert type(errors.error_for_odoo(name, "m")) is cls


def test_odoo_unknown_name_falls_back_to_status() -> None:
    assert errors.error_for_odoo("", "bad gateway", status=502).retryable


def test_errors_survive_pickling_with_their_fields() -> None:
    original = errors.RateLimited("slow down", status_code=429, retry_after=3.0, system="platform", name="rate")
    copy = pickle.loads(pickle.dumps(original))
    assert type(copy) is errors.RateLimited
    assert (copy.status_code, copy.retry_after, copy.system, copy.name) == (429, 3.0, "platform", "rate")
    assert str(copy) == "platform HTTP 429: slow down"


def test_every_classified_error_is_shown_to_each_observer_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(errors, "_observers", [])
    seen: list[errors.ApiError] = []
    errors.observe(seen.append)
    errors.observe(seen.append)  # registered twice, still shown once
    answer = requests.Response()
    answer.status_code = 503
    made = [
        errors.error_for_odoo("", "bad gateway", status=502),  # falls back to the status table
        errors.error_for_odoo("odoo.exceptions.AccessDenied", "no"),
        errors.error_for_odoo("psycopg2.OperationalError", 'database "x" does not exist'),
        errors.error_for_response(answer, "unavailable", system="platform"),
        errors.error_for_transport(requests.ReadTimeout(), system="platform", where="https://platform.example"),
    ]
    assert seen == made
    errors.RetryableError("built by hand", system="odoo")  # not a classification: not shown
    assert len(seen) == len(made)


@pytest.mark.parametrize(
    ("message", "cls"),
    [
        ('could not serialize access due to concurrent update\nCONTEXT:  SQL statement "SELECT 1 FROM"', "Retryable"),
        ("deadlock detected", "Retryable"),
        ("Missing required value for the field 'Due Date'", "Invalid"),
    ],
)
def test_a_refused_load_is_retryable_only_when_its_rows_met_a_concurrent_update(message: str, cls: str) -> None:
    error = errors.error_for_load("the links", [{"type": "error", "message": message}, {"message": "and more"}])
    assert type(error) is {"Retryable": errors.RetryableError, "Invalid": errors.InvalidRequest}[cls]
    assert error.message.startswith("the links: ") and error.message.endswith("; and more")
