"""What the policy app lets a role do (registered with the platform in registry.py)."""

POLICY_MANAGE = "policy.manage"
