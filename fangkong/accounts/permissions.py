"""What the accounts app lets a role do (registered with the platform in registry.py)."""

ACCOUNTS_MANAGE = "accounts.manage"
