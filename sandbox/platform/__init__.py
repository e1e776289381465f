"""A stand-in for the voice-AI calling platform's API over real HTTP (see ``service``), speaking
the API of one vendor (``vendors``)."""

from sandbox.platform.service import PlatformSandbox
from sandbox.platform.webhooks import Credential

__all__ = ["Credential", "PlatformSandbox"]
