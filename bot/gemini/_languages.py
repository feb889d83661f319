"""Language names and codes: what people type, what Gemini reports, what the speech model
takes.

People name a language ("German", or its ISO 639-1 code "de"); the general model reports
ISO 639-1 codes; the speech model's ``language_codes`` are BCP-47 tags ("en-US"). A bare ISO
639-1 code is itself a valid BCP-47 tag, but the speech model's documentation gives
language-region tags, so each code gets the region of its most spoken variety.
"""

from __future__ import annotations

_BCP47 = {
    "en": "en-US",
    "es": "es-ES",
    "fr": "fr-FR",
    "de": "de-DE",
    "it": "it-IT",
    "pt": "pt-BR",
    "nl": "nl-NL",
    "pl": "pl-PL",
    "ru": "ru-RU",
    "uk": "uk-UA",
    "tr": "tr-TR",
    "ar": "ar-EG",
    "he": "he-IL",
    "hi": "hi-IN",
    "bn": "bn-IN",
    "ur": "ur-PK",
    "id": "id-ID",
    "vi": "vi-VN",
    "th": "th-TH",
    "ja": "ja-JP",
    "ko": "ko-KR",
    "zh": "zh-CN",
    "sv": "sv-SE",
    "no": "no-NO",
    "nb": "nb-NO",
    "da": "da-DK",
    "fi": "fi-FI",
    "el": "el-GR",
    "cs": "cs-CZ",
    "ro": "ro-RO",
    "hu": "hu-HU",
}
_NAMES = {
    "english": "en",
    "spanish": "es",
    "french": "fr",
    "german": "de",
    "italian": "it",
    "portuguese": "pt",
    "dutch": "nl",
    "polish": "pl",
    "russian": "ru",
    "ukrainian": "uk",
    "turkish": "tr",
    "arabic": "ar",
    "hebrew": "he",
    "hindi": "hi",
    "bengali": "bn",
    "urdu": "ur",
    "indonesian": "id",
    "vietnamese": "vi",
    "thai": "th",
    "japanese": "ja",
    "korean": "ko",
    "chinese": "zh",
    "mandarin": "zh",
    "swedish": "sv",
    "norwegian": "no",
    "danish": "da",
    "finnish": "fi",
    "greek": "el",
    "czech": "cs",
    "romanian": "ro",
    "hungarian": "hu",
}


def iso_639_1(language: str) -> str | None:
    """The ISO 639-1 code of a language name or code ("German", "de", "de-AT"); None when
    unknown."""
    text = language.strip().lower()
    if text in _NAMES:
        return _NAMES[text]
    primary = text.replace("_", "-").split("-", 1)[0]
    return primary if primary in _BCP47 else None


def bcp47(language: str) -> str | None:
    """The BCP-47 tag the speech model takes for a language name or ISO 639-1 code, e.g.
    ``bcp47("de") == "de-DE"``; a full tag given ("de-AT") is kept as given."""
    code = iso_639_1(language)
    if code is None:
        return None
    parts = language.strip().replace("_", "-").split("-")
    if len(parts) == 2 and len(parts[1]) == 2 and parts[0].lower() == code:
        return f"{code}-{parts[1].upper()}"
    return _BCP47[code]
