"""Writes of orderly movement: vehicle passes (request, approve, revoke) and their scans at
checkpoints, checkpoints and their logs, departure applications (file, decide) and departures."""
