"""The compiled language identifier gives py3langid's answers."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tasks.clean import DETECTABLE, LANGUAGE_SAMPLE_CHARS
from tasks.language import identifier

ROOT = Path(__file__).resolve().parents[1]

HAND_MADE = [
    "", "   ", "12345 !!! ???", "🔥🔥🔥", "ok",
    "The network has been down since this morning and nobody answers the phone.",
    "THE NETWORK HAS BEEN DOWN SINCE THIS MORNING AND NOBODY ANSWERS",  # py3langid lower-cases all-caps text
    "Le réseau est en panne depuis ce matin et personne ne répond.",
    "Das Netz ist seit heute Morgen ausgefallen und niemand geht ran.",
    "La red está caída desde esta mañana y nadie contesta.",
    "Javaの質問です。エラーが出ます", "网络从早上开始就断了", "Сеть не работает с утра, никто не отвечает.",
    "Cafe\u0301 au lait, s'il vous plai\u0302t",  # decomposed accents: NFC first, as py3langid does
    "mixed English und ein bisschen Deutsch et un peu de français",
    "\ud800 a lone surrogate survives encoding",
]


def _sample_texts(limit: int = 3000) -> list[str]:
    texts = []
    for path in sorted((ROOT / "tests" / "fixtures").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                text = row.get("text") or ""
                texts.append(text[:LANGUAGE_SAMPLE_CHARS])
    return texts[:limit]


@pytest.mark.parametrize("languages", [tuple(sorted(DETECTABLE)), ("de", "en", "fr")])
def test_compiled_identifier_agrees_with_py3langid(languages):
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = identifier(languages)
    reference = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    reference.set_languages(list(languages))
    texts = HAND_MADE + _sample_texts()
    assert len(texts) > 300
    fast = ident.classify(texts)
    for text, (lang, conf) in zip(texts, fast):
        ref_lang, ref_conf = reference.classify(text)
        assert lang == ref_lang, text
        assert conf == pytest.approx(ref_conf, abs=1e-5), text


def test_identifier_names_the_obvious_languages():
    ident = identifier(tuple(sorted(DETECTABLE)))
    got = [lang for lang, _ in ident.classify(HAND_MADE[5:13])]
    assert got == ["en", "en", "fr", "de", "es", "ja", "zh", "ru"]
