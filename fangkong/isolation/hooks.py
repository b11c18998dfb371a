"""What 快隔 tells the modules above it (fangkong.core.hooks)."""

from fangkong.core.hooks import Hook

# A person under isolation tested positive and became a case (payload: episode, case). 流调 marks
# the contact record isolated under that episode as turned case.
EPISODE_TURNED_POSITIVE = Hook("isolation.episode_turned_positive")
