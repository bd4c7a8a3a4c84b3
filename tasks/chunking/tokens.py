"""The embedding model's own tokenizer, for counting and cutting by tokens.

Read from the model folder's tokenizer.json with the `tokenizers` library:
the same vocabulary and rules the model applies, without importing torch or
loading weights, so chunking costs milliseconds and a sync with nothing to
embed never loads the model.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any


class TokenCounter:
    """Counts tokens (without special tokens) and maps token positions to characters."""

    def __init__(self, tokenizer: Any, special_tokens: int) -> None:
        self._tokenizer = tokenizer
        self.special_tokens = special_tokens

    def counts(self, texts: list[str]) -> list[int]:
        if not texts:
            return []
        return [len(encoding.ids) for encoding in self._tokenizer.encode_batch(texts, add_special_tokens=False)]

    def count(self, text: str) -> int:
        return self.counts([text])[0]

    def offsets(self, text: str) -> list[tuple[int, int]]:
        """(start, end) character offsets of each token of `text`."""
        return [tuple(pair) for pair in self._tokenizer.encode(text, add_special_tokens=False).offsets]


@cache
def token_counter(model_path: str) -> TokenCounter:
    """The TokenCounter of the model at `model_path` (cached per process)."""
    path = Path(model_path)
    file = path / "tokenizer.json"
    if file.is_file():
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(file))
        tokenizer.no_truncation()
        tokenizer.no_padding()
        special = len(tokenizer.encode("", add_special_tokens=True).ids)
        return TokenCounter(tokenizer, special)
    # a model without a fast tokenizer file: fall back to transformers (slower import)
    from transformers import AutoTokenizer

    slow = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
    return TokenCounter(_TransformersAdapter(slow), slow.num_special_tokens_to_add())


class _TransformersAdapter:
    """Gives a transformers tokenizer the two `tokenizers.Tokenizer` calls used here."""

    def __init__(self, tokenizer: Any) -> None:
        self._tokenizer = tokenizer

    def encode_batch(self, texts: list[str], add_special_tokens: bool = False) -> list[Any]:
        return [self.encode(text, add_special_tokens) for text in texts]

    def encode(self, text: str, add_special_tokens: bool = False) -> Any:
        out = self._tokenizer(text, add_special_tokens=add_special_tokens, return_offsets_mapping=True)

        class _Encoding:
            ids = out["input_ids"]
            offsets = out["offset_mapping"]

        return _Encoding()
