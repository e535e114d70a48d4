"""ftlab's tokenizers, as a run saves them in tokenizer.json (see packages/data/src):

    {"kind": "char", "version": 1, "symbols": [...]}        token i is symbols[i], one code point
    {"kind": "bpe", "version": 1, "pretokenizer": "gpt2", "merges": [[left, right], ...]}
                    byte-level BPE: ids 0..255 are bytes, merge i makes token 256 + i

Encoding gives the same ids as ftlab's TypeScript, so a prompt means the same thing here.
"""

import json
import unicodedata

BYTE_TOKENS = 256

# JavaScript's \s (the pre-tokenizer is a JavaScript regular expression): Python's differs.
JS_WHITESPACE = frozenset(
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000\ufeff"
)
UTF8_BOM = b"\xef\xbb\xbf"


class CharTokenizer:
    kind = "char"

    def __init__(self, symbols):
        if not symbols or any(not isinstance(s, str) or len(s) != 1 for s in symbols):
            raise ValueError("a char tokenizer needs a non-empty list of one-code-point symbols")
        self.symbols = list(symbols)
        self.ids = {symbol: i for i, symbol in enumerate(self.symbols)}

    @property
    def vocab_size(self):
        return len(self.symbols)

    def encode(self, text):
        out = []
        for position, char in enumerate(text):
            if char not in self.ids:
                raise ValueError(
                    f"character {char!r} (U+{ord(char):04X}) at position {position} is not in this char "
                    f"tokenizer's vocabulary of {len(self.symbols)} symbols"
                )
            out.append(self.ids[char])
        return out

    def decode(self, ids):
        """ids: any sequence of ints (a list, or a 1-D tensor)."""
        return "".join(self.symbols[self._check(int(i), index)] for index, i in enumerate(ids))

    def _check(self, token, index):
        if not 0 <= token < self.vocab_size:
            raise ValueError(f"token id {token} at index {index} is outside this vocabulary [0, {self.vocab_size})")
        return token


def _class_of(char):
    """Which class of GPT-2's pattern a character is in: s(pace), L(etter), N(umber) or o(ther)."""
    if char in JS_WHITESPACE:
        return "s"
    category = unicodedata.category(char)[0]
    return category if category in "LN" else "o"


def pretokenize(text):
    """GPT-2's pre-tokenizer, as the JavaScript regular expression ftlab uses:
        '(?:[sdmt]|ll|ve|re)| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+
    written as a scanner (Python's re has no \\p{L}); the chunks concatenate to the text."""
    classes = [_class_of(char) for char in text]
    n = len(text)

    def run_end(start, kind):
        end = start
        while end < n and classes[end] == kind:
            end += 1
        return end

    chunks = []
    i = 0
    while i < n:
        if text[i] == "'" and text[i + 1 : i + 2] in ("s", "d", "m", "t"):
            end = i + 2
        elif text[i] == "'" and text[i + 1 : i + 3] in ("ll", "ve", "re"):
            end = i + 3
        elif text[i] == " " and i + 1 < n and classes[i + 1] != "s":  # ' ?' before a letter/number/other run
            end = run_end(i + 1, classes[i + 1])
        elif classes[i] != "s":
            end = run_end(i, classes[i])
        else:
            end = run_end(i, "s")
            # \s+(?!\S): a whitespace run leaves its last character to the word that follows it.
            if end < n and end - i >= 2:
                end -= 1
        chunks.append(text[i:end])
        i = end
    return chunks


class BpeTokenizer:
    kind = "bpe"

    def __init__(self, merges):
        self.merges = [tuple(merge) for merge in merges]
        self.ranks = {}
        self.bytes_of = [bytes([b]) for b in range(BYTE_TOKENS)]
        for rank, (left, right) in enumerate(self.merges):
            token = BYTE_TOKENS + rank
            if not (0 <= left < token and 0 <= right < token) or (left, right) in self.ranks:
                raise ValueError(f"BPE merge {rank} {[left, right]} is not a new pair of existing token ids")
            self.ranks[(left, right)] = rank
            self.bytes_of.append(self.bytes_of[left] + self.bytes_of[right])
        self.cache = {}

    @property
    def vocab_size(self):
        return BYTE_TOKENS + len(self.merges)

    def encode(self, text):
        out = []
        for chunk in pretokenize(text):
            if chunk not in self.cache:
                self.cache[chunk] = self._encode_chunk(chunk)
            out.extend(self.cache[chunk])
        return out

    def _encode_chunk(self, chunk):
        """Merges in the order training learned them: the lowest-ranked adjacent pair first."""
        ids = list(chunk.encode("utf-8"))
        while len(ids) > 1:
            ranked = [self.ranks[pair] for pair in zip(ids, ids[1:]) if pair in self.ranks]
            if not ranked:
                break
            rank = min(ranked)
            left, right = self.merges[rank]
            merged, i = [], 0
            while i < len(ids):  # every non-overlapping (left, right), left to right
                if i + 1 < len(ids) and ids[i] == left and ids[i + 1] == right:
                    merged.append(BYTE_TOKENS + rank)
                    i += 2
                else:
                    merged.append(ids[i])
                    i += 1
            ids = merged
        return ids

    def decode(self, ids):
        """ids: any sequence of ints (a list, or a 1-D tensor)."""
        ids = [int(token) for token in ids]
        for index, token in enumerate(ids):
            if not 0 <= token < self.vocab_size:
                raise ValueError(f"token id {token} at index {index} is outside this vocabulary [0, {self.vocab_size})")
        data = b"".join(self.bytes_of[token] for token in ids)
        # As JavaScript's TextDecoder: invalid UTF-8 becomes U+FFFD, and a leading BOM is dropped.
        if data.startswith(UTF8_BOM):
            data = data[len(UTF8_BOM) :]
        return data.decode("utf-8", errors="replace")


def tokenizer_from_json(value):
    kind = value.get("kind") if isinstance(value, dict) else None
    if kind == "char" and value.get("version") == 1:
        return CharTokenizer(value["symbols"])
    if kind == "bpe" and value.get("version") == 1 and value.get("pretokenizer") == "gpt2":
        return BpeTokenizer(value["merges"])
    raise ValueError(f"not a saved ftlab tokenizer (char or bpe, version 1): {json.dumps(value)[:80]}")


def load_tokenizer(path):
    with open(path, encoding="utf-8") as file:
        try:
            return tokenizer_from_json(json.load(file))
        except ValueError as error:
            raise ValueError(f"{path}: {error}") from None
