"""Settings refused as a process starts, each in one line naming the setting: a misspelt name, a
credential of the wrong shape, a replayable signing format, a receiver with no credential."""

from __future__ import annotations

import pytest

from shared import platforms
from shared.errors import ConfigError
from shared.settings import Settings

SECRET = "a-vapi-secret-of-enough-length"


@pytest.mark.parametrize(
    ("name", "nearest"),
    [
        ("VAPI_WEBHOOK_SECRT", "VAPI_WEBHOOK_SECRET"),
        ("VOICESYNC_LOCK_TTLS", "VOICESYNC_LOCK_TTL"),
        ("RETELL_WEBHOOK_APIKEY", "RETELL_WEBHOOK_API_KEY"),
        ("BLAND_SIGNING_SECRET", "BLAND_WEBHOOK_SECRET"),
        ("VAPI_QWERTYUIOPASDF", None),
    ],
)
def test_an_unknown_name_is_refused_with_the_nearest_known_one(name: str, nearest: str | None) -> None:
    with pytest.raises(ConfigError) as refused:
        Settings.from_env({"VOICE_PLATFORM": "vapi", "VAPI_WEBHOOK_SECRET": SECRET, name: "x"})
    message = str(refused.value)
    assert message.startswith(f"setting {name} is not one voicesync reads")
    assert (f"did you mean {nearest}?" in message) if nearest else "did you mean" not in message


def test_the_names_the_projects_tools_read_are_not_refused() -> None:
    Settings.from_env({"VOICESYNC_CONTRACT_ODOO_URL": "http://odoo", "VOICESYNC_DEMO_FLOWER_PORT": "5555"})


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"VOICE_PLATFORM": "retell", "RETELL_WEBHOOK_API_KEY": "a"}, "RETELL_WEBHOOK_API_KEY"),
        ({"VOICE_PLATFORM": "retell", "VOICE_API_KEY": "short"}, "VOICE_API_KEY"),
        (
            {"VOICE_PLATFORM": "vapi", "VAPI_WEBHOOK_SECRET": SECRET, "VAPI_WEBHOOK_AUTH": "hmac",
             "VAPI_WEBHOOK_PAYLOAD": "{body}"},
            "{timestamp}",
        ),
    ],
)  # fmt: skip
def test_a_credential_of_the_wrong_shape_is_refused(values: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        Settings.from_env(values)


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"VOICE_PLATFORM": "generic"}, "VOICE_WEBHOOK_SECRET"),
        ({"VOICE_PLATFORM": "vapi"}, "VAPI_WEBHOOK_SECRET"),
        ({"VOICE_PLATFORM": "retell"}, "RETELL_WEBHOOK_API_KEY"),
    ],
)
def test_a_receiver_without_a_credential_is_refused(values: dict[str, str], named: str) -> None:
    """It would answer 401 to every delivery (and Vapi never retries one); the other commands
    (status, resync) need no webhook credential and still start."""
    settings = Settings.from_env(values)
    with pytest.raises(ConfigError, match=f"setting {named}.* is required to receive"):
        platforms.receiving(settings)


def test_vapi_s_bearer_mode_warns_and_hmac_does_not() -> None:
    bearer = platforms.receiving(Settings.from_env({"VOICE_PLATFORM": "vapi", "VAPI_WEBHOOK_SECRET": SECRET}))
    assert any("VAPI_WEBHOOK_AUTH=hmac" in warning for warning in bearer.warnings)
    hmac = Settings.from_env({"VOICE_PLATFORM": "vapi", "VAPI_WEBHOOK_SECRET": SECRET, "VAPI_WEBHOOK_AUTH": "hmac"})
    assert platforms.receiving(hmac).warnings == ()
