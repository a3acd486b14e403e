"""The dhcp-agent's errors: each one carries a sentence an operator can act on."""

from __future__ import annotations


class HostTableError(ValueError):
    """Base class: the requested change was refused and the table is unchanged."""


class InvalidValue(HostTableError):
    """A MAC, address, mask or name that is not what it claims to be."""


class Conflict(HostTableError):
    """A valid request that contradicts what the table already holds."""
