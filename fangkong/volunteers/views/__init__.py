"""Pages of the volunteers module: public (apply; the volunteer's own phone pages) and the coordinator's."""
