"""A pretrained semantic signal: wordllama's bundled static token embeddings.

A line's embedding is the mean of its tokens' vectors (wordllama's ``l2_supercat``
model, the first ``dims`` of its 256 Matryoshka dimensions), unit length, times
``sqrt(dims)`` so each dimension is about the size of a word feature. The weights and the
tokenizer ship inside the ``wordllama`` wheel: they are read from the installed package's
files (found without importing it: its ``__init__`` configures the root logger), never
downloaded. NumPy and ``tokenizers`` come with it.

Texts are embedded in batches (one tokenizer call for all the new texts of a posting) and
cached by text like the other per-line caches.
"""

from __future__ import annotations

import importlib.util
import math
import os
from collections.abc import Sequence
from typing import Any

from ..errors import InputError
from ..limits import CACHE_ENTRIES

#: the model of wordllama the classifier's ``sem:`` weights were learned on
MODEL = "l2_supercat"
#: its full width (the Matryoshka dimensions a classifier may truncate to)
FULL_DIMS = 256

_LOADED: tuple[Any, Any] | None = None  # (tokenizer, embedding matrix, all 256 dims)
_CACHE: dict[tuple[str, int], Any] = {}  # (text, dims) -> unit vector * sqrt(dims)


def _files() -> tuple[str, str]:
    spec = importlib.util.find_spec("wordllama")
    if spec is None or not spec.submodule_search_locations:
        raise InputError("classifier", "this classifier uses semantic features, which need "
                         "the wordllama package: pip install wordllama")
    root = list(spec.submodule_search_locations)[0]
    return (os.path.join(root, "tokenizers", f"{MODEL}_tokenizer_config.json"),
            os.path.join(root, "weights", f"{MODEL}_{FULL_DIMS}.safetensors"))


def _load() -> tuple[Any, Any]:
    global _LOADED
    if _LOADED is None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        tok_path, weights_path = _files()
        for path in (tok_path, weights_path):
            if not os.path.isfile(path):
                raise InputError(path, "wordllama's bundled model file is missing; reinstall wordllama")
        tok = Tokenizer.from_file(tok_path)
        tok.no_padding()
        tok.no_truncation()
        emb = load_file(weights_path)["embedding.weight"]
        _LOADED = (tok, emb)
    return _LOADED


def embed(texts: Sequence[str], dims: int) -> list[Any]:
    """Each text's embedding (a NumPy vector of ``dims``), the new texts in one batch."""
    import numpy as np

    new = list(dict.fromkeys(t for t in texts if (t, dims) not in _CACHE))
    if new:
        tok, emb = _load()
        encs = tok.encode_batch(new, add_special_tokens=False)
        lens = np.fromiter((len(e.ids) for e in encs), dtype=np.int64, count=len(encs))
        ids = np.fromiter((i for e in encs for i in e.ids), dtype=np.int64, count=int(lens.sum()))
        np.clip(ids, 0, emb.shape[0] - 1, out=ids)
        vecs = np.zeros((len(new), dims), dtype=np.float64)
        nonempty = lens > 0
        if ids.size:
            rows = emb[ids, :dims].astype(np.float64)
            starts = np.concatenate(([0], np.cumsum(lens)[:-1]))[nonempty]
            vecs[nonempty] = np.add.reduceat(rows, starts, axis=0)
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        vecs *= math.sqrt(dims) / norms
        vecs = np.round(vecs, 5)  # what a training row holds is what scoring multiplies
        if len(_CACHE) + len(new) > CACHE_ENTRIES:
            _CACHE.clear()
        for t, v in zip(new, vecs, strict=True):
            _CACHE[(t, dims)] = v
    return [_CACHE[(t, dims)] if (t, dims) in _CACHE else embed([t], dims)[0] for t in texts]


def names(dims: int) -> list[str]:
    """The feature names of the dimensions: ``sem:0`` ... """
    return [f"sem:{k}" for k in range(dims)]


def features(texts: Sequence[str], dims: int) -> list[list[tuple[str, float]]]:
    """Per text, its embedding as named features (for training and explaining)."""
    ns = names(dims)
    return [[(n, float(x)) for n, x in zip(ns, v, strict=True) if x] for v in embed(texts, dims)]
