"""The handbook parser's reasons (English, as the API gives them) in the workspace's language.

Each known reason has a pattern and a message id (bokmål) filled from the pattern's named groups;
a reason none matches is shown as it is. Field paths, keys and values stay as the YAML writes them,
since the user finds them there.
"""
from __future__ import annotations

import re

from flask_babel import gettext

from shared.i18n import N_

_REASONS: tuple[tuple[str, str], ...] = (
    (r"the handbook is empty", N_("håndboka er tom")),
    (r"the handbook must be a mapping with format, defaults and case_types",
     N_("håndboka må være en tabell med format, defaults og case_types")),
    (r"the document is nested too deeply", N_("dokumentet er nøstet for dypt")),
    (r"anchors and aliases are not supported", N_("ankere og aliaser (& og *) er ikke tillatt")),
    (r"duplicate key '(?P<key>.*)'", N_("nøkkelen '%(key)s' står to ganger")),
    (r"duplicate key", N_("en nøkkel står to ganger")),
    (r"YAML syntax error: (?P<error>.*)", N_("YAML-syntaksfeil: %(error)s")),
    (r"unreadable value: (?P<error>.*)", N_("verdien kan ikke leses: %(error)s")),
    (r"unknown role (?P<role>.*) \(known: (?P<known>.*), or contact:<e-mail>\)",
     N_("ukjent rolle %(role)s (kjente roller: %(known)s, eller contact:<e-post>)")),
    (r"must be a whole number of working days from 1 to (?P<most>\d+), or null",
     N_("må være et helt antall virkedager fra 1 til %(most)s, eller null (ingen frist)")),
    (r"must be a number between 0 and 1 \(exclusive\), e\.g\. 0\.75",
     N_("må være et tall mellom 0 og 1, for eksempel 0.75")),
    (r"no e-mail template named (?P<name>.*)", N_("det finnes ingen e-postmal som heter %(name)s")),
    (r"must be a list of roles \(use \[\] for none\)", N_("må være en liste med roller (skriv [] for ingen)")),
    (r"names the same role twice", N_("samme rolle står to ganger")),
    (r"must be a mapping \(key: value\)", N_("må være en tabell (nøkkel: verdi)")),
    (r"must be a mapping of kind to template name", N_("må være en tabell fra type e-post til malnavn")),
    (r"must be a mapping of organisasjonsnummer to rule", N_("må være en tabell fra organisasjonsnummer til regel")),
    (r"unknown key '(?P<key>.*)' \(allowed: (?P<allowed>.*)\)",
     N_("ukjent nøkkel '%(key)s' (tillatt her: %(allowed)s)")),
    (r"a key must be a plain value", N_("en nøkkel må være en enkel verdi")),
    (r"'(?P<key>.*)' is missing", N_("'%(key)s' mangler")),
    (r"names no template for (?P<kind>.*)", N_("mangler e-postmal for %(kind)s")),
    (r"'(?P<value>.*)' is not a valid organisasjonsnummer", N_("'%(value)s' er ikke et gyldig organisasjonsnummer")),
    (r"acknowledge_days \((?P<acknowledge>\d+)\) must be less than resolve_days \((?P<resolve>\d+)\)",
     N_("acknowledge_days (%(acknowledge)s) må være mindre enn resolve_days (%(resolve)s): saken må kvitteres "
        "før den løses")),
    (r"only format 1 is known", N_("bare format 1 finnes")),
    (r'must be a day every year has, as "MM-DD" in quotes, e.g. "03-01"',
     N_('må være en dag som finnes hvert år, skrevet "MM-DD" i anførselstegn, for eksempel "03-01"')),
    (r'must come after from \("(?P<first>.*)"\): a window lies inside one year',
     N_('må komme etter from ("%(first)s"): et møtevindu ligger innenfor ett år')),
    (r'overlaps (?P<other>\w+) \("(?P<first>.*)" to "(?P<last>.*)"\); the two windows must not share a day',
     N_('overlapper %(other)s ("%(first)s" til "%(last)s"); de to møtevinduene kan ikke ha felles dager')),
    (r"lies entirely inside the common summer holiday \(weeks (?P<weeks>.*)\) in (?P<year>\d+), when no meeting "
     r"is held",
     N_("ligger helt i fellesferien (uke %(weeks)s) i %(year)s, da det ikke holdes møter")),
    (r"has no day a meeting can be held in (?P<year>\d+) \(.*\)",
     N_("har ingen dag da et møte kan holdes i %(year)s (en arbeidsdag utenom uke 28–31 og 22. desember–3. "
        "januar)")),
    (r"must be a whole number of working days from 1 to (?P<most>\d+)",
     N_("må være et helt antall virkedager fra 1 til %(most)s")),
    (r"must leave a day for the meeting before a meeting request's (?P<days>\d+)-day deadline: at most "
     r"(?P<most>\d+) working days",
     N_("må gi rom for møtet før fristen på %(days)s dager for et ønsket møte: høyst %(most)s virkedager")),
    (r"(?P<role>\S+) cannot be (?P<what>\w+): a borettslag board never gets a case or action links.*",
     N_("%(role)s kan ikke være %(what)s: styret i et borettslag får aldri en sak eller handlingslenker "
        "(sett styret under copies for å sende det et sammendrag)")),
    (r"no contact with the e-mail address (?P<email>\S+) in the directory",
     N_("ingen kontaktperson med e-postadressen %(email)s i kontaktregisteret")),
    (r"(?P<email>\S+) does not work in agreement (?P<agreement>\d+), whose handbook this is",
     N_("%(email)s er ikke med i avtale %(agreement)s, som denne håndboka gjelder for")),
    (r"(?P<email>\S+) is a borettslag board's contact, who never gets a case or action links.*",
     N_("%(email)s er kontaktperson for et borettslagsstyre, som aldri får en sak eller handlingslenker "
        "(sett adressen under copies for å sende et sammendrag)")),
)
_COMPILED = tuple((re.compile(pattern, re.DOTALL), words) for pattern, words in _REASONS)


def in_norwegian(reason: str) -> str:
    """`reason` (optionally after a field path and ": ") in the page's language (bokmål or nynorsk)."""
    where, separator, rest = reason.partition(": ")
    if not separator or " " in where:
        where, rest = "", reason
    for pattern, words in _COMPILED:
        found = pattern.fullmatch(rest)
        if found:
            rest = str(gettext(words, **found.groupdict()))
            break
    return f"{where}: {rest}" if where else rest
