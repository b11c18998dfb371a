"""The attacks reuse the 快检 set-up (a round, a sampling point, a laboratory and its user)."""

from tests.testing.conftest import setup  # noqa: F401 - a fixture
