"""What a call's note says, and which calls have ended, from the mapped values alone."""

from __future__ import annotations

import pytest

from shared.call_notes import body, has_ended
from shared.entities import ENTITIES


@pytest.mark.parametrize(
    ("status", "ended_at", "ended"),
    [
        ("ended", False, True),  # Vapi, Retell
        ("completed", False, True),  # generic, Bland
        ("no_answer", False, True),
        ("no-answer", False, True),
        ("not_connected", False, True),  # Retell
        ("failed", False, True),
        ("in-progress", False, False),
        ("queued", False, False),
        (False, False, False),
        ("registered", "2026-12-01 10:14:32", True),  # an end time says it, whatever the status
    ],
)
def test_a_call_has_ended_by_its_end_time_or_its_status(status: str | bool, ended_at: str | bool, ended: bool) -> None:
    assert has_ended({"x_status": status, "x_ended_at": ended_at}) is ended


def test_the_note_reads_at_a_glance_escapes_what_the_vendor_says_and_links_the_call() -> None:
    values = ENTITIES["calls"].mapper.map(
        {
            "id": "cl_1",
            "updated_at": "2026-12-25T14:40:00Z",
            "direction": "outbound",
            "status": "ended",
            "ended_reason": "assistant-ended-call",
            "started_at": "2026-12-25T14:21:00Z",
            "duration_seconds": 812,
            "summary": "Wants <b>two</b> seats",
            "success_evaluation": "true",
        }
    )
    text = body(values, 42)
    assert text.startswith("<p><strong>Outbound call</strong></p>")
    assert "2026-12-25 14:21 UTC · duration 13:32 · outcome: ended / assistant ended call · successful" in text
    assert "Wants &lt;b&gt;two&lt;/b&gt; seats" in text
    assert 'href="/mail/view?model=x_voicesync_call&amp;res_id=42"' in text
