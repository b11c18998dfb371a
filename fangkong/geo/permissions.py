"""What the registry of places and people lets a role do (registered with the platform in registry.py)."""


class GeoCap:
    VIEW_PEOPLE = "geo.view_people"  # the residents of the caller's places: names, households, the person record
    REVEAL_ID = "geo.reveal_id"
    EXPORT = "geo.export"
    IMPORT = "geo.import"  # the bulk import app (fangkong.imports) acts under it
