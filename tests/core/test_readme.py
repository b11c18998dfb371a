"""The README says what the demo does: the port option it documents exists, and round 8 is described
as the demo leaves it (采样中, not "completed")."""

from __future__ import annotations

from pathlib import Path

from fangkong.demo.management.commands.demo import Command

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def test_the_readme_says_how_to_pick_another_port():
    assert "python3 dev.py demo --port 8001" in README
    assert Command().create_parser("manage.py", "demo").parse_args(["--port", "8001"]).port == 8001


def test_the_readme_describes_round_8_as_the_demo_leaves_it():
    assert "completed testing round" not in README and "still open (采样中" in README
