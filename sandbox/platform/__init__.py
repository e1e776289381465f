"""A stand-in for the voice-AI calling platform's API over real HTTP (see ``service``)."""

from sandbox.platform.service import PlatformSandbox

__all__ = ["PlatformSandbox"]
