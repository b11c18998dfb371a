"""The user guide's table of alert rules is the registry's: every rule a module registers is a row
(its key and its label), in the registry's order, and the table names no rule that is not registered;
the operator guide's list of keys for a webhook names every rule too."""

from __future__ import annotations

import re
from pathlib import Path

from fangkong.notifications.rules import rules

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _table_keys() -> list[str]:
    text = (DOCS / "user-guide" / "notifications.md").read_text(encoding="utf-8")
    section = text.split("## What you are told, and who", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and not line.startswith("| rule")]
    return [m.group(1) for line in rows if (m := re.search(r"\(`([a-z_]+\.[a-z_]+)`\)", line.split(" | ")[0]))]


def test_the_user_guide_lists_every_registered_rule_in_order():
    registered = [r.key for r in rules.all()]
    assert _table_keys() == registered
    text = (DOCS / "user-guide" / "notifications.md").read_text(encoding="utf-8")
    for rule in rules.all():
        assert str(rule.label) in text, rule.key  # the label a user sees on 我接收的通知
    assert "will be added" not in text


def test_the_operator_guide_names_every_rule_key_a_webhook_may_choose():
    text = (DOCS / "operator-guide.md").read_text(encoding="utf-8")
    line = next(row for row in text.splitlines() if row.startswith("| 规则 |"))
    assert {r.key for r in rules.all()} <= set(re.findall(r"`([a-z_]+\.[a-z_]+)`", line))
