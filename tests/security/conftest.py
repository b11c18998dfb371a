"""The attacks reuse the 快检 set-up (a round, a sampling point, a laboratory and its user) and the
scoping harness's city (tests/scoping/world.py, built once per module: `scoped`)."""

from tests.scoping.conftest import scoped, world  # noqa: F401 - fixtures
from tests.testing.conftest import setup  # noqa: F401 - a fixture
