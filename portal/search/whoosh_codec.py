"""The one place that reads Whoosh's private codec structures, for speed: a term's postings
a whole block at a time, its positions decoded in bulk, a segment's field lengths as one
column. Written against whoosh-reloaded 2.7.5 and its "W3" codec. On any other installed
Whoosh (or another codec) every function here uses Whoosh's public matcher and reader API
instead: slower (one Python call per posting), the same answers, so an upgrade can never
silently misread an index. tests/test_whoosh_codec.py checks both paths agree."""
import re
import zlib
from pickle import loads

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
    return read_many([matcher], with_positions, fast)[0]


def read_many(matchers: list, with_positions: bool = False, fast: bool | None = None) -> list[tuple]:
    """read_postings of several leaf matchers (one term in each segment), the private-codec
    ones decoded together: an index of 100 segments pays numpy's fixed cost once a term."""
    private = FAST if fast is None else fast
    w3 = [m for m in matchers if private and W3LeafMatcher is not None and isinstance(m, W3LeafMatcher)]
    decoded, chosen = iter(_w3_postings(w3, with_positions) if w3 else []), {id(m) for m in w3}
    return [next(decoded) if id(m) in chosen else _public_postings(m, with_positions) for m in matchers]


def read_positions_within(matchers: list, wanted: list[np.ndarray], fast: bool | None = None) -> list[tuple]:
    """(docnums, positions per posting, every position) of each leaf matcher's postings in
    the documents `wanted` (one sorted array of local docnums per matcher), each posting's
    positions from 0. Blocks holding none of them are not read, and only the wanted
    postings' positions are decoded: a phrase checks positions only on the pages its word
    pairs allow. The private-codec matchers are decoded together, as in read_many."""
    private = (FAST if fast is None else fast) and W3LeafMatcher is not None
    w3 = [n for n, m in enumerate(matchers) if private and isinstance(m, W3LeafMatcher)]
    decoded = dict(zip(w3, _w3_positions_within([matchers[n] for n in w3], [wanted[n] for n in w3])))
    return [decoded[n] if n in decoded else _public_positions_within(m, w) for n, (m, w) in enumerate(zip(matchers, wanted))]


def _public_positions_within(matcher, wanted: np.ndarray) -> tuple:
    ids, values = [], []
    for docnum in wanted.tolist():
        if not matcher.is_active():
            break
        matcher.skip_to(docnum)
        if matcher.is_active() and matcher.id() == docnum:
            ids.append(docnum)
            values.append(matcher.value_as("positions"))
    counts = np.array([len(found) for found in values], dtype=np.int64)
    positions = np.array([p for found in values for p in found], dtype=np.int64)
    return np.array(ids, dtype=np.int64), counts, positions


def _w3_positions_within(matchers: list, wanted: list[np.ndarray]) -> list[tuple]:
    blocks, spans = [], []  # the blocks holding wanted ids: (matcher number, its wanted ids within)
    for n, (matcher, ids) in enumerate(zip(matchers, wanted)):
        low = 0
        while matcher.is_active() and low < len(ids):
            high = int(np.searchsorted(ids, matcher._maxid, side="right"))  # wanted ids up to this block's last
            if high > low:
                length = matcher._nextoffset - matcher._dataoffset
                blocks.append((matcher._blocklength, matcher._compression, matcher._postfile.get(matcher._dataoffset, length)))
                spans.append((n, ids[low:high]))
                low = high
            matcher._next_block()
    counts = np.array([count for count, _, _ in blocks], dtype=np.int64)
    blocks = [(count, False, _inflate((count, compressed, data))) for count, compressed, data in blocks]  # inflated once
    deltas = _fronts(blocks, counts)[0] if blocks else _NONE
    found, values = [[] for _ in matchers], []
    for (count, _, data), first, (n, ids) in zip(blocks, np.cumsum(counts) - counts, spans):
        block_ids = np.cumsum(deltas[first:first + count])  # each block's first id is absolute
        chosen = np.flatnonzero(ids[np.minimum(np.searchsorted(ids, block_ids), len(ids) - 1)] == block_ids)
        found[n].append(block_ids[chosen])
        values.extend(_chosen_values(data, count, chosen.tolist()))
    lengths, positions = _positions(values) if values else (_NONE, _NONE)
    per_matcher = np.array([sum(len(ids) for ids in parts) for parts in found], dtype=np.int64)
    cuts = np.cumsum(per_matcher)[:-1]
    position_cuts = np.concatenate(([0], np.cumsum(lengths)))[cuts]
    return [(np.concatenate(parts) if parts else _NONE, n, p)
            for parts, n, p in zip(found, np.split(lengths, cuts), np.split(positions, position_cuts))]


_NONE = np.zeros(0, dtype=np.int64)


# A block's values (bytes) are pickled with protocol 2 as calls of codecs.encode(text,
# "latin1"), which made unpickling a block of pairs ~200 µs. Each is BINUNICODE: "X", its
# length and the UTF-8 of the value read as Latin-1, which begins with Positions' 4-byte
# count (under 256 here) and the value's own pickle header.
_VALUE = re.compile(rb"X(.{4})(?=\x00\x00\x00(?:[\x00-\x7f]|[\xc2\xc3][\x80-\xbf])\xc2\x80\x02\]q\x00)", re.S)


def _chosen_values(data: bytes, count: int, chosen: list[int]) -> list[bytes]:
    """Some values of an inflated block, found in place; the block is unpickled when its
    values do not all read so (another layout, a count of 256 or more)."""
    found = list(_VALUE.finditer(data))
    if len(found) != count:
        values = loads(data)[2]
        return [values[i] for i in chosen]
    out = []
    for i in chosen:
        start = found[i].end()
        out.append(data[start:start + int.from_bytes(found[i].group(1), "little")].decode("utf-8").encode("latin-1"))
    return out


def _public_postings(matcher, with_positions: bool):
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


def _w3_postings(matchers: list, with_positions: bool) -> list[tuple]:
    """Whoosh 3 blocks are zlib-compressed pickles of (delta-coded ids, weights, values), each
    block's ids starting from its first absolute id, so one running sum over all blocks (of
    all the matchers) needs each block's first id made relative to the previous block's
    last. Without positions only the front of each block (ids, weights) is inflated, and
    read with numpy (_fronts)."""
    blocks, lasts, per_matcher = [], [], []  # blocks: (postings, compressed, stored bytes)
    for matcher in matchers:
        postings = 0
        while matcher.is_active():
            length = matcher._nextoffset - matcher._dataoffset
            blocks.append((matcher._blocklength, matcher._compression, matcher._postfile.get(matcher._dataoffset, length)))
            lasts.append(matcher._maxid)
            postings += matcher._blocklength
            matcher._next_block()
        per_matcher.append(postings)
    counts = np.array([count for count, _, _ in blocks], dtype=np.int64)
    if with_positions or counts.sum() < NUMPY_FROM:
        tuples = [loads(_inflate(block)) for block in blocks]
        deltas, weights = _unpickled(tuples)
    else:
        deltas, weights = _fronts(blocks, counts)
    deltas[np.cumsum(counts)[:-1]] -= np.array(lasts[:-1], dtype=np.int64)  # later blocks: from the previous last id
    cuts = np.cumsum(per_matcher)[:-1]
    out = zip(np.split(np.cumsum(deltas), cuts), np.split(weights.astype(np.float32), cuts))
    if not with_positions:
        return list(out)
    lengths, positions = _positions([value for block in tuples for value in block[2]])
    position_cuts = np.concatenate(([0], np.cumsum(lengths)))[cuts]
    return [(ids, w, (n, p)) for (ids, w), n, p in zip(out, np.split(lengths, cuts), np.split(positions, position_cuts))]


def _positions(values: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """(positions per posting, every position, each posting's from 0) of Whoosh's Positions
    values: pickled deltas after a 4-byte count. (Two faster-looking ways measured slower
    at 100k pages: numpy, as for the ids, since a tenth of the values hold a delta over 255;
    and one pickle of all the values' lists, whose survivors keep the garbage collector busy.)"""
    codes, counts = [], []
    for value in values:
        decoded = loads(value[4:] if value.endswith(b".") else value[4:] + b".")
        codes.extend(decoded)
        counts.append(len(decoded))
    counts, codes = np.array(counts, dtype=np.int64), np.array(codes, dtype=np.int64)
    running = np.cumsum(codes)
    firsts = np.cumsum(counts) - counts
    return counts, running - np.repeat(running[firsts] - codes[firsts], counts)  # each posting from 0


NUMPY_FROM = 256  # postings: numpy's fixed cost (~0.1 ms a term) pays from about two blocks


def _inflate(block, size: int = 0) -> bytes:
    """A block's pickle, or (size > 0) at least its first `size` bytes."""
    _, compressed, data = block
    return zlib.decompressobj().decompress(data, size) if compressed else data


def _unpickled(tuples: list[tuple]) -> tuple[np.ndarray, np.ndarray]:
    """(id deltas, weights) of unpickled blocks; Whoosh stores a block's weights as a tuple,
    one float for all, or None (all 1.0)."""
    deltas = np.array([i for block in tuples for i in block[0]], dtype=np.int64)
    weights = [np.array(w, dtype=np.float64) if isinstance(w, tuple) else np.full(len(ids), 1.0 if w is None else w)
               for ids, w, _ in tuples]
    return deltas, np.concatenate(weights) if weights else np.zeros(0)


# A block's pickle (protocol 2) begins: PROTO 2, MARK, an int opcode per id delta, TUPLE,
# BINPUT n, then the weights: NONE, one BINFLOAT, or MARK, a BINFLOAT per posting, TUPLE.
# (A tuple of up to 3 items is pickled without MARK: blocks that small are unpickled.)
PROTO, MARK, TUPLE, BINPUT, NONE, BINFLOAT = 0x80, 0x28, 0x74, 0x71, 0x4E, 0x47
BININT1 = 0x4B
_INT_WIDTH = np.zeros(256, dtype=np.int64)  # bytes of a pickled-int opcode and its argument; 0: not one
_INT_WIDTH[[BININT1, 0x4D, 0x4A]] = (2, 3, 5)  # BININT1, BININT2, BININT


def _fronts(blocks: list, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(id deltas, weights) of every block read from the front of its pickle with numpy;
    a block laid out otherwise than this expects is unpickled."""
    fronts = [_inflate(block, 2 + 1 + 5 * count + 3 + 2 + 9 * count) for block, count in zip(blocks, counts)]
    buffer, starts = _joined(fronts)
    deltas, ends, ok = _int_runs(buffer, starts + 3, counts)
    ok &= (counts > 3) & (buffer[starts] == PROTO) & (buffer[starts + 1] == 2) & (buffer[starts + 2] == MARK)
    ok &= (buffer[ends] == TUPLE) & (buffer[ends + 1] == BINPUT)
    at = np.minimum(ends + 3, len(buffer) - 9)  # the weights
    kind = buffer[at]
    single, listed = kind == BINFLOAT, kind == MARK
    ok &= single | listed | (kind == NONE)
    each = np.minimum(np.repeat(at + 1, counts) + 9 * _ranks(counts), len(buffer) - 9)  # a BINFLOAT per posting
    ok &= ~_any_per_row(np.repeat(listed, counts) & (buffer[each] != BINFLOAT), counts)
    weights = np.where(np.repeat(listed, counts), _doubles(buffer, each + 1),
                       np.where(np.repeat(single, counts), np.repeat(_doubles(buffer, at + 1), counts), 1.0))
    firsts = np.cumsum(counts) - counts
    for row in np.flatnonzero(~ok).tolist():  # unpickled
        at = slice(firsts[row], firsts[row] + counts[row])
        deltas[at], weights[at] = _unpickled([loads(_inflate(blocks[row]))])
    return deltas, weights


def _int_runs(buffer: np.ndarray, starts: np.ndarray, counts: np.ndarray):
    """counts[i] pickled ints one after another from each starts[i], for all rows at once:
    (their values row after row, where each row ended, which rows were read). A row is read
    when its first int is a BININT1, BININT2 or BININT and the others BININT1 (a delta
    under 256), as in nearly every block of ids and every list of positions; the values of
    a row not read are left for the caller to fill in."""
    width = _INT_WIDTH[buffer[starts]]
    b1, b2, b3, b4 = (buffer[np.minimum(starts + i, len(buffer) - 1)].astype(np.int64) for i in (1, 2, 3, 4))
    first = b1 + np.where(width > 2, b2 << 8, 0) + np.where(width > 3, (b3 << 16) + (b4 << 24), 0)
    first = np.where(width > 3, (first ^ 2**31) - 2**31, first)  # BININT is signed
    rest = np.maximum(counts - 1, 0)
    each = np.minimum(np.repeat(starts + width, rest) + 2 * _ranks(rest), len(buffer) - 2)  # the later opcodes
    ok = (width > 0) & ~_any_per_row(buffer[each] != BININT1, rest)
    values = np.empty(int(counts.sum()), dtype=np.int64)
    firsts = np.cumsum(counts) - counts
    later = np.ones(len(values), dtype=bool)
    later[firsts] = False
    values[firsts], values[later] = first, buffer[each + 1]
    return values, np.minimum(starts + width + 2 * rest, len(buffer) - 1), ok


def _joined(parts: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """The parts as one byte array (padded, so reads a little past an end stay inside) and
    where each starts."""
    starts = np.cumsum([0] + [len(part) for part in parts[:-1]]).astype(np.int64)[:len(parts)]
    return np.frombuffer(b"".join(parts) + bytes(16), dtype=np.uint8), starts


def _ranks(sizes: np.ndarray) -> np.ndarray:
    """0 … size - 1 for each size, one after another."""
    return np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)


def _any_per_row(flags: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Per row: is any of its `sizes[row]` consecutive flags set."""
    return np.bincount(np.repeat(np.arange(len(sizes)), sizes)[flags], minlength=len(sizes)) > 0


def _doubles(buffer: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """The big-endian doubles at `offsets` (BINFLOAT's argument)."""
    eights = np.lib.stride_tricks.sliding_window_view(buffer, 8)  # no copy: row i is buffer[i:i + 8]
    return np.ascontiguousarray(eights[offsets]).view(">f8").reshape(-1)


def field_lengths(leaf, fieldname: str, fast: bool | None = None) -> np.ndarray:
    """Every document's length of `fieldname` in one segment (Whoosh's byte-coded lengths)."""
    size = leaf.doc_count_all()
    if fast if fast is not None else FAST:
        lengths = leaf._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        if lengths is None:
            return np.zeros(size, dtype=np.float32)
        return _LENGTHS[np.fromiter(iter(lengths), dtype=np.uint8, count=size)]
    return np.array([leaf.doc_field_length(n, fieldname, 0) for n in range(size)], dtype=np.float32)
