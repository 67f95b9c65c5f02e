"""Test-wide set-up: the shared fixtures (tests/support/fixtures.py)."""

pytest_plugins = ["tests.support.fixtures"]
