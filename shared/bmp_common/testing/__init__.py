"""Test helpers every service's tests share (pytest plugin, contract-validating client)."""
