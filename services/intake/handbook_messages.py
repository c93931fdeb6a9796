"""The handbook parser's reasons (English, as the API gives them) in bokmål for the workspace.

Each known reason has a pattern; a reason none matches is shown as it is. Field paths, keys and
values stay as the YAML writes them, since the user finds them there.
"""
from __future__ import annotations

import re

_REASONS: tuple[tuple[str, str], ...] = (
    (r"the handbook is empty", "håndboka er tom"),
    (r"the handbook must be a mapping with format, defaults and case_types",
     "håndboka må være en tabell med format, defaults og case_types"),
    (r"the document is nested too deeply", "dokumentet er nøstet for dypt"),
    (r"anchors and aliases are not supported", "ankere og aliaser (& og *) er ikke tillatt"),
    (r"duplicate key '(.*)'", r"nøkkelen '\1' står to ganger"),
    (r"duplicate key", "en nøkkel står to ganger"),
    (r"YAML syntax error: (.*)", r"YAML-syntaksfeil: \1"),
    (r"unreadable value: (.*)", r"verdien kan ikke leses: \1"),
    (r"unknown role (.*) \(known: (.*), or contact:<e-mail>\)",
     r"ukjent rolle \1 (kjente roller: \2, eller contact:<e-post>)"),
    (r"must be a whole number of working days from 1 to (\d+), or null",
     r"må være et helt antall virkedager fra 1 til \1, eller null (ingen frist)"),
    (r"must be a number between 0 and 1 \(exclusive\), e\.g\. 0\.75",
     "må være et tall mellom 0 og 1, for eksempel 0.75"),
    (r"no e-mail template named (.*)", r"det finnes ingen e-postmal som heter \1"),
    (r"must be a list of roles \(use \[\] for none\)", "må være en liste med roller (skriv [] for ingen)"),
    (r"names the same role twice", "samme rolle står to ganger"),
    (r"must be a mapping \(key: value\)", "må være en tabell (nøkkel: verdi)"),
    (r"must be a mapping of kind to template name", "må være en tabell fra type e-post til malnavn"),
    (r"must be a mapping of organisasjonsnummer to rule", "må være en tabell fra organisasjonsnummer til regel"),
    (r"unknown key '(.*)' \(allowed: (.*)\)", r"ukjent nøkkel '\1' (tillatt her: \2)"),
    (r"a key must be a plain value", "en nøkkel må være en enkel verdi"),
    (r"'(.*)' is missing", r"'\1' mangler"),
    (r"names no template for (.*)", r"mangler e-postmal for \1"),
    (r"'(.*)' is not a valid organisasjonsnummer", r"'\1' er ikke et gyldig organisasjonsnummer"),
    (r"acknowledge_days \((\d+)\) must be less than resolve_days \((\d+)\)",
     r"acknowledge_days (\1) må være mindre enn resolve_days (\2): saken må kvitteres før den løses"),
    (r"only format 1 is known", "bare format 1 finnes"),
    (r'must be a day every year has, as "MM-DD" in quotes, e.g. "03-01"',
     'må være en dag som finnes hvert år, skrevet "MM-DD" i anførselstegn, for eksempel "03-01"'),
    (r'must come after from \("(.*)"\): a window lies inside one year',
     r'må komme etter from ("\1"): et møtevindu ligger innenfor ett år'),
    (r'overlaps (\w+) \("(.*)" to "(.*)"\); the two windows must not share a day',
     r'overlapper \1 ("\2" til "\3"); de to møtevinduene kan ikke ha felles dager'),
    (r"lies entirely inside the common summer holiday \(weeks (.*)\) in (\d+), when no meeting is held",
     r"ligger helt i fellesferien (uke \1) i \2, da det ikke holdes møter"),
    (r"has no day a meeting can be held in (\d+) \(.*\)",
     r"har ingen dag da et møte kan holdes i \1 (en arbeidsdag utenom uke 28–31 og 22. desember–3. januar)"),
    (r"must be a whole number of working days from 1 to (\d+)",
     r"må være et helt antall virkedager fra 1 til \1"),
    (r"must leave a day for the meeting before a meeting request's (\d+)-day deadline: at most (\d+) working days",
     r"må gi rom for møtet før fristen på \1 dager for et ønsket møte: høyst \2 virkedager"),
    (r"(\S+) cannot be (\w+): a borettslag board never gets a case or action links.*",
     r"\1 kan ikke være \2: styret i et borettslag får aldri en sak eller handlingslenker "
     r"(sett styret under copies for å sende det et sammendrag)"),
    (r"no contact with the e-mail address (\S+) in the directory",
     r"ingen kontaktperson med e-postadressen \1 i kontaktregisteret"),
    (r"(\S+) is a borettslag board's contact, who never gets a case or action links.*",
     r"\1 er kontaktperson for et borettslagsstyre, som aldri får en sak eller handlingslenker "
     r"(sett adressen under copies for å sende et sammendrag)"),
)
_COMPILED = tuple((re.compile(pattern, re.DOTALL), words) for pattern, words in _REASONS)


def in_norwegian(reason: str) -> str:
    """`reason` (optionally after a field path and ": ") in bokmål."""
    where, separator, rest = reason.partition(": ")
    if not separator or " " in where:
        where, rest = "", reason
    for pattern, words in _COMPILED:
        if pattern.fullmatch(rest):
            rest = pattern.sub(words, rest)
            break
    return f"{where}: {rest}" if where else rest
