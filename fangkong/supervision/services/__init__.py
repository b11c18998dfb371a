"""督导's writes: teams and assignments, inspections, rectifications (each atomic and audited)."""
