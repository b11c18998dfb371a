"""What 快转 tells the modules above it (fangkong.core.hooks)."""

from fangkong.core.hooks import Hook

# A case was withdrawn (opened in error: the lab corrected the result). Payload: case, actor, at,
# reason. 快隔 puts a contact back into isolation when the case had ended their isolation.
CASE_WITHDRAWN = Hook("cases.case_withdrawn")
