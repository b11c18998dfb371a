"""快检 pages, one module per working group: rounds and coverage (planning, the command centre),
sampling (sampling staff), lab (laboratories), field (grid workers: door-knocking, re-sampling),
board (deadlines, progress, the press report)."""
