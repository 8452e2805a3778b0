"""jdreview: turn raw, scraped job postings into clean job descriptions.

The public API, for notebooks and scripts:

>>> from jdreview import Posting, auto_filter, default_rules
>>> result = auto_filter(Posting.from_text("Data Engineer\\nApply\\n"), default_rules())
>>> result.cleaned_text()
'Data Engineer\\n'
"""

from .engines.local import Cleaner
from .errors import InputError
from .filter.classifier import Classifier, default_classifier, load_classifier
from .filter.decision import Decision, FilterConfig, FilterResult
from .filter.pipeline import auto_filter
from .filter.rules import Rule, RuleSet, default_rules, load_rule_sets, load_rules
from .filter.segments import split_segments
from .io.inputs import load_posting
from .io.posting import Posting
from .version import __version__

__all__ = [
    "Classifier", "Cleaner", "Decision", "FilterConfig", "FilterResult", "InputError", "Posting", "Rule", "RuleSet",
    "auto_filter", "default_classifier", "default_rules", "load_classifier", "load_posting", "load_rule_sets", "load_rules",
    "split_segments", "__version__",
]
