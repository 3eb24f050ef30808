"""Response bodies with their content codings undone, in bounded steps."""

from __future__ import annotations

import zlib
from collections.abc import Iterator

import httpx

#: bytes produced per inflate step (a gzip bomb is inflated at most this much at a time)
CHUNK = 64 * 1024


#: Content codings undone while reading (zlib wbits; 47: auto-detect a gzip or zlib header).
_INFLATE_WBITS = {"gzip": 47, "x-gzip": 47, "deflate": zlib.MAX_WBITS}


def decoded_chunks(resp: httpx.Response) -> Iterator[bytes]:
    """Body bytes with gzip/deflate undone in bounded steps (a gzip bomb cannot blow up memory).

    Raw bytes are taken as they arrive (no buffering up to a chunk size, so the time limit
    is checked while a server trickles). Every listed coding is undone here, layer by layer,
    never by httpx, whose decoders are unbounded (`Content-Encoding: gzip, gzip` would inflate
    a bomb in one call); at a coding we cannot undo (br, zstd, …) the rest is kept as received.
    """
    if resp.is_stream_consumed:  # built with its content in memory (replay, mock transports): nothing to bound
        return resp.iter_bytes()
    codings = [c.strip().lower() for c in resp.headers.get("content-encoding", "").split(",") if c.strip()]
    chunks: Iterator[bytes] = resp.iter_raw()
    for coding in reversed(codings):  # the last listed was applied last
        if coding == "identity":
            continue
        if coding not in _INFLATE_WBITS:
            break
        chunks = inflate(chunks, _INFLATE_WBITS[coding])
    return chunks


def inflate(chunks: Iterator[bytes], wbits: int) -> Iterator[bytes]:
    d = zlib.decompressobj(wbits)
    for raw in chunks:
        data = raw
        while data:
            out = d.decompress(data, CHUNK)
            if out:
                yield out
            data = d.unconsumed_tail
            if d.eof:
                return
    tail = d.flush()
    if tail:
        yield tail
