"""Free loopback ports, for the processes and servers voicesync starts itself (the embedded Redis,
the demo's Flower) and for the tests and benchmarks that start theirs."""

from __future__ import annotations

import socket


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
