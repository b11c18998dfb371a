"""日报制度: each level's daily report (community → street → district → city), its figures filled in
from the modules' board figures, its free-text sections, the policy's submission deadline, the level
above compiling its units' reports with one click, and the exports in the official layout."""
