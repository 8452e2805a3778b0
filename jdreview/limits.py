"""Bounds shared by the core's caches.

The filter caches per-line work (normalised text, rule decisions, features) because page
chrome repeats across a site's postings. Each cache holds at most ``CACHE_ENTRIES``
lines and is emptied when full, so a batch of millions of distinct postings keeps a
bounded footprint (tens of MB) while the repeated lines of a site stay cheap.
"""

CACHE_ENTRIES = 20_000
