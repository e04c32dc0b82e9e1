"""The strings of the interactive evidence map (reports/<chapter>-map.html, evidence map)."""

from __future__ import annotations

__all__ = ["MAP"]

#: key -> (French, Dutch, English)
MAP: dict[str, tuple[str, str, str]] = {
    "title": ("Carte des preuves", "Bewijskaart", "Evidence map"),
    "intro": (
        "Bulle : les sources où un passage porte les deux codes. Cliquez pour lire.",
        "Bel: de bronnen waarin een passage beide codes draagt. Klik om te lezen.",
        "Bubble: the sources in which a passage carries both codes. Click to read.",
    ),
    "legend_colour": (
        "couleur : part du terrain",
        "kleur: aandeel veldwerk",
        "colour: field share",
    ),
    "filters": ("Filtres", "Filters", "Filters"),
    "source_type": ("Type de source", "Soort bron", "Source type"),
    "language": ("Langue du passage", "Taal van de passage", "Language of the passage"),
    "lang_fr": ("français", "Frans", "French"),
    "lang_nl": ("néerlandais", "Nederlands", "Dutch"),
    "lang_en": ("anglais", "Engels", "English"),
    "years": ("Années de publication", "Jaar van publicatie", "Years of publication"),
    "from": ("de", "van", "from"),
    "to": ("à", "tot", "to"),
    "country": ("Pays", "Land", "Country"),
    "confirmed_only": (
        "Seulement les codages confirmés par une personne",
        "Alleen coderingen die een persoon bevestigde",
        "Only codings a person confirmed",
    ),
    "reset": ("Tout afficher", "Alles tonen", "Show everything"),
    "total": ("Total", "Totaal", "Total"),
    "legend_size": (
        "taille : nombre de sources",
        "grootte: aantal bronnen",
        "size: sources",
    ),
    "legend_gap": ("lacune : aucune source", "lacune: geen bron", "gap: no source"),
    "cell_label": (
        "{row} × {col} : {sources} source(s), {passages} passage(s), {share} % de terrain",
        "{row} × {col}: {sources} bron(nen), {passages} passage(s), {share} % veldwerk",
        "{row} × {col}: {sources} source(s), {passages} passage(s), {share} % field",
    ),
    "passages_heading": (
        "{row} × {col} : {passages} passage(s) de {sources} source(s)",
        "{row} × {col}: {passages} passage(s) uit {sources} bron(nen)",
        "{row} × {col}: {passages} passage(s) from {sources} source(s)",
    ),
    "search": (
        "Filtrer les passages par mots :",
        "Passages filteren op woorden:",
        "Filter the passages by words:",
    ),
    "more": (
        "Afficher {n} passage(s) de plus ({left} restant(s))",
        "Toon {n} passage(s) meer (nog {left})",
        "Show {n} more passage(s) ({left} left)",
    ),
    "no_unpack": (
        "Ce navigateur ne sait pas décompresser la carte : ouvrez-la dans un navigateur récent.",
        "Deze browser kan de kaart niet uitpakken: open ze in een recente browser.",
        "This browser cannot unpack the map: open it in a recent browser.",
    ),
}
