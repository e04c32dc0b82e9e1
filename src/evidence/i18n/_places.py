"""Country names, in French, Dutch and English, for the codes evidence.places gives."""

from __future__ import annotations

__all__ = ["COUNTRIES"]

# country names shown for the codes evidence.places gives, one line a country
COUNTRIES: dict[str, tuple[str, str, str]] = {  # ISO code: (French, Dutch, English)
    "AT": ("Autriche", "Oostenrijk", "Austria"),
    "AU": ("Australie", "Australië", "Australia"),
    "BE": ("Belgique", "België", "Belgium"),
    "CA": ("Canada", "Canada", "Canada"),
    "CH": ("Suisse", "Zwitserland", "Switzerland"),
    "DE": ("Allemagne", "Duitsland", "Germany"),
    "DK": ("Danemark", "Denemarken", "Denmark"),
    "ES": ("Espagne", "Spanje", "Spain"),
    "FI": ("Finlande", "Finland", "Finland"),
    "FR": ("France", "Frankrijk", "France"),
    "GB": ("Royaume-Uni", "Verenigd Koninkrijk", "United Kingdom"),
    "IE": ("Irlande", "Ierland", "Ireland"),
    "IT": ("Italie", "Italië", "Italy"),
    "LU": ("Luxembourg", "Luxemburg", "Luxembourg"),
    "NL": ("Pays-Bas", "Nederland", "Netherlands"),
    "NO": ("Norvège", "Noorwegen", "Norway"),
    "PT": ("Portugal", "Portugal", "Portugal"),
    "SE": ("Suède", "Zweden", "Sweden"),
    "US": ("États-Unis", "Verenigde Staten", "United States"),
}
