"""Rasa 3.6 components for Vietnamese as citizens type it.

These run inside Rasa's environment (Python 3.10) and are thin: the text handling itself is the
pure-Python `nlu.text` package, which the app and the tests import without Rasa.

- `VietnameseTokenizer`: NFC, diacritic folding and abbreviation expansion, tokens that keep
  offsets into the original message.
- `VietnameseIntentClassifier`: TF-IDF over folded words and character n-grams, multinomial
  logistic regression. Trains in seconds on two cores; persisted as plain JSON and NumPy arrays
  (no pickle), so a model file can never execute code when loaded.
- `DossierCodeExtractor`: dossier codes in every loose form, returned canonical.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from nlu.text import feature_tokens, features_text, find_dossier_codes, nfc

logger = logging.getLogger(__name__)

DOSSIER_CODE_ENTITY = "dossier_code"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class VietnameseTokenizer(Tokenizer):
    """Tokens are folded, abbreviation-expanded words; offsets point into the original text."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
        }

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if isinstance(text, str):
                message.set(TEXT, nfc(text))
        return super().process(messages)

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        text = message.get(attribute)
        tokens = [Token(tok.text, tok.start, tok.end) for tok in feature_tokens(text)]
        if not tokens:
            # Rasa expects at least one token per non-empty text (e.g. a message of emoji).
            tokens = [Token(text, 0, len(text))]
        return tokens


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class VietnameseIntentClassifier(GraphComponent, IntentClassifier):
    """Intent classifier over the diacritic-insensitive view of a message."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "C": 300.0,
            # None: the classes keep their natural weight. Cross-validation preferred it to
            # "balanced", which over-weights the small talk intents against out_of_scope.
            "class_weight": None,
            "max_iter": 2000,
            "word_ngram_max": 2,
            "char_ngram_min": 2,
            "char_ngram_max": 5,
            "ranking_length": 10,
            # Confidence is scaled by the share of the message's words the model has seen,
            # so gibberish ("zzz xxx") falls to the fallback instead of a confident guess.
            "unknown_word_penalty": True,
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        *,
        labels: list[str] | None = None,
        word: TfidfVectorizer | None = None,
        char: TfidfVectorizer | None = None,
        coef: np.ndarray | None = None,
        intercept: np.ndarray | None = None,
    ) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.labels = labels or []
        self.word = word
        self.char = char
        self.coef = coef
        self.intercept = intercept

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> VietnameseIntentClassifier:
        return cls(config, model_storage, resource)

    def _vectorizers(self) -> tuple[TfidfVectorizer, TfidfVectorizer]:
        word = TfidfVectorizer(
            analyzer="word",
            token_pattern=r"\S+",  # noqa: S106 - a regex, not a password
            ngram_range=(1, int(self.config["word_ngram_max"])),
            sublinear_tf=True,
            lowercase=False,
        )
        char = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=(
                int(self.config["char_ngram_min"]),
                int(self.config["char_ngram_max"]),
            ),
            sublinear_tf=True,
            lowercase=False,
            min_df=1,
        )
        return word, char

    def _features(self, texts: list[str]) -> sparse.csr_matrix:
        assert self.word is not None and self.char is not None
        return sparse.hstack([self.word.transform(texts), self.char.transform(texts)], format="csr")

    def train(self, training_data: TrainingData) -> Resource:
        examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)]
        if not examples:
            logger.warning("No intent examples: the intent classifier is not trained.")
            return self._resource
        texts = [features_text(e.get(TEXT)) for e in examples]
        labels = [e.get(INTENT) for e in examples]
        self.word, self.char = self._vectorizers()
        self.word.fit(texts)
        self.char.fit(texts)
        clf = LogisticRegression(
            C=float(self.config["C"]),
            max_iter=int(self.config["max_iter"]),
            class_weight=self.config["class_weight"],
        )
        clf.fit(self._features(texts), labels)
        self.labels = [str(label) for label in clf.classes_]
        self.coef = clf.coef_.astype(np.float64)
        self.intercept = clf.intercept_.astype(np.float64)
        self.persist()
        return self._resource

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        assert self.coef is not None and self.intercept is not None
        scores = self._features(texts) @ self.coef.T + self.intercept
        scores = np.asarray(scores)
        if len(self.labels) == 2:
            # scikit-learn's binary case keeps one row of coefficients.
            p = 1.0 / (1.0 + np.exp(-scores[:, 0]))
            return np.stack([1 - p, p], axis=1)
        scores -= scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        return exp / exp.sum(axis=1, keepdims=True)

    def known_share(self, text: str) -> float:
        """The share of a message's words that occur in the training data (0 for none)."""
        assert self.word is not None
        words = text.split()
        if not words:
            return 0.0
        vocabulary = self.word.vocabulary_
        return sum(1 for w in words if w in vocabulary) / len(words)

    def process(self, messages: list[Message]) -> list[Message]:
        if self.coef is None or not self.labels:
            return messages
        todo = [m for m in messages if isinstance(m.get(TEXT), str) and m.get(TEXT)]
        if not todo:
            return messages
        texts = [features_text(m.get(TEXT)) for m in todo]
        probas = self.predict_proba(texts)
        if self.config["unknown_word_penalty"]:
            probas = probas * np.array([[self.known_share(t)] for t in texts])
        ranking_length = int(self.config["ranking_length"])
        for message, row in zip(todo, probas, strict=True):
            order = np.argsort(-row)
            ranking = [{"name": self.labels[i], "confidence": float(row[i])} for i in order]
            message.set(INTENT, ranking[0], add_to_output=True)
            if ranking_length > 0:
                ranking = ranking[:ranking_length]
            message.set("intent_ranking", ranking, add_to_output=True)
        return messages

    def persist(self) -> None:
        assert self.word is not None and self.char is not None
        with self._model_storage.write_to(self._resource) as model_dir:
            meta = {
                "labels": self.labels,
                "word_vocabulary": {k: int(v) for k, v in self.word.vocabulary_.items()},
                "char_vocabulary": {k: int(v) for k, v in self.char.vocabulary_.items()},
            }
            (model_dir / "classifier.json").write_text(
                json.dumps(meta, ensure_ascii=False), encoding="utf-8"
            )
            np.savez(
                model_dir / "classifier.npz",
                coef=self.coef,
                intercept=self.intercept,
                word_idf=self.word.idf_,
                char_idf=self.char.idf_,
            )

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> VietnameseIntentClassifier:
        component = cls(config, model_storage, resource)
        try:
            with model_storage.read_from(resource) as model_dir:
                meta = json.loads((model_dir / "classifier.json").read_text("utf-8"))
                with np.load(model_dir / "classifier.npz", allow_pickle=False) as arrays:
                    coef = arrays["coef"]
                    intercept = arrays["intercept"]
                    word_idf = arrays["word_idf"]
                    char_idf = arrays["char_idf"]
        except (ValueError, FileNotFoundError):
            logger.warning("The intent classifier has no trained data in this model.")
            return component
        word, char = component._vectorizers()
        word.vocabulary_ = meta["word_vocabulary"]
        word.idf_ = word_idf
        char.vocabulary_ = meta["char_vocabulary"]
        char.idf_ = char_idf
        component.labels = list(meta["labels"])
        component.word, component.char = word, char
        component.coef, component.intercept = coef, intercept
        return component


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class DossierCodeExtractor(GraphComponent, EntityExtractorMixin):
    """Finds dossier codes in any loose form and returns them canonical."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> DossierCodeExtractor:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not isinstance(text, str):
                continue
            found = [
                {
                    "entity": DOSSIER_CODE_ENTITY,
                    "value": match.value,
                    "start": match.start,
                    "end": match.end,
                    "confidence_entity": 1.0,
                }
                for match in find_dossier_codes(text)
            ]
            if found:
                entities = message.get(ENTITIES, []) + self.add_extractor_name(found)
                message.set(ENTITIES, entities, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
