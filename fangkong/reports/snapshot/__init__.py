"""The board's snapshot (docs/decisions/0013-board-snapshot.md): every drillable figure's rows and the
stats as at one moment, kept by the worker each minute; the board and its drill-down read the same
snapshot, so a figure always equals its list. Closed days of the trends are kept per jurisdiction."""
