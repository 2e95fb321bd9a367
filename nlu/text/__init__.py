"""Vietnamese text handling: normalisation, folding, tokens, dossier codes, features.

Standard library only and Python 3.10 compatible: it is imported both by the
app and by the custom components running inside Rasa's environment.
"""

from nlu.text.abbreviations import ABBREVIATIONS, expand_abbreviations
from nlu.text.dossier_code import (
    DOSSIER_CODE_PATTERN,
    DossierCodeMatch,
    canonical_dossier_code,
    find_dossier_codes,
)
from nlu.text.normalize import (
    DOSSIER_CODE_FEATURE,
    NUMBER_FEATURE,
    PHONE_FEATURE,
    Token,
    feature_tokens,
    features_text,
    fold,
    has_diacritics,
    nfc,
    tokenize,
)

__all__ = [
    "ABBREVIATIONS",
    "DOSSIER_CODE_FEATURE",
    "DOSSIER_CODE_PATTERN",
    "NUMBER_FEATURE",
    "PHONE_FEATURE",
    "DossierCodeMatch",
    "Token",
    "canonical_dossier_code",
    "expand_abbreviations",
    "feature_tokens",
    "features_text",
    "find_dossier_codes",
    "fold",
    "has_diacritics",
    "nfc",
    "tokenize",
]
