"""Operator actions shared by the CLI and the admin API: start a resync, replay dead letters."""

from __future__ import annotations

from shared.entities import ENTITIES
from shared.reconcile import choose_mode
from shared.services import Services
from workers.app import app


def start_resync(services: Services, entity: str, *, full: bool = False, since: str | None = None) -> int:
    """Open a queued run for ``entity`` and enqueue its reconciliation; returns the run id."""
    if entity not in ENTITIES:
        raise ValueError(f"unknown entity {entity!r}; one of {', '.join(ENTITIES)}")
    mode, since = choose_mode(services, entity, full=full, since=since)
    run = services.runs.start(entity, mode, since, status="queued")
    app.send_task(
        f"{entity}.reconcile",
        kwargs={"full": mode == "full", "since": since, "run_id": run.id},
        queue=ENTITIES[entity].queue,
    )
    return run.id


def replay_dead_letter(services: Services, letter_id: int) -> str:
    """Send a dead letter's task again; the letter leaves the table when that run succeeds."""
    letter = services.dead_letters.get(letter_id)
    if letter is None:
        raise ValueError(f"no dead letter {letter_id}")
    result = app.send_task(
        letter.task_name,
        kwargs=letter.task_kwargs,
        headers={"dead_letter_id": letter.id},
        queue=letter.task_name.split(".")[0],
    )
    return str(result.id)
