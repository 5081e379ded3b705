"""Features for the trained heads: the sentence embedding, TF-IDF word n-grams, TF-IDF char n-grams.

The three blocks are kept apart: each head fits one classifier per block and fuses their calibrated
log-probabilities (see ml/heads.py). The embedding reads meaning and paraphrase, word n-grams the
desk's own vocabulary (product names, codes), char n-grams typos, inflections and non-English.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

BLOCKS = ("embedding", "word", "char")
SMALL_CORPUS = 50
MAX_WORD_FEATURES = 100_000
MAX_CHAR_FEATURES = 150_000


@dataclass
class FeatureBlocks:
    """One matrix per block, rows aligned with the texts."""

    embedding: np.ndarray
    word: sp.csr_matrix
    char: sp.csr_matrix

    def block(self, name: str) -> np.ndarray | sp.csr_matrix:
        matrix: np.ndarray | sp.csr_matrix = getattr(self, name)
        return matrix

    def rows(self, index: np.ndarray) -> FeatureBlocks:
        return FeatureBlocks(self.embedding[index], self.word[index], self.char[index])


class TextFeatures:
    """The fitted TF-IDF vocabularies; the embedding comes from the shared encoder."""

    def __init__(self) -> None:
        self.word: TfidfVectorizer | None = None
        self.char: TfidfVectorizer | None = None

    def fit(self, texts: list[str]) -> TextFeatures:
        # A word must appear twice to enter the vocabulary, except in tiny corpora (tests, demos)
        # where that would leave almost nothing.
        min_df = 2 if len(texts) >= SMALL_CORPUS else 1
        self.word = TfidfVectorizer(
            ngram_range=(1, 2), sublinear_tf=True, min_df=min_df, max_features=MAX_WORD_FEATURES
        ).fit(texts)
        self.char = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=(2, 5),
            sublinear_tf=True,
            min_df=min_df,
            max_features=MAX_CHAR_FEATURES,
        ).fit(texts)
        return self

    def transform(self, texts: list[str], embeddings: np.ndarray) -> FeatureBlocks:
        if self.word is None or self.char is None:
            raise RuntimeError("TextFeatures.transform called before fit")
        if len(texts) != len(embeddings):
            raise ValueError(f"{len(texts)} texts but {len(embeddings)} embeddings")
        return FeatureBlocks(
            embedding=np.asarray(embeddings, dtype=np.float32),
            word=sp.csr_matrix(self.word.transform(texts)),
            char=sp.csr_matrix(self.char.transform(texts)),
        )


class Familiarity:
    """How close a text is to anything seen in training: cosine to its nearest training ticket.

    A text below `threshold` (the 1st percentile of held-out tickets' scores) is unlike the
    training data, e.g. gibberish or another language entirely, and every head flags it for review
    however confident its classifier is.
    """

    MAX_REFERENCES = 4096
    PERCENTILE = 1.0

    def __init__(self, references: np.ndarray, threshold: float = 0.0) -> None:
        self.references = np.asarray(references, dtype=np.float32)
        self.threshold = threshold

    @classmethod
    def fit(cls, embeddings: np.ndarray, held_out: np.ndarray, seed: int) -> Familiarity:
        rng = np.random.default_rng(seed)
        if len(embeddings) > cls.MAX_REFERENCES:
            embeddings = embeddings[rng.choice(len(embeddings), cls.MAX_REFERENCES, replace=False)]
        familiarity = cls(embeddings)
        if len(held_out):
            scores = familiarity.score(held_out)
            familiarity.threshold = float(np.percentile(scores, cls.PERCENTILE))
        return familiarity

    def score(self, embeddings: np.ndarray) -> np.ndarray:
        if not len(embeddings):
            return np.zeros(0, dtype=np.float32)
        similarity: np.ndarray = (embeddings @ self.references.T).max(axis=1)
        return similarity

    def familiar(self, embeddings: np.ndarray) -> np.ndarray:
        flags: np.ndarray = self.score(embeddings) >= self.threshold
        return flags
