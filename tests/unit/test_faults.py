"""The sandboxes' fault injection: the same faults on every run, whatever the order of requests."""

from __future__ import annotations

import random

from sandbox.faults import FaultInjector, FaultSettings

FLAKY = FaultSettings(rate_429=0.1, rate_5xx=0.1, rate_timeout=0.05)


def outcomes(requests: list[str], seed: int = 7) -> dict[str, list[str | None]]:
    """Each request's faults, attempt by attempt, in the order given."""
    injector = FaultInjector(FaultSettings(**FLAKY.as_dict()), seed=seed)
    seen: dict[str, list[str | None]] = {}
    for request in requests:
        seen.setdefault(request, []).append(injector.roll(request))
    return seen


def test_a_request_s_faults_do_not_depend_on_what_else_arrives_or_when() -> None:
    requests = [f"GET /v1/calls?page={n % 40}" for n in range(400)]  # each page asked ten times
    shuffled = random.Random(1).sample(requests, len(requests))
    assert outcomes(requests) == outcomes(shuffled)
    others = [f"GET /v1/contacts?page={n % 7}" for n in range(400)]
    interleaved = outcomes([request for pair in zip(others, requests, strict=True) for request in pair])
    assert {request: interleaved[request] for request in set(requests)} == outcomes(requests)


def test_the_seed_chooses_the_faults_and_the_rates_hold() -> None:
    requests = [f"GET /v1/contacts/{n}" for n in range(4000)]
    first, other = outcomes(requests, seed=1), outcomes(requests, seed=2)
    assert first != other
    kinds = [kind for faults in first.values() for kind in faults]
    assert 0.08 < kinds.count("429") / len(kinds) < 0.12
    assert 0.08 < kinds.count("5xx") / len(kinds) < 0.12
    assert 0.03 < kinds.count("timeout") / len(kinds) < 0.07


def test_a_retried_request_draws_again_and_no_rates_means_no_faults() -> None:
    injector = FaultInjector(FaultSettings(rate_5xx=0.5), seed=3)
    attempts = [injector.roll("POST /v3/list-calls {}") for _ in range(40)]
    assert None in attempts and "5xx" in attempts  # a retry is not doomed to repeat its fault
    assert {FaultInjector(FaultSettings(), seed=3).roll("x") for _ in range(100)} == {None}
