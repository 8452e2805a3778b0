"""jdreview: turn raw, scraped job postings into clean job descriptions.

The public API, for notebooks and scripts:

>>> from jdreview import Posting, auto_filter, default_rules
>>> result = auto_filter(Posting.from_text("Data Engineer\\nApply\\n"), default_rules())
>>> result.cleaned_text()
'Data Engineer\\n'
"""

from .errors import InputError
from .filtering import Decision, FilterConfig, FilterResult, auto_filter, split_segments
from .posting import Posting, load_posting
from .rules import Rule, RuleSet, default_rules, load_rule_sets, load_rules

__version__ = "0.1.0"

__all__ = [
    "Decision", "FilterConfig", "FilterResult", "InputError", "Posting", "Rule", "RuleSet",
    "auto_filter", "default_rules", "load_posting", "load_rule_sets", "load_rules",
    "split_segments", "__version__",
]
