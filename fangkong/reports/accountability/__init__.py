"""跟踪问效: per unit one level below the user's, over a period, the figures of 督导 (findings and
rectifications), of the system's flags and of the daily reports, each with its items."""
