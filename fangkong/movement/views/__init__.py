"""Pages of orderly movement: passes (views.passes), the checkpoint phone page and its scan API
(views.check), checkpoints and their logs (views.checkpoints), departures (views.departures)."""
