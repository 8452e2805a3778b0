"""Bounds shared by the core's caches.

The filter caches per-line work (normalised text, rule decisions, features) because page
chrome repeats across a site's postings. Each cache holds at most ``CACHE_ENTRIES``
lines and is emptied when full, so a batch of millions of distinct postings keeps a
bounded footprint (tens of MB) while the repeated lines of a site stay cheap.
"""

#: 8,192 holds every line of the 71 corpus texts (4,789) with their segments, so a batch
#: from a few sites stays all cache hits, and keeps a distinct batch's clean process
#: at about 160 MB (20,000 took it to 310 MB: the caches of distinct lines only cost)
CACHE_ENTRIES = 8_192
