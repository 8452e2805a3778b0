"""Bytes to text: encodings, binary detection, newline folding and mojibake repair (ftfy).
"""

from __future__ import annotations

import codecs
import re

from ..errors import InputError

#: Files larger than this are refused (a posting is a few kB; 16 MB is a mistake).

#: A posting in UTF-8 with at most this many undecodable bytes (or one in a thousand) is
#: cleaned with U+FFFD in their place and a warning; more, and it is refused.
MAX_REPLACED_BYTES = 16


# --------------------------------------------------------------------------- text


def normalise_newlines(text: str) -> str:
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


# Mojibake is a UTF-8 lead byte read as one character followed by a continuation byte read
# as another: "Ã©" (cp1252/latin-1 for "é"), "¬∑" and "‚Äô" (Mac Roman, as in seed 002).
# Only lines with such a pair go to ftfy; "Île-de-France" or "Ärger" never do.
# A Windows console's code page 437 gives the third kind: "\u252c\u00e1" for a no-break space,
# "\u0393\u00c7\u00d6" for "\u2019" (a scraper's output saved from cmd.exe or PowerShell).
# The lead bytes C2-F4 read through cp437 are box-drawing, block and Greek characters.
_CP437_LEAD = "".join(sorted({bytes([b]).decode("cp437") for b in range(0xC2, 0xF5)}
                             - {bytes([b]).decode("cp1252", "replace") for b in range(0xC2, 0xF5)}))
_CP437_CONT = "".join(sorted({bytes([b]).decode("cp437") for b in range(0x80, 0xC0)}))
_MOJI_LEAD = (
    "[\u00c2-\u00f4"                                   # cp1252 / latin-1 lead bytes
    "\u00ac\u221a\u0192\u2248\u2206\u00ab\u00bb\u2026\u00a0\u00c0\u00c3\u00d5\u0152\u0153"
    "\u2013\u2014\u201c\u201d\u2018\u2019\u00f7\u25ca\u00ff\u0178\u2044\u20ac\u2039\u203a"
    "\ufb01\ufb02\u2021\u00b7\u201a\u201e\u2030"           # Mac Roman lead bytes C2-E4
    + re.escape(_CP437_LEAD) + "]"
)
_MOJI_CONT = (
    "[\u0080-\u00bf\u20ac\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152"
    "\u017d\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u017e"
    "\u0178"                                            # cp1252 continuation bytes 80-BF
    "\u00c4\u00c5\u00c7\u00c9\u00d1\u00d6\u00dc\u00e1\u00e0\u00e2\u00e4\u00e3\u00e5\u00e7"
    "\u00e9\u00e8\u00ea\u00eb\u00ed\u00ec\u00ee\u00ef\u00f1\u00f3\u00f2\u00f4\u00f6\u00f5"
    "\u00fa\u00f9\u00fb\u00fc\u2020\u00b0\u00a2\u00a3\u00a7\u2022\u00b6\u00df\u00ae\u00a9"
    "\u2122\u00b4\u00a8\u2260\u00c6\u00d8\u221e\u00b1\u2264\u2265\u00a5\u00b5\u2202\u2211"
    "\u220f\u03c0\u222b\u00aa\u00ba\u03a9\u00e6\u00f8"   # Mac Roman continuation bytes 80-BF
    + re.escape(_CP437_CONT) + "]"
)
_MOJIBAKE_HINT = re.compile(_MOJI_LEAD + _MOJI_CONT)
_MOJIBAKE_RUN = re.compile("(?=(" + _MOJI_LEAD + _MOJI_CONT + "{1,3}))")  # every start, overlapping


def _utf8_length(lead: int) -> int:
    return 2 if lead < 0xE0 else 3 if lead < 0xF0 else 4


def _plausible(ch: str) -> bool:
    """A character mojibake plausibly stood for: Latin, Greek, Cyrillic, Hebrew, Arabic,
    punctuation and symbols, CJK, emoji -- not Armenian or a combining mark, which is
    what a French "l’école" would give read back through Mac Roman."""
    o = ord(ch)
    if o < 0x800:
        return 0xA0 <= o < 0x300 or 0x370 <= o < 0x483 or 0x48A <= o < 0x500 or 0x590 <= o < 0x700
    return True


def _is_mojibake(run: str) -> bool:
    """Whether characters that look like mojibake turn back into a real character.

    The run is encoded with each codec mojibake comes from and the bytes of one UTF-8
    character read back; "Régelmäßige" ("äß" is no UTF-8) and "l’école" (Armenian
    through Mac Roman) are not mojibake, "Ã©" and "¬∑" are.
    """
    encodable = False
    for codec in ("cp1252", "mac_roman", "latin-1", "cp437"):
        try:
            data = run.encode(codec)
        except UnicodeEncodeError:
            continue
        encodable = True
        need = _utf8_length(data[0])
        if len(data) < need:
            continue
        try:
            ch = data[:need].decode("utf-8")
        except UnicodeDecodeError:
            continue
        if _plausible(ch):
            return True
    return not encodable  # a mix no codec makes: let ftfy judge


def _needs_repair(line: str) -> bool:
    return any(_is_mojibake(m.group(1)) for m in _MOJIBAKE_RUN.finditer(line))



def repair_text(text: str) -> str:
    """Repair mojibake line by line, touching only lines that look broken.

    ftfy is exact but slow (milliseconds per posting), so ASCII text and lines with
    none of the characters that mojibake is made of are passed through untouched.
    Curly quotes are kept: they are the posting's own.

    >>> repair_text("Cambridge, MA \u00ac\u2211 1 week ago")
    'Cambridge, MA \u00b7 1 week ago'
    """
    if text.isascii() or not _MOJIBAKE_HINT.search(text):
        return text
    import ftfy  # imported lazily: most postings never need it

    out = []
    for line in text.split("\n"):
        if not line.isascii() and _MOJIBAKE_HINT.search(line) and _needs_repair(line):
            line = ftfy.fix_text(line, uncurl_quotes=False, fix_line_breaks=False,
                                 fix_character_width=False, fix_latin_ligatures=False,
                                 normalization=None, unescape_html=False)
        out.append(line)
    return "\n".join(out)


def decode_bytes(data: bytes, source: str = "", warnings: list[str] | None = None) -> str:
    """Decode a posting's bytes: BOMs first, then UTF-8, then cp1252.

    Raises :class:`InputError` for binary data and for text that no encoding fits.
    UTF-8 text with a few undecodable bytes (at most :data:`MAX_REPLACED_BYTES`, or one
    in a thousand) is decoded with U+FFFD in their place and a warning naming the line
    is appended to ``warnings``.

    >>> decode_bytes("caf\u00e9".encode("cp1252"))
    'caf\u00e9'
    >>> decode_bytes(codecs.BOM_UTF16_LE + "hi".encode("utf-16-le"))
    'hi'
    """
    for bom, enc in ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
                     (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                     (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            body = data[len(bom):]
            try:
                return body.decode(enc)
            except UnicodeDecodeError as e:
                raise InputError(source, f"undecodable {enc.upper()} at byte {e.start + len(bom)}: "
                                 f"{e.reason}") from None
    head = data[:65536]
    if b"\x00" in head:
        # UTF-16 without a BOM has a zero in every other byte of ASCII text.
        even, odd = head[0::2].count(0), head[1::2].count(0)
        half = len(head) // 2 or 1
        for enc, zeros in (("utf-16-le", odd), ("utf-16-be", even)):
            if zeros > 0.3 * half and zeros > 4 * min(even, odd) + 1:
                try:
                    text = data.decode(enc)
                except UnicodeDecodeError:
                    break
                if _looks_binary(head, text=text[:32768]):
                    break  # zeros in every other byte, but control characters: binary
                return text
        if head.count(0) > max(8, len(head) // 100):
            raise InputError(source, _binary_message(data))
        # a few stray NULs (a scraper's artefact) in otherwise readable text: drop them
        data = data.replace(b"\x00", b"")
        head = data[:65536]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        if _looks_binary(head):
            raise InputError(source, _binary_message(data)) from None
        line = data.count(b"\n", 0, e.start) + 1
        if re.search(rb"[\xc2-\xf4][\x80-\xbf]", data):
            # Mostly UTF-8 with a few broken bytes: keep the UTF-8, replace the damage
            # (U+FFFD) and say where; a file with many is no UTF-8 and is refused.
            text = data.decode("utf-8", errors="replace")
            bad = text.count("\ufffd") - data.count("\ufffd".encode())
            if bad > max(MAX_REPLACED_BYTES, len(data) // 1000):
                raise InputError(source, f"invalid UTF-8 byte 0x{data[e.start]:02x} at byte "
                                 f"{e.start} (line {line}) and {bad - 1} more; re-save the file "
                                 "as UTF-8", line=line) from None
            if warnings is not None:
                warnings.append(f"{source or '<input>'}:{line}: warning: {bad} undecodable byte(s) "
                                f"(first 0x{data[e.start]:02x} at byte {e.start}) replaced with U+FFFD")
        else:
            text = data.decode("cp1252", errors="replace")
            if "\ufffd" in text:
                text = data.decode("latin-1")
    # the common case: no control byte at all, so none among the sample's characters
    # (a character is one to four bytes); bytes.translate counts them at memcpy speed
    if data[:262144].translate(None, _NON_CONTROL_BYTES) and _looks_binary(head, text=text[:65536]):
        raise InputError(source, _binary_message(data))
    return text


def _looks_binary(head: bytes, text: str | None = None) -> bool:
    sample = text if text is not None else head.decode("latin-1")
    if not sample:
        return False
    if _CONTROL_CHARS.search(sample) is None:  # the common case: one scan at C speed
        return False
    controls = len(_CONTROL_CHARS.findall(sample))
    return controls > max(8, len(sample) // 50)


_CONTROL_CHARS = re.compile("[\x00-\x08\x0e-\x1f]")  # C0 controls except \t \n \v \f \r
_NON_CONTROL_BYTES = bytes(b for b in range(256) if not (b <= 0x08 or 0x0e <= b <= 0x1f))


def _binary_message(data: bytes) -> str:
    kinds = {b"%PDF": "a PDF", b"PK\x03\x04": "a ZIP/Office file", b"\x89PNG": "a PNG image",
             b"\xff\xd8\xff": "a JPEG image", b"GIF8": "a GIF image", b"\x7fELF": "an executable",
             b"PAR1": "a Parquet file", b"\x1f\x8b": "a gzip file"}
    for magic, name in kinds.items():
        if data.startswith(magic):
            return f"binary file ({name}), not a text or HTML posting"
    return "binary file, not a text or HTML posting"
