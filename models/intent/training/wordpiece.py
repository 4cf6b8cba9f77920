"""BERT tokenizer in pure Python, written to the Hugging Face `tokenizers` spec that transformers.js implements
(BertNormalizer + BertPreTokenizer + WordPiece), plus vocabulary building and tokenizer.json writing.

Parity with the JS tokenizer is checked after every training run (scripts/train-intent.mjs) and by a unit test on
the committed reference file, so training and serving see identical ids.
"""
from __future__ import annotations

import json
import unicodedata
from collections import Counter

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
PAD, UNK, CLS, SEP, MASK = range(5)


def _is_control(ch: str) -> bool:
    if ch in "\t\n\r":
        return False
    return unicodedata.category(ch).startswith("C")


def _is_whitespace(ch: str) -> bool:
    if ch in " \t\n\r":
        return True
    return unicodedata.category(ch) == "Zs"


def _is_punct(ch: str) -> bool:
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(cp: int) -> bool:
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF or 0x2A700 <= cp <= 0x2B73F
            or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF or 0xF900 <= cp <= 0xFAFF
            or 0x2F800 <= cp <= 0x2FA1F)


def normalize(text: str) -> str:
    """BertNormalizer(clean_text, handle_chinese_chars, strip_accents=None -> strip because lowercase, lowercase)."""
    out = []
    for ch in text:
        cp = ord(ch)
        if cp == 0 or cp == 0xFFFD or _is_control(ch):
            continue
        if _is_whitespace(ch):
            out.append(" ")
        elif _is_cjk(cp):
            out.append(f" {ch} ")
        else:
            out.append(ch)
    s = unicodedata.normalize("NFD", "".join(out))
    s = "".join(c for c in s if unicodedata.category(c) != "Mn")
    return s.lower()


def pre_tokenize(text: str) -> list[str]:
    """BertPreTokenizer: split on whitespace and isolate every punctuation character."""
    words, cur = [], []
    for ch in text:
        if _is_whitespace(ch):
            if cur:
                words.append("".join(cur))
                cur = []
        elif _is_punct(ch):
            if cur:
                words.append("".join(cur))
                cur = []
            words.append(ch)
        else:
            cur.append(ch)
    if cur:
        words.append("".join(cur))
    return words


def words_of(text: str) -> list[str]:
    return pre_tokenize(normalize(text))


class WordPiece:
    def __init__(self, vocab: list[str], max_len: int):
        assert len(vocab) == len(set(vocab)), "duplicate vocabulary entries"
        self.vocab = vocab
        self.ids = {t: i for i, t in enumerate(vocab)}
        self.max_len = max_len
        self._cache: dict[str, list[int]] = {}

    def word_ids(self, word: str) -> list[int]:
        hit = self._cache.get(word)
        if hit is not None:
            return hit
        if len(word) > 100:  # max_input_chars_per_word
            res = [UNK]
        else:
            res, start = [], 0
            while start < len(word):
                end, cur = len(word), None
                while start < end:
                    piece = word[start:end] if start == 0 else "##" + word[start:end]
                    if piece in self.ids:
                        cur = self.ids[piece]
                        break
                    end -= 1
                if cur is None:
                    res = [UNK]
                    break
                res.append(cur)
                start = end
        self._cache[word] = res
        return res

    def encode(self, text: str) -> list[int]:
        """[CLS] + pieces + [SEP], then cut to max_len exactly as transformers.js does (the final [SEP] may go)."""
        ids = [CLS]
        for w in words_of(text):
            ids += self.word_ids(w)
        ids.append(SEP)
        return ids[: self.max_len]


def build_vocab(corpus_texts: list[str], glove_words: list[str], extra_glove: int, n_pieces: int,
                min_count_oov: int = 2) -> tuple[list[str], dict]:
    """Vocabulary = specials + characters (+## forms) + corpus words (+ the `extra_glove` most frequent GloVe words)
    + frequent word-start/continuation pieces so unseen words fall back to WordPiece pieces rather than [UNK]."""
    glove_set = set(glove_words)
    counts = Counter(w for t in corpus_texts for w in words_of(t))
    chars = sorted({c for w in counts for c in w} | set("abcdefghijklmnopqrstuvwxyz0123456789"))
    words = [w for w, c in counts.most_common() if (w in glove_set or c >= min_count_oov) and len(w) > 1]
    added = set(words)
    for w in glove_words[: extra_glove]:
        if w not in added and w.isalpha() and w.isascii() and len(w) > 1:
            words.append(w)
            added.add(w)
    # continuation pieces ranked by how many corpus word tokens (and glove words) would use them
    piece_counts: Counter = Counter()
    for w, c in counts.items():
        for k in range(2, min(len(w), 7)):
            piece_counts[w[:k]] += c
            piece_counts["##" + w[-k:]] += c
            if len(w) > k + 1:
                piece_counts["##" + w[1:1 + k]] += 1
    pieces = [p for p, _ in piece_counts.most_common() if p not in added][: n_pieces]
    vocab = list(SPECIALS)
    seen = set(vocab)
    for t in chars + ["##" + c for c in chars] + words + pieces:
        if t not in seen:
            vocab.append(t)
            seen.add(t)
    return vocab, {"n_chars": len(chars), "n_words": len(words), "n_pieces": len(pieces), "size": len(vocab)}


def tokenizer_json(vocab: list[str]) -> dict:
    ids = {t: i for i, t in enumerate(vocab)}
    added = [{"id": ids[t], "content": t, "single_word": False, "lstrip": False, "rstrip": False,
              "normalized": False, "special": True} for t in SPECIALS]
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                       "strip_accents": None, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                       {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
            "special_tokens": {t: {"id": t, "ids": [ids[t]], "tokens": [t]} for t in ("[CLS]", "[SEP]")},
        },
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": ids},
    }


def tokenizer_config(max_len: int) -> dict:
    return {"tokenizer_class": "BertTokenizer", "do_lower_case": True, "model_max_length": max_len,
            "cls_token": "[CLS]", "sep_token": "[SEP]", "pad_token": "[PAD]", "unk_token": "[UNK]",
            "mask_token": "[MASK]", "clean_up_tokenization_spaces": True}


def dump(obj, path):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False)
