"""The one place that reads Whoosh's private codec structures, for speed: a term's postings
a whole block at a time, its positions decoded in bulk, a segment's field lengths as one
column. Written against whoosh-reloaded 2.7.5 and its "W3" codec. On any other installed
Whoosh (or another codec) every function here uses Whoosh's public matcher and reader API
instead: slower (one Python call per posting), the same answers, so an upgrade can never
silently misread an index. tests/test_whoosh_codec.py checks both paths agree."""
import pickle

import numpy as np
import whoosh

TESTED_VERSION = (2, 7, 5)
try:
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
    from whoosh.util.numeric import byte_to_length
except ImportError:  # a Whoosh without the W3 codec's internals: the public API only
    W3LeafMatcher = None
FAST = whoosh.__version__ == TESTED_VERSION and W3LeafMatcher is not None
if FAST:
    _LENGTHS = np.array([byte_to_length(b) for b in range(256)], dtype=np.float32)


def read_postings(matcher, with_positions: bool = False, fast: bool | None = None):
    """(docnums, weights[, positions]) of a leaf matcher (deleted documents included),
    docnums local to the segment; positions is (counts per posting, every position)."""
    if fast if fast is not None else FAST and isinstance(matcher, W3LeafMatcher):
        return _w3_postings(matcher, with_positions)
    ids, weights, counts, positions = [], [], [], []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        if with_positions:
            found = matcher.value_as("positions")
            counts.append(len(found))
            positions.extend(found)
        matcher.next()
    out = (np.array(ids, dtype=np.int64), np.array(weights, dtype=np.float32))
    return out + ((np.array(counts, dtype=np.int64), np.array(positions, dtype=np.int64)),) if with_positions else out


def _w3_postings(matcher, with_positions: bool):
    """Whoosh 3 blocks hold delta-coded ids (each block starting from its first absolute
    id), so one running sum over all blocks needs each block's first id made relative to
    the previous block's last; positions are pickled deltas after a 4-byte length."""
    deltas, weights, values = [], [], []
    previous_last = 0
    while matcher.is_active():
        if matcher._data is None:
            matcher._read_data()
        block_ids, block_weights = matcher._data[0], matcher._data[1]
        start = len(deltas)
        deltas.extend(block_ids)
        deltas[start] -= previous_last
        previous_last = matcher._maxid
        if isinstance(block_weights, tuple):
            weights.extend(block_weights)
        else:  # None: all 1.0; a float: all the same
            weights.extend([1.0 if block_weights is None else block_weights] * len(block_ids))
        if with_positions:
            matcher._read_values()
            values.extend(matcher._values)
        matcher._next_block()
    out = (np.cumsum(np.array(deltas, dtype=np.int64)), np.array(weights, dtype=np.float32))
    if not with_positions:
        return out
    codes, counts = [], []
    for value in values:
        decoded = pickle.loads(value[4:] if value.endswith(b".") else value[4:] + b".")
        codes.extend(decoded)
        counts.append(len(decoded))
    counts = np.array(counts, dtype=np.int64)
    codes = np.array(codes, dtype=np.int64)
    running = np.cumsum(codes)
    firsts = np.cumsum(counts) - counts
    positions = running - np.repeat(running[firsts] - codes[firsts], counts)  # each posting from 0
    return out + ((counts, positions),)


def field_lengths(leaf, fieldname: str, fast: bool | None = None) -> np.ndarray:
    """Every document's length of `fieldname` in one segment (Whoosh's byte-coded lengths)."""
    size = leaf.doc_count_all()
    if fast if fast is not None else FAST:
        lengths = leaf._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        if lengths is None:
            return np.zeros(size, dtype=np.float32)
        return _LENGTHS[np.fromiter(iter(lengths), dtype=np.uint8, count=size)]
    return np.array([leaf.doc_field_length(n, fieldname, 0) for n in range(size)], dtype=np.float32)
