"""Yes and no, as people type them ("yep", "go ahead", "actually no, leave it"): one definition
for every conversation that waits for an answer (the agent's confirmations, the strength log's
questions)."""

from __future__ import annotations

import re

#: Words a short answer may start with before its yes or no ("ok yes", "actually no").
_LEAD = r"^\s*(?:(?:actually|ok|okay|oh|hmm+|well|um+|then|so|ah)[ ,.!]+)?"
YES = re.compile(
    _LEAD + r"(y|yes|yep|yeah|yup|sure|ok|okay|go|go ahead|do it|please do|confirm|correct|right"
    r"|sounds good|save it|log it|perfect|absolutely|of course|let's do it|go for it|please)\b",
    re.I,
)
NO = re.compile(
    _LEAD + r"(n|no|nope|nah|cancel|stop|don't|do not|never ?mind|not now|leave it|skip"
    r"|forget it|not yet|hold off)\b",
    re.I,
)
