"""Every word the digest shows, in Danish (the default) and English.

Kept in one table so a translator edits one file, and so a missing word fails the test that
renders both languages instead of showing a blank in someone's inbox.
"""

from __future__ import annotations

LANGUAGES = ("da", "en")

WORDS: dict[str, dict[str, str]] = {
    "da": {
        "brand": "Fondsradar",
        "title": "Fondsradar: nye fondsmuligheder",
        "week_title": "uge {week}, {year}",
        "for_group": "Til {group}",
        "archive_for": "Alle temaer",
        "intro": "Åbne og kommende opslag, der passer til Den Midtjyske Teknologipagts temaer.",
        "new": "Nye opslag",
        "changed": "Ændringer",
        "closing": "Lukker snart",
        "closing_intro": "Frist inden for {days} dage, den nærmeste først.",
        "upcoming": "Åbner senere",
        "upcoming_intro": "Opslag, der ikke er åbne endnu: der kan først søges, når de åbner.",
        "watched": "Sider vi holder øje med",
        "watched_intro": "Sider uden faste opslag, som har ændret sig.",
        "health": "Kilder",
        "deadline": "Frist",
        "opens": "Åbner",
        "amount": "Beløb",
        "budget": "Samlet budget",
        "target": "Målgruppe",
        "why": "Hvorfor",
        "level": "niveau",
        "new_badge": "NY",
        "rolling": "løbende",
        "no_deadline": "ingen frist oplyst",
        "today": "i dag",
        "tomorrow": "i morgen",
        "days_left_1": "1 dag tilbage",
        "days_left": "{n} dage tilbage",
        "up_to": "op til {amount}",
        "more_1": "og 1 mere",
        "more": "og {n} flere",
        "more_lines_1": "og 1 linje mere",
        "more_lines": "og {n} linjer mere",
        "added": "Nyt",
        "removed": "Fjernet",
        "page_changed": "Siden har ændret sig siden sidst.",
        "healthy": "{source}: {items} opslag, sidst hentet {when}",
        "healthy_never": "{source}: {items} opslag",
        "fail_empty": "{source}: ingen opslag fundet i denne uge — siden kan have ændret sig",
        "fail_drop": "{source}: langt færre opslag end sidst i denne uge — siden kan have "
                     "ændret sig",
        "fail_unreachable": "{source}: siden kunne ikke nås i denne uge",
        "fail_http": "{source}: siden svarede med fejl i denne uge",
        "fail_shell": "{source}: siden er nu en tom skal, som et script fylder ud i browseren, "
                      "så der var intet at læse i denne uge — siden er nok bygget om",
        "fail_fields": "{source}: opslagene blev fundet, men {what} manglede i denne uge — "
                       "siden kan have ændret sig; de sidst kendte oplysninger er beholdt",
        "field_deadline": "fristerne", "field_amount": "beløbene",
        "field_opening": "åbningsdatoerne", "field_description": "beskrivelserne", "and": "og",
        "fail_refused": "{source}: Fondsradar stoppede selv hentningen i denne uge — siden "
                        "førte til andre websteder, til flere sider end tilladt eller bad om "
                        "ikke at blive hentet (fondsradar status fortæller hvad)",
        "fail_other": "{source}: hentningen fejlede i denne uge",
        "all_unreachable": "Ingen af kilderne kunne nås i denne uge (måske var der ingen "
                           "netforbindelse). Opslagene her er dem, der var hentet før.",
        "last_ok": "sidst hentet uden fejl {when}",
        "never_ok": "aldrig hentet uden fejl",
        "footer": "Lavet af Fondsradar for Den Midtjyske Teknologipagt, Region Midtjylland.",
        "archive_link": "Se ugens samlede oversigt",
        "index_link": "Alle uger",
        "calendar_note": "Fristerne ligger i den vedhæftede kalenderfil.",
        "index_title": "Fondsradar: alle uger",
        "index_intro": "Ugens samlede oversigt over fondsmuligheder, nyeste først.",
        "subscribe": "Abonnér på fristerne (kalender)",
        "feed": "Nye opslag som feed (Atom)",
        "week_range": "{start} – {end}",
        "subject": "Fondsradar uge {week}: {summary}",
        "test_subject": "[Test] ",
        "nothing": "Intet nyt i denne uge.",
        "n_new_1": "1 nyt opslag",
        "n_new": "{n} nye opslag",
        "n_changed_1": "1 ændring",
        "n_changed": "{n} ændringer",
        "n_closing_1": "1 lukker snart",
        "n_closing": "{n} lukker snart",
        "n_upcoming_1": "1 åbner senere",
        "n_upcoming": "{n} åbner senere",
        "n_watched_1": "1 side ændret",
        "n_watched": "{n} sider ændret",
        "ics_name": "Fondsradar: frister",
        "ics_summary": "Frist: {title}",
        "ics_stage": "Frist {n} af {total}: {title}",
        "feed_title": "Fondsradar: nye fondsopslag",
        "feed_subtitle": "Nye opslag, der passer til Den Midtjyske Teknologipagts temaer.",
        "label_status": "Status",
        "label_deadlines": "Frist",
        "label_amount_min": "Mindste beløb",
        "label_amount_max": "Højeste beløb",
        "label_budget_total": "Samlet budget",
        "none": "ingen",
    },
    "en": {
        "brand": "Fondsradar",
        "title": "Fondsradar: new funding opportunities",
        "week_title": "week {week}, {year}",
        "for_group": "For {group}",
        "archive_for": "All themes",
        "intro": "Open and forthcoming calls that fit the themes of Den Midtjyske "
                 "Teknologipagt.",
        "new": "New calls",
        "changed": "Changes",
        "closing": "Closing soon",
        "closing_intro": "Deadline within {days} days, the nearest first.",
        "upcoming": "Opening later",
        "upcoming_intro": "Calls that are not open yet: you can apply once they open.",
        "watched": "Pages we watch",
        "watched_intro": "Pages without fixed calls that have changed.",
        "health": "Sources",
        "deadline": "Deadline",
        "opens": "Opens",
        "amount": "Amount",
        "budget": "Total budget",
        "target": "Target group",
        "why": "Why",
        "level": "level",
        "new_badge": "NEW",
        "rolling": "rolling",
        "no_deadline": "no deadline given",
        "today": "today",
        "tomorrow": "tomorrow",
        "days_left_1": "1 day left",
        "days_left": "{n} days left",
        "up_to": "up to {amount}",
        "more_1": "and 1 more",
        "more": "and {n} more",
        "more_lines_1": "and 1 more line",
        "more_lines": "and {n} more lines",
        "added": "Added",
        "removed": "Removed",
        "page_changed": "The page has changed since last time.",
        "healthy": "{source}: {items} calls, last fetched {when}",
        "healthy_never": "{source}: {items} calls",
        "fail_empty": "{source}: no calls found this week — the site may have changed",
        "fail_drop": "{source}: far fewer calls than last time this week — the site may "
                     "have changed",
        "fail_unreachable": "{source}: the site could not be reached this week",
        "fail_http": "{source}: the site answered with errors this week",
        "fail_shell": "{source}: the page is now an empty shell that a script fills in the "
                      "browser, so there was nothing to read this week — the site has probably "
                      "been rebuilt",
        "fail_fields": "{source}: the calls were found, but {what} were missing this week — "
                       "the site may have changed; the last known values are kept",
        "field_deadline": "the deadlines", "field_amount": "the amounts",
        "field_opening": "the opening dates", "field_description": "the descriptions",
        "and": "and",
        "fail_refused": "{source}: Fondsradar stopped fetching on purpose this week — the "
                        "site led to other websites, to more pages than allowed, or asked not "
                        "to be fetched (fondsradar status says which)",
        "fail_other": "{source}: fetching failed this week",
        "all_unreachable": "None of the sources could be reached this week (perhaps there was "
                           "no network). The calls here are those fetched before.",
        "last_ok": "last fetched without errors {when}",
        "never_ok": "never fetched without errors",
        "footer": "Made by Fondsradar for Den Midtjyske Teknologipagt, Region Midtjylland.",
        "archive_link": "See the week's full overview",
        "index_link": "All weeks",
        "calendar_note": "The deadlines are in the attached calendar file.",
        "index_title": "Fondsradar: all weeks",
        "index_intro": "The week's full overview of funding opportunities, newest first.",
        "subscribe": "Subscribe to the deadlines (calendar)",
        "feed": "New calls as a feed (Atom)",
        "week_range": "{start} – {end}",
        "subject": "Fondsradar week {week}: {summary}",
        "test_subject": "[Test] ",
        "nothing": "Nothing new this week.",
        "n_new_1": "1 new call",
        "n_new": "{n} new calls",
        "n_changed_1": "1 change",
        "n_changed": "{n} changes",
        "n_closing_1": "1 closing soon",
        "n_closing": "{n} closing soon",
        "n_upcoming_1": "1 opening later",
        "n_upcoming": "{n} opening later",
        "n_watched_1": "1 page changed",
        "n_watched": "{n} pages changed",
        "ics_name": "Fondsradar: deadlines",
        "ics_summary": "Deadline: {title}",
        "ics_stage": "Deadline {n} of {total}: {title}",
        "feed_title": "Fondsradar: new funding calls",
        "feed_subtitle": "New calls that fit the themes of Den Midtjyske Teknologipagt.",
        "label_status": "Status",
        "label_deadlines": "Deadline",
        "label_amount_min": "Minimum amount",
        "label_amount_max": "Maximum amount",
        "label_budget_total": "Total budget",
        "none": "none",
    },
}

STATUS: dict[str, dict[str, str]] = {
    "da": {"open": "åben", "forthcoming": "kommende", "closed": "lukket", "rolling": "løbende",
           "watch": "overvåget"},
    "en": {"open": "open", "forthcoming": "forthcoming", "closed": "closed",
           "rolling": "rolling", "watch": "watched"},
}

# The matcher's education signals (canonical Danish labels) as staff read them.
LEVELS: dict[str, dict[str, str]] = {
    "da": {"dagtilbud": "dagtilbud", "grundskole": "grundskole", "gymnasium": "gymnasium",
           "eud": "erhvervsuddannelser", "erhvervsakademi": "erhvervsakademi",
           "professionshøjskole": "professionshøjskole", "lærere": "lærere",
           "efteruddannelse": "efteruddannelse", "fritid": "fritid", "skole": "skole",
           "piger": "piger", "kvinder": "kvinder", "unge": "unge"},
    "en": {"dagtilbud": "early childhood", "grundskole": "primary and lower secondary",
           "gymnasium": "upper secondary", "eud": "vocational education (VET)",
           "erhvervsakademi": "business academies", "professionshøjskole": "university colleges",
           "lærere": "teachers", "efteruddannelse": "continuing education",
           "fritid": "out-of-school", "skole": "school", "piger": "girls", "kvinder": "women",
           "unge": "young people"},
}

# Source keys of the config as staff know them.
SOURCES: dict[str, str] = {
    "erasmus": "Erasmus+ (EU Funding & Tenders)",
    "novonordisk": "Novo Nordisk Fonden",
    "villum_velux": "Villum Fonden / Velux Fonden",
    "interreg": "Interreg",
    "pdj": "Poul Due Jensens Fond",
    "watch": "Overvågede sider",
    "manual": "Tilføjet i hånden",
}


SOURCES_EN: dict[str, str] = {"watch": "Watched pages", "manual": "Added by hand"}


def source_name(source: str, language: str = "da") -> str:
    """A source key (``novonordisk``) as staff know the source (``Novo Nordisk Fonden``)."""
    if language == "en" and source in SOURCES_EN:
        return SOURCES_EN[source]
    return SOURCES.get(source, source)


# Funders as the digest writes them, whatever spelling the source used ("VELUX FONDEN",
# "European Commission"): one name per funder and language, keyed by the name folded to
# lower case with single spaces. A funder not listed is shown as the source wrote it.
FUNDERS: dict[str, dict[str, str]] = {
    "european commission": {"da": "Europa-Kommissionen", "en": "European Commission"},
    "europa-kommissionen": {"da": "Europa-Kommissionen", "en": "European Commission"},
    "europæiske kommission": {"da": "Europa-Kommissionen", "en": "European Commission"},
    "villum fonden": {"da": "Villum Fonden", "en": "Villum Foundation"},
    "villum foundation": {"da": "Villum Fonden", "en": "Villum Foundation"},
    "velux fonden": {"da": "Velux Fonden", "en": "Velux Foundation"},
    "velux foundation": {"da": "Velux Fonden", "en": "Velux Foundation"},
    "novo nordisk fonden": {"da": "Novo Nordisk Fonden", "en": "Novo Nordisk Foundation"},
    "novo nordisk foundation": {"da": "Novo Nordisk Fonden", "en": "Novo Nordisk Foundation"},
    "poul due jensens fond": {"da": "Poul Due Jensens Fond", "en": "Poul Due Jensen Foundation"},
    "poul due jensen foundation": {"da": "Poul Due Jensens Fond",
                                   "en": "Poul Due Jensen Foundation"},
    "grundfos foundation": {"da": "Poul Due Jensens Fond", "en": "Poul Due Jensen Foundation"},
}


def funder_name(funder: str, language: str = "da") -> str:
    """A funder as the digest writes it in ``language`` (``VELUX FONDEN`` → ``Velux Fonden``,
    ``European Commission`` → ``Europa-Kommissionen`` in Danish)."""
    key = " ".join(funder.split()).casefold()
    names = FUNDERS.get(key)
    return names[language] if names else funder
