"""The real text encoding of a body, decided by strict decoding first.

Order (first success wins), always over the whole stored body, in 1 MiB chunks:

1. only ASCII bytes → `ascii` (a subset of both UTF-8 and Big5: matches either declaration);
2. UTF-16 BOM → `utf-16`;
3. strict UTF-8 → `utf-8`, or `utf-8-sig` when the body starts with a BOM;
4. strict `cp950` (Microsoft's Big5, which also has the ETEN extensions `big5` lacks, e.g. 0xF9D6–0xF9FE);
5. strict `big5hkscs` (Big5 + HKSCS, decodes some Big5 user-defined codes);
6. `cp950` with tolerance: byte pairs in the Big5 user-defined (EUDC) areas 0x8140–0xA0FE,
   0xC6A1–0xC8FE, 0xFA40–0xFEFE are accepted (Taiwanese agencies put 造字 for rare place-name
   characters there) and mapped to the Unicode private-use area as Windows does; at most
   `max(10, 0.5%)` of the multi-byte characters (and never more than a tenth of them) may be such
   pairs, of which at most `max(3, 0.05%)` undecodable bytes outside the EUDC areas → `cp950`
   (method `tolerant`, with the counts);
7. otherwise charset-normalizer's best guess over the first MiB (method `charset-normalizer`).

Generic detectors come last because they misjudge short CJK text (frictionless' chardet, and
charset-normalizer reading Big5 as johab). A truncated body may end inside a character: that
final incomplete sequence is ignored.

The codec `x-odaudit-cp950-eudc` (cp950 + EUDC → PUA) lets frictionless and the csv module read such
files too. `register_codecs()` registers it (once per process); `detect_encoding` does so before it
ever names it, so a codec name odaudit hands out always resolves. Nothing is registered on import.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

from .vocab import ENC_ASCII, ENC_BIG5, ENC_OTHER, ENC_UTF8, ENC_UTF16

CHUNK = 1 << 20
EUDC_CODEC = "x-odaudit-cp950-eudc"
_EUDC_ERRORS = "odaudit-eudc"


@dataclass(frozen=True)
class Detected:
    #: Python codec that decodes the body (what structure checks use)
    codec: str
    #: what we report: ascii, utf-8, utf-8-sig, utf-16, cp950, big5hkscs, or a charset-normalizer name
    label: str
    family: str
    bom: bool = False
    method: str = "strict"
    note: str = ""
    eudc: int = 0


# -- EUDC ---------------------------------------------------------------------

def _trail_index(t: int) -> int:
    if 0x40 <= t <= 0x7E:
        return t - 0x40
    if 0xA1 <= t <= 0xFE:
        return t - 0xA1 + 63
    return -1


def eudc_codepoint(lead: int, trail: int) -> int | None:
    """Windows cp950 mapping of a Big5 user-defined pair to the private-use area, or None."""
    ti = _trail_index(trail)
    if ti < 0:
        return None
    if 0xFA <= lead <= 0xFE:
        return 0xE000 + (lead - 0xFA) * 157 + ti
    if 0x8E <= lead <= 0xA0:
        return 0xE311 + (lead - 0x8E) * 157 + ti
    if 0x81 <= lead <= 0x8D:
        return 0xEEB8 + (lead - 0x81) * 157 + ti
    if 0xC6 <= lead <= 0xC8:
        if lead == 0xC6:
            return 0xF6B1 + (trail - 0xA1) if trail >= 0xA1 else None
        return 0xF6B1 + 94 + (lead - 0xC7) * 157 + ti
    return None


def _eudc_handler(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    obj, i = exc.object, exc.start
    if i + 1 < len(obj):
        cp = eudc_codepoint(obj[i], obj[i + 1])
        if cp is not None:
            return chr(cp), i + 2
    return "\ufffd", i + 1


class _EudcIncrementalDecoder(codecs.IncrementalDecoder):
    def __init__(self, errors: str = "strict") -> None:
        super().__init__(errors)
        self._dec = codecs.getincrementaldecoder("cp950")(_EUDC_ERRORS)

    def decode(self, input: bytes, final: bool = False) -> str:
        return self._dec.decode(input, final)

    def reset(self) -> None:
        self._dec.reset()

    def getstate(self):  # type: ignore[no-untyped-def]
        return self._dec.getstate()

    def setstate(self, state) -> None:  # type: ignore[no-untyped-def]
        self._dec.setstate(state)


def _search(name: str) -> codecs.CodecInfo | None:
    if name.replace("-", "_") != EUDC_CODEC.replace("-", "_"):
        return None
    base = codecs.lookup("cp950")

    def decode(data: bytes, errors: str = "strict") -> tuple[str, int]:
        return base.decode(data, _EUDC_ERRORS)

    class _Reader(codecs.StreamReader):
        def decode(self, input, errors="strict"):  # type: ignore[no-untyped-def]
            return base.decode(input, _EUDC_ERRORS)

    return codecs.CodecInfo(
        name=EUDC_CODEC, encode=base.encode, decode=decode,
        incrementalencoder=base.incrementalencoder, incrementaldecoder=_EudcIncrementalDecoder,
        streamreader=_Reader, streamwriter=base.streamwriter,
    )


_registered = False


def register_codecs() -> None:
    """Register the EUDC codec and its error handler with Python's codec registry (process-wide,
    idempotent)."""
    global _registered
    if not _registered:
        codecs.register_error(_EUDC_ERRORS, _eudc_handler)
        codecs.register(_search)
        _registered = True


# -- strict passes ------------------------------------------------------------------

@dataclass(frozen=True)
class _Failure:
    offset: int
    sample: bytes


def _strict_pass(path: Path, codec: str, *, final: bool, limit: int | None = None) -> _Failure | None:
    """None when the whole file decodes strictly; else where it first fails."""
    dec = codecs.getincrementaldecoder(codec)("strict")
    offset = 0
    with open(path, "rb") as fh:
        while True:
            chunk = fh.read(CHUNK)
            if not chunk:
                break
            pending = len(dec.getstate()[0]) if hasattr(dec, "getstate") else 0
            try:
                dec.decode(chunk, False)
            except UnicodeDecodeError as exc:
                at = offset - pending + exc.start
                return _Failure(at, _bytes_at(path, at))
            offset += len(chunk)
            if limit is not None and offset >= limit:
                return None
        try:
            dec.decode(b"", final)
        except UnicodeDecodeError:
            return _Failure(offset, _bytes_at(path, max(0, offset - 2)))
    return None


def _bytes_at(path: Path, offset: int, n: int = 2) -> bytes:
    with open(path, "rb") as fh:
        fh.seek(offset)
        return fh.read(n)


def _is_ascii(path: Path) -> bool:
    with open(path, "rb") as fh:
        while True:
            chunk = fh.read(CHUNK)
            if not chunk:
                return True
            if not chunk.isascii():
                return False


def _hex(b: bytes) -> str:
    return " ".join(f"0x{x:02X}" for x in b)


def _tolerant_cp950(path: Path, *, final: bool) -> tuple[bool, int, int, int, list[str]]:
    """(acceptable, eudc pairs, other bad bytes, multibyte chars, examples)."""
    eudc = bad = multibyte = 0
    examples: list[str] = []
    carry = b""
    offset = 0  # file offset of carry[0]
    with open(path, "rb") as fh:
        while True:
            chunk = fh.read(CHUNK)
            last = not chunk
            buf = carry + chunk
            pos = 0
            carry = b""
            while pos < len(buf):
                try:
                    text = buf[pos:].decode("cp950")
                    multibyte += len(buf) - pos - len(text)
                    pos = len(buf)
                    break
                except UnicodeDecodeError as exc:
                    p = pos + exc.start
                    good = buf[pos:p]
                    multibyte += len(good) - len(good.decode("cp950"))
                    if "incomplete" in exc.reason and not last:
                        carry = buf[p:]
                        pos = len(buf)
                        break
                    if p + 1 < len(buf) and eudc_codepoint(buf[p], buf[p + 1]) is not None:
                        eudc += 1
                        if len(examples) < 3:
                            examples.append(f"{_hex(buf[p:p + 2])} at byte {offset + p}")
                        pos = p + 2
                    else:
                        if last and p >= len(buf) - 1 and not final:
                            pos = len(buf)
                            break
                        bad += 1
                        pos = p + 1
                    if bad > 1000 or eudc > 100000:
                        return False, eudc, bad, multibyte, examples
            if last:
                break
            offset += len(buf) - len(carry)
    odd = eudc + bad
    ok = multibyte > 0 and odd <= max(10, multibyte // 200) and bad <= max(3, multibyte // 2000) and odd * 10 <= multibyte
    return ok, eudc, bad, multibyte, examples


def _normaliser_guess(path: Path) -> Detected:
    from charset_normalizer import from_bytes

    with open(path, "rb") as fh:
        sample = fh.read(CHUNK)
    best = from_bytes(sample).best()
    if best is None:
        return Detected("utf-8", "unknown", ENC_OTHER, method="charset-normalizer", note="no encoding fits")
    name = best.encoding
    fam = ENC_OTHER
    if name in ("utf_8", "utf_8_sig"):
        fam = ENC_UTF8
    elif name in ("big5", "cp950", "big5hkscs"):
        fam = ENC_BIG5
    elif name.startswith("utf_16"):
        fam = ENC_UTF16
    label = codecs.lookup(name).name
    return Detected(name, label, fam, method="charset-normalizer", note=f"charset-normalizer guess (chaos {best.chaos:.2f})")


def detect_encoding(path: Path, *, truncated: bool = False) -> Detected:
    register_codecs()  # the answer may name the EUDC codec: it must resolve in this process
    final = not truncated
    with open(path, "rb") as fh:
        head = fh.read(4)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) and _strict_pass(path, "utf-16", final=final) is None:
        return Detected("utf-16", "utf-16", ENC_UTF16, bom=True)
    if _is_ascii(path):
        return Detected("utf-8", "ascii", ENC_ASCII, note="only ASCII bytes")
    bom = head.startswith(b"\xef\xbb\xbf")
    utf8_fail = _strict_pass(path, "utf-8", final=final)
    if utf8_fail is None:
        if bom:
            return Detected("utf-8-sig", "utf-8-sig", ENC_UTF8, bom=True, note="UTF-8 with BOM (EF BB BF)")
        return Detected("utf-8", "utf-8", ENC_UTF8)
    why = f"strict UTF-8 fails at byte {utf8_fail.offset} ({_hex(utf8_fail.sample)})"
    if bom:
        why += " despite a UTF-8 BOM"
    cp_fail = _strict_pass(path, "cp950", final=final)
    if cp_fail is None:
        return Detected("cp950", "cp950", ENC_BIG5, note=f"{why}; decodes fully as cp950")
    hk_fail = _strict_pass(path, "big5hkscs", final=final)
    if hk_fail is None:
        return Detected(
            "big5hkscs", "big5hkscs", ENC_BIG5,
            note=f"{why}; cp950 fails at byte {cp_fail.offset} ({_hex(cp_fail.sample)}); decodes fully as big5hkscs",
        )
    ok, eudc, bad, multibyte, examples = _tolerant_cp950(path, final=final)
    if ok:
        parts = []
        if eudc:
            parts.append(f"{eudc} Big5 user-defined (EUDC) pair{'s' if eudc != 1 else ''} ({'; '.join(examples)})")
        if bad:
            parts.append(f"{bad} undecodable byte{'s' if bad != 1 else ''}")
        return Detected(EUDC_CODEC, "cp950", ENC_BIG5, method="tolerant", eudc=eudc,
                        note=f"{why}; cp950 except {', '.join(parts)} among {multibyte} CJK characters")
    guess = _normaliser_guess(path)
    return Detected(guess.codec, guess.label, guess.family, method=guess.method,
                    note=f"{why}; not cp950/big5hkscs; {guess.note}")
