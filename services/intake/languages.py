"""The page's language (Flask-Babel). On public pages (the form, the tracking page, the privacy
page, the e-mail action pages and sign-in): the one chosen with ?lang= (kept in the session), else
the browser's Accept-Language, else bokmål. On the staff's pages (the workspace): the signed-in
contact's own language from the directory, bokmål or nynorsk (SPEC §9), with no switch.

Flask-Babel's domain is given shared.i18n's catalogs, the same the notifier writes e-mails from.
"""
from __future__ import annotations

from typing import Any

from flask import Flask, request, session, url_for
from flask_babel import Babel, Domain, get_locale, gettext
from werkzeug.datastructures import LanguageAccept

from shared.i18n import DEFAULT_LANGUAGE, LANGUAGE_NAMES, LANGUAGES, known_language, translations

SESSION_KEY = "lang"
# The blueprints whose pages and messages follow the reader's language; an error page outside
# them (a 404 for an unknown address has no blueprint) does too.
PUBLIC_BLUEPRINTS = frozenset({"web", "tracking", "privacy", "actions", "sign_in"})
# The workspace's blueprints whose pages follow the signed-in contact: those translated so far
# (the inbox and the case page; the notice forms; absence, compliance, access and personal data; the
# meetings, their minutes and their PDFs and .ics; the handbook; the directory; the layout and sign-in are
# too). Every workspace page is in them now.
STAFF_PAGE_BLUEPRINTS = frozenset({"workspace", "workspace_notices", "workspace_absence", "workspace_compliance",
                                   "workspace_access", "workspace_privacy", "workspace_meetings",
                                   "workspace_documents", "workspace_handbook", "directory"})
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
        return staff_page_language()
    chosen = session.get(SESSION_KEY)
    return chosen if chosen in LANGUAGES else accepted_language(request.accept_languages)


def staff_page_language() -> str:
    """The signed-in contact's language on a staff page; bokmål for no one signed in (and the API)."""
    if not request.blueprint or request.blueprint.split(".")[0] not in STAFF_PAGE_BLUEPRINTS:
        return DEFAULT_LANGUAGE
    from .workspace.sessions import current_user  # here: the workspace imports the modules that import this one

    user = current_user()
    return user.language if user is not None else DEFAULT_LANGUAGE


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


def translated(labels: dict[str, str]) -> list[tuple[str, str]]:
    """A code list's (value, label) pairs with the labels in the page's language, for a <select>."""
    return [(value, gettext(label)) for value, label in labels.items()]


class CatalogDomain(Domain):  # type: ignore[misc]
    """Flask-Babel's texts from shared.i18n's catalogs (compiled in memory, one per language)."""

    def get_translations(self) -> Any:
        return translations(known_language(str(get_locale())))


def init_app(app: Flask) -> None:
    babel = Babel(app, locale_selector=page_language)
    babel.domain_instance = CatalogDomain()  # a cached property Flask-Babel reads its texts through
    app.before_request(remember_choice)

    app.add_template_global(translated)

    @app.context_processor
    def _language() -> dict[str, Any]:
        return {"page_language": str(get_locale()), "language_links": language_links()}
