"""jdreview: turn raw, scraped job postings into clean job descriptions.

The public API, for notebooks and scripts:

>>> from jdreview import Posting, auto_filter, default_rules
>>> result = auto_filter(Posting.from_text("Data Engineer\\nApply\\n"), default_rules())
>>> result.cleaned_text()
'Data Engineer\\n'
"""

from typing import TYPE_CHECKING, Any

from .errors import InputError
from .version import __version__

# The names below load when first used (PEP 562): the review window imports
# jdreview.gui, and so this package, before it shows; the filter loads afterwards.
_LAZY = {
    "Cleaner": "engines.local", "Classifier": "filter.classifier", "default_classifier": "filter.classifier",
    "load_classifier": "filter.classifier", "Decision": "filter.decision", "FilterConfig": "filter.decision",
    "FilterResult": "filter.decision", "auto_filter": "filter.pipeline", "Rule": "filter.rules",
    "RuleSet": "filter.rules", "default_rules": "filter.rules", "load_rule_sets": "filter.rules",
    "load_rules": "filter.rules", "split_segments": "filter.segments", "load_posting": "io.inputs",
    "Posting": "io.posting",
}

if TYPE_CHECKING:
    from .engines.local import Cleaner
    from .filter.classifier import Classifier, default_classifier, load_classifier
    from .filter.decision import Decision, FilterConfig, FilterResult
    from .filter.pipeline import auto_filter
    from .filter.rules import Rule, RuleSet, default_rules, load_rule_sets, load_rules
    from .filter.segments import split_segments
    from .io.inputs import load_posting
    from .io.posting import Posting


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'jdreview' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "Classifier", "Cleaner", "Decision", "FilterConfig", "FilterResult", "InputError", "Posting", "Rule", "RuleSet",
    "auto_filter", "default_classifier", "default_rules", "load_classifier", "load_posting", "load_rule_sets", "load_rules",
    "split_segments", "__version__",
]
