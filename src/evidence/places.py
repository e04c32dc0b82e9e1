"""Where a source comes from: a country code from the place names a reference or a note gives.

References rarely name a country: they name a place of publication (``Bruxelles``,
``Paris : L'Harmattan``, ``Leuven``) or carry a ``Country:`` line in Zotero's Extra field.
:func:`find_country` reads such text into an ISO 3166 alpha-2 code (``BE``) from country
names in French, Dutch, English and German, their usual codes, and the cities and regions a
review on Brussels mostly meets; anything else gives "" and the workbook's ``[countries]``
table in evidence.toml says it. The names shown to people are in :mod:`evidence.i18n`.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["COUNTRY_CODES", "find_country", "read_country"]

# Each country's names, then cities and regions that can only mean it (folded: lowercase, no
# accents). Ambiguous places (Bergen, Hoboken, Laval, Cambridge MA) are left out.
_PLACES: dict[str, str] = {
    "BE": "belgium|belgique|belgie|belgien|brussels|bruxelles|brussel|bruxelles-capitale|"
    "antwerp|anvers|antwerpen|ghent|gand|gent|liege|luik|luttich|leuven|louvain|"
    "louvain-la-neuve|ottignies|namur|namen|charleroi|mons|bruges|brugge|mechelen|malines|"
    "hasselt|kortrijk|courtrai|ostend|oostende|ostende|wavre|waver|arlon|tournai|doornik|"
    "verviers|aalst|alost|genk|sint-niklaas|schaerbeek|schaarbeek|ixelles|elsene|anderlecht|"
    "molenbeek|saint-gilles|sint-gillis|etterbeek|uccle|ukkel|jette|evere|woluwe|wallonie|"
    "wallonia|wallonien|flanders|vlaanderen|flandre|flandres|gembloux|eupen",
    "FR": "france|frankrijk|frankreich|paris|parijs|lyon|marseille|lille|rijsel|toulouse|"
    "bordeaux|nantes|strasbourg|straatsburg|rennes|montpellier|grenoble|rouen|nancy|metz|"
    "dijon|aubervilliers|saint-denis|villeurbanne|seine-saint-denis|ile-de-france|roubaix|"
    "tourcoing",
    "NL": "netherlands|the netherlands|pays-bas|nederland|niederlande|holland|amsterdam|"
    "rotterdam|utrecht|den haag|the hague|la haye|'s-gravenhage|leiden|groningen|nijmegen|"
    "eindhoven|maastricht|tilburg|arnhem|delft|haarlem",
    "LU": "luxembourg|luxemburg|esch-sur-alzette",
    "DE": "germany|allemagne|duitsland|deutschland|berlin|berlijn|hamburg|munich|munchen|"
    "cologne|koln|keulen|frankfurt|frankfurt am main|bonn|aachen|aken|aix-la-chapelle",
    "GB": "united kingdom|uk|u.k.|great britain|britain|england|scotland|wales|"
    "northern ireland|royaume-uni|angleterre|ecosse|verenigd koninkrijk|engeland|schotland|"
    "grossbritannien|london|londres|londen|manchester|birmingham|leeds|bristol|oxford|"
    "edinburgh|edimbourg|glasgow|cardiff|liverpool|sheffield|abingdon|basingstoke|"
    "milton keynes|bingley|newcastle upon tyne|york",
    "IE": "ireland|irlande|ierland|irland|dublin|cork|galway",
    "US": "united states|united states of america|usa|u.s.a.|us|u.s.|etats-unis|"
    "verenigde staten|vereinigte staaten|new york|new york city|boston|chicago|washington|"
    "washington dc|washington, dc|los angeles|san francisco|philadelphia|seattle|"
    "thousand oaks|newbury park|new haven|baltimore",
    "CA": "canada|montreal|toronto|quebec|ottawa|vancouver",
    "CH": "switzerland|suisse|zwitserland|schweiz|geneve|geneva|genf|lausanne|zurich|bern|"
    "berne|neuchatel|fribourg|basel|bale",
    "ES": "spain|espagne|spanje|spanien|espana|madrid|barcelona|barcelone",
    "IT": "italy|italie|italia|italien|rome|roma|rom|milan|milano|mailand",
    "PT": "portugal|lisbon|lisbonne|lisboa|lissabon|porto",
    "DK": "denmark|danemark|denemarken|danmark|daenemark|copenhagen|copenhague|kopenhagen",
    "SE": "sweden|suede|zweden|schweden|sverige|stockholm|gothenburg|goteborg|lund",
    "NO": "norway|norvege|noorwegen|norwegen|norge|oslo",
    "FI": "finland|finlande|finnland|suomi|helsinki",
    "AT": "austria|autriche|oostenrijk|osterreich|vienna|vienne|wenen|wien",
    "AU": "australia|australie|australien|sydney|melbourne",
}
_BY_NAME = {name: code for code, names in _PLACES.items() for name in names.split("|")}

#: the countries :func:`find_country` knows, by ISO 3166 alpha-2 code
COUNTRY_CODES = tuple(sorted(_PLACES))
_PARTS = re.compile(r"[;,/()\[\]:|]+|\s+-\s+|\s+and\s+|\s+et\s+|\s+en\s+")


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.replace("’", "'").split()).strip(" .")


def find_country(text: str) -> str:
    """Return the ISO 3166 alpha-2 code of the country ``text`` names or places, else "".

    ``text`` may be a country (``Belgique``, ``BE``), a city (``Leuven``), or a place of
    publication with more in it (``Paris : L'Harmattan``, ``Brussels, Belgium``): the last
    part that names a known place decides, so a city's country follows it.
    """
    if not text or not text.strip():
        return ""
    whole = _fold(text)
    if whole in _BY_NAME:
        return _BY_NAME[whole]
    if len(text.strip()) == 2 and text.strip().upper() in _PLACES:
        return text.strip().upper()
    for part in reversed([p for p in _PARTS.split(whole) if p and p.strip()]):
        part = part.strip(" .")
        if part in _BY_NAME:
            return _BY_NAME[part]
    return ""


def read_country(named: str, *places: str) -> str:
    """Return a source's country: what ``named`` says (its code when known, else as
    written), else the country of the first of ``places`` (address, location) that has one."""
    if named.strip():
        return find_country(named) or " ".join(named.split())
    return next((c for c in map(find_country, places) if c), "")
