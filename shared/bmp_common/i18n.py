"""Request language: the ``bmpLanguage`` header (``zh_CN`` / ``en_US``), else the user's own."""

from __future__ import annotations

from django.conf import settings

EN_US = "en_US"
ZH_CN = "zh_CN"
LANGUAGES = (EN_US, ZH_CN)

# Django's own translation catalogues (DRF ships zh_Hans) use these codes.
DJANGO_LANGUAGE = {EN_US: "en", ZH_CN: "zh-hans"}


def default_language() -> str:
    return getattr(settings, "BMP_DEFAULT_LANGUAGE", EN_US)


def header_language(request) -> str | None:
    value = request.META.get("HTTP_BMPLANGUAGE", "").strip()
    return value if value in LANGUAGES else None


def request_language(request) -> str:
    """Header first, then the authenticated user's stored language, then the default."""
    if request is None:
        return default_language()
    chosen = header_language(request)
    if chosen:
        return chosen
    user = getattr(request, "_bmp_user", None)
    user_language = getattr(user, "language", None)
    if user_language in LANGUAGES:
        return user_language
    return default_language()


# The display names of the languages themselves, in each language (upstream's languageName).
LANGUAGE_NAMES = {
    EN_US: {EN_US: "English", ZH_CN: "英文"},
    ZH_CN: {EN_US: "Chinese", ZH_CN: "中文"},
}


def display_name(names: dict[str, dict[str, str]], value: str, language: str) -> str:
    """The ``...Name`` twin of an enum ``value`` in ``language`` (the value itself if unknown)."""
    return names.get(value, {}).get(language, value)
