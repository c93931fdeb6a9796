"""The page's language (Flask-Babel): the one chosen with ?lang= (kept in the session), else the
browser's Accept-Language, else bokmål. Public pages only (the form, the tracking page, the
privacy page, the e-mail action pages and sign-in); staff pages stay bokmål for now.

Flask-Babel's domain is given shared.i18n's catalogs, the same the notifier writes e-mails from.
"""
from __future__ import annotations

from typing import Any

from flask import Flask, request, session, url_for
from flask_babel import Babel, Domain, get_locale
from werkzeug.datastructures import LanguageAccept

from shared.i18n import DEFAULT_LANGUAGE, LANGUAGE_NAMES, LANGUAGES, known_language, translations

SESSION_KEY = "lang"
# The blueprints whose pages and messages follow the reader's language; an error page outside
# them (a 404 for an unknown address has no blueprint) does too.
PUBLIC_BLUEPRINTS = frozenset({"web", "tracking", "privacy", "actions", "sign_in"})
# Pages without a language switch: the receipt shows its tracking link once, and a reload for
# another language would lose it; a link's page after its use would show it as used.
NO_SWITCH = frozenset({"web.receipt", "actions.use_link_page"})


def accepted_language(accept: LanguageAccept) -> str:
    """The browser's most wanted language we have, by its primary tag ("nn-NO" is nynorsk, not
    the bokmål it accepts second); "no" (Norwegian, unspecified) is bokmål; else bokmål."""
    for value, _quality in accept:  # most wanted first
        primary = value.replace("_", "-").split("-")[0].lower()
        if primary in LANGUAGES or primary == "no":
            return known_language(primary)
    return DEFAULT_LANGUAGE


def is_public() -> bool:
    return request.blueprint in PUBLIC_BLUEPRINTS or request.blueprint is None


def page_language() -> str:
    if not is_public():
        return DEFAULT_LANGUAGE
    chosen = session.get(SESSION_KEY)
    return chosen if chosen in LANGUAGES else accepted_language(request.accept_languages)


def remember_choice() -> None:
    """?lang=nn on any public page switches the language and keeps it for the session."""
    chosen = request.args.get("lang")
    if chosen in LANGUAGES and is_public() and session.get(SESSION_KEY) != chosen:
        session[SESSION_KEY] = chosen


def language_links() -> list[dict[str, str]]:
    """The switch to the other languages, on public pages that can be shown again."""
    if not is_public() or request.endpoint in NO_SWITCH or request.endpoint is None:
        return []
    current = str(get_locale())
    return [
        {"language": language, "name": name,
         "url": url_for(request.endpoint, **(request.view_args or {}), lang=language)}
        for language, name in LANGUAGE_NAMES.items() if language != current
    ]


class CatalogDomain(Domain):  # type: ignore[misc]
    """Flask-Babel's texts from shared.i18n's catalogs (compiled in memory, one per language)."""

    def get_translations(self) -> Any:
        return translations(known_language(str(get_locale())))


def init_app(app: Flask) -> None:
    babel = Babel(app, locale_selector=page_language)
    babel.domain_instance = CatalogDomain()  # a cached property Flask-Babel reads its texts through
    app.before_request(remember_choice)

    @app.context_processor
    def _language() -> dict[str, Any]:
        return {"page_language": str(get_locale()), "language_links": language_links()}
