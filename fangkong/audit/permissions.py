"""What the audit app lets a role do (registered with the platform in registry.py)."""

AUDIT_VIEW = "audit.view"
