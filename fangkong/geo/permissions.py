"""What the registry of places and people lets a role do (registered with the platform in registry.py)."""


class GeoCap:
    REVEAL_ID = "geo.reveal_id"
    EXPORT = "geo.export"
    IMPORT = "geo.import"  # the bulk import app (fangkong.imports) acts under it
