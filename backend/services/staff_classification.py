"""The one classification the hotline records and counts by (docs/statistics.md).

Violence types follow the four forms defined in Article 1 of the Law of the Republic of Tajikistan
"On the Prevention of Violence in the Family" (2013): physical, psychological, sexual and economic.
Each case is counted once, under its PRIMARY type; other forms present are recorded but not counted,
so figures add up and can be combined with other services without double counting.
Districts follow the administrative divisions (Dushanbe, Districts of Republican Subordination,
Sughd,
Khatlon, Gorno-Badakhshan); "unknown" when she did not say or it is unsafe to ask.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

VIOLENCE_TYPES: dict[str, object] = {
    "physical": _l("Physical violence"),
    "psychological": _l("Psychological violence"),
    "sexual": _l("Sexual violence"),
    "economic": _l("Economic violence"),
    "not_disclosed": _l("Not disclosed"),
}

REFERRAL_SERVICES: dict[str, object] = {
    "police": _l("Police"),
    "legal_aid": _l("Legal aid"),
    "crisis_centre": _l("Crisis centre or shelter"),
    "psychologist": _l("Psychologist"),
    "district_working_group": _l("District working group"),
}

OUTCOMES: dict[str, object] = {
    "advice_safety_plan": _l("Advice and safety plan given"),
    "referred": _l("Referred to services"),
    "emergency_response": _l("Emergency response arranged"),
    "no_safe_contact": _l("No safe contact possible"),
    "false_alarm": _l("Accidental or false alarm"),
    "other": _l("Other"),
}

_REGIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "dushanbe": ("Dushanbe", ("Dushanbe",)),
    "drs": ("Districts of Republican Subordination", (
        "Vahdat", "Varzob", "Hisor", "Tursunzoda", "Shahrinav", "Rudaki", "Rasht", "Roghun",
        "Faizobod", "Nurobod", "Tojikobod", "Lakhsh", "Sangvor")),
    "sughd": ("Sughd", (
        "Khujand", "Buston", "Guliston", "Isfara", "Istaravshan", "Istiqlol", "Konibodom",
        "Panjakent", "Ayni", "Asht", "Bobojon Ghafurov", "Devashtich", "Jabbor Rasulov",
        "Kuhistoni Mastchoh", "Mastchoh", "Spitamen", "Shahriston", "Zafarobod")),
    "khatlon": ("Khatlon", (
        "Bokhtar", "Kulob", "Levakant", "Norak", "Baljuvon", "Danghara", "Dusti", "Farkhor",
        "Hamadoni", "Jaloliddini Balkhi", "Jayhun", "Jomi", "Khovaling", "Khuroson",
        "Kushoniyon", "Muminobod", "Nosiri Khusrav", "Panj", "Qubodiyon", "Shamsiddin Shohin",
        "Shahritus", "Temurmalik", "Vakhsh", "Vose", "Yovon")),
    "gbao": ("Gorno-Badakhshan", (
        "Khorugh", "Darvoz", "Ishkoshim", "Murghob", "Roshtqal'a", "Rushon", "Shughnon",
        "Vanj")),
}


def _code(region: str, name: str) -> str:
    slug = name.lower().replace("'", "").replace(" ", "-")
    return f"{region}.{slug}"


# code → (region label, district name); "unknown" first.
DISTRICTS: dict[str, tuple[str, str]] = {"unknown": ("", "Unknown")}
for _region, (_label, _names) in _REGIONS.items():
    for _name in _names:
        DISTRICTS[_code(_region, _name)] = (_label, _name)


def district_label(code: str) -> str:
    """"Region: District" for a district code ("Unknown" for unknown codes)."""
    region, name = DISTRICTS.get(code, ("", "Unknown"))
    return f"{region}: {name}" if region else str(_l("Unknown"))


def label_of(table: dict[str, object], code: str) -> str:
    """The translated label of ``code`` in one of the tables above (the code itself if unknown)."""
    return str(table.get(code, code))
