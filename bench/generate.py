"""Fill a PostgreSQL database with a realistic, large cluster registry for the benchmark.

    .venv/bin/python bench/generate.py                        # 100,000 clusters, 1,000,000 organizations
    .venv/bin/python bench/generate.py --reset                # empty the tables first
    .venv/bin/python bench/generate.py --clusters 2000 --organizations 20000 --reset   # quick check
    .venv/bin/python bench/generate.py --recreate             # drop the database and start again
    .venv/bin/python bench/generate.py --verify-only          # are the stored documents still render()'s?

Creates the database if missing, runs the project's migrations, then loads everything in ONE transaction
with COPY (FREEZE): the tables are truncated, their secondary indexes dropped, the rows copied and the
indexes rebuilt, so an interrupted run leaves the database as it was. `clusters.document` is built by the
project's own `api.clusters.service.render()` (on lightweight objects), so GET /api/v1/clusters/{id}
serves exactly what the service would have stored. Ends with VACUUM ANALYZE and a check that, for a sample
of clusters, the ORM-loaded cluster renders to the stored document and that it parses as ClusterRead.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import orjson
import psycopg
from psycopg import sql
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from common import DEFAULT_DATABASE_URL, admin_url, database_name, libpq_url  # noqa: E402

from api.clusters import service  # noqa: E402
from api.core import migrate  # noqa: E402

console = Console()

# ---- reference data ------------------------------------------------------------------------------------
# NUTS-2 region -> (name, [(NUTS-3 code, province, lat, lon, [localities])])

IT_REGIONS: dict[str, tuple[str, list[tuple[str, str, float, float, list[str]]]]] = {
    "ITC1": ("Piemonte", [
        ("ITC11", "Torino", 45.07, 7.69, ["Torino", "Pinerolo", "Chieri", "Ivrea"]),
        ("ITC13", "Biella", 45.56, 8.05, ["Biella", "Cossato", "Valle Mosso"]),
        ("ITC16", "Cuneo", 44.39, 7.55, ["Alba", "Bra", "Saluzzo"]),
        ("ITC15", "Novara", 45.45, 8.62, ["Borgomanero", "Oleggio"]),
    ]),
    "ITC4": ("Lombardia", [
        ("ITC4C", "Milano", 45.46, 9.19, ["Milano", "Legnano", "Sesto San Giovanni"]),
        ("ITC46", "Bergamo", 45.69, 9.67, ["Bergamo", "Dalmine", "Grumello del Monte"]),
        ("ITC47", "Brescia", 45.54, 10.21, ["Lumezzane", "Brescia", "Sarezzo", "Palazzolo sull'Oglio"]),
        ("ITC42", "Como", 45.81, 9.08, ["Como", "Cantù", "Mariano Comense"]),
        ("ITC41", "Varese", 45.82, 8.83, ["Busto Arsizio", "Gallarate", "Castellanza"]),
        ("ITC4B", "Mantova", 45.16, 10.79, ["Castel Goffredo", "Viadana", "Suzzara"]),
    ]),
    "ITH3": ("Veneto", [
        ("ITH32", "Vicenza", 45.55, 11.55, ["Arzignano", "Schio", "Bassano del Grappa", "Valdagno"]),
        ("ITH34", "Treviso", 45.67, 12.24, ["Montebelluna", "Conegliano", "Oderzo"]),
        ("ITH35", "Venezia", 45.44, 12.33, ["Murano", "Stra", "Portogruaro"]),
        ("ITH31", "Verona", 45.44, 10.99, ["Verona", "Bovolone", "San Bonifacio"]),
        ("ITH33", "Belluno", 46.14, 12.22, ["Agordo", "Longarone", "Feltre"]),
    ]),
    "ITH4": ("Friuli-Venezia Giulia", [
        ("ITH42", "Udine", 46.06, 13.24, ["Manzano", "San Giovanni al Natisone"]),
        ("ITH41", "Pordenone", 45.96, 12.66, ["Pordenone", "Maniago", "Brugnera"]),
    ]),
    "ITH5": ("Emilia-Romagna", [
        ("ITH54", "Modena", 44.65, 10.93, ["Sassuolo", "Carpi", "Mirandola", "Fiorano Modenese"]),
        ("ITH52", "Parma", 44.80, 10.33, ["Parma", "Langhirano", "Collecchio"]),
        ("ITH55", "Bologna", 44.49, 11.34, ["Bologna", "Imola", "Casalecchio di Reno"]),
        ("ITH57", "Ravenna", 44.42, 12.20, ["Faenza", "Ravenna"]),
        ("ITH59", "Rimini", 44.06, 12.57, ["Rimini", "Santarcangelo di Romagna"]),
    ]),
    "ITI1": ("Toscana", [
        ("ITI17", "Pisa", 43.72, 10.40, ["Santa Croce sull'Arno", "Ponte a Egola", "Pontedera", "Castelfranco di Sotto"]),
        ("ITI15", "Prato", 43.88, 11.10, ["Prato", "Montemurlo", "Vaiano"]),
        ("ITI12", "Lucca", 43.84, 10.50, ["Capannori", "Viareggio", "Porcari"]),
        ("ITI11", "Massa-Carrara", 44.08, 10.10, ["Carrara", "Massa"]),
        ("ITI14", "Firenze", 43.77, 11.25, ["Empoli", "Scandicci", "Sesto Fiorentino"]),
        ("ITI18", "Arezzo", 43.46, 11.88, ["Arezzo", "Sansepolcro", "Montevarchi"]),
        ("ITI13", "Pistoia", 43.93, 10.91, ["Quarrata", "Pescia"]),
        ("ITI19", "Siena", 43.32, 11.33, ["Poggibonsi", "Colle di Val d'Elsa"]),
    ]),
    "ITI2": ("Umbria", [
        ("ITI21", "Perugia", 43.11, 12.39, ["Città di Castello", "Deruta", "Foligno"]),
        ("ITI22", "Terni", 42.56, 12.64, ["Terni", "Narni"]),
    ]),
    "ITI3": ("Marche", [
        ("ITI32", "Ancona", 43.62, 13.52, ["Fabriano", "Jesi", "Castelfidardo"]),
        ("ITI33", "Macerata", 43.30, 13.45, ["Civitanova Marche", "Tolentino", "Recanati"]),
        ("ITI35", "Fermo", 43.16, 13.72, ["Porto Sant'Elpidio", "Montegranaro", "Monte Urano"]),
        ("ITI31", "Pesaro e Urbino", 43.91, 12.91, ["Pesaro", "Urbino"]),
    ]),
    "ITI4": ("Lazio", [
        ("ITI43", "Roma", 41.90, 12.50, ["Pomezia", "Roma", "Guidonia Montecelio"]),
        ("ITI44", "Latina", 41.47, 12.90, ["Latina", "Aprilia"]),
        ("ITI41", "Viterbo", 42.42, 12.11, ["Civita Castellana", "Viterbo"]),
    ]),
    "ITF3": ("Campania", [
        ("ITF33", "Napoli", 40.85, 14.27, ["Nola", "San Giuseppe Vesuviano", "Torre del Greco", "Marcianise"]),
        ("ITF35", "Salerno", 40.68, 14.77, ["Nocera Inferiore", "Salerno"]),
        ("ITF34", "Avellino", 40.91, 14.79, ["Solofra", "Avellino"]),
    ]),
    "ITF4": ("Puglia", [
        ("ITF47", "Bari", 41.12, 16.87, ["Altamura", "Santeramo in Colle", "Bari"]),
        ("ITF45", "Lecce", 40.35, 18.17, ["Casarano", "Tricase", "Lecce"]),
        ("ITF46", "Foggia", 41.46, 15.55, ["Foggia", "San Severo"]),
    ]),
    "ITG1": ("Sicilia", [
        ("ITG12", "Palermo", 38.12, 13.36, ["Palermo", "Termini Imerese"]),
        ("ITG17", "Catania", 37.50, 15.09, ["Catania", "Caltagirone"]),
        ("ITG19", "Siracusa", 37.08, 15.29, ["Augusta", "Priolo Gargallo"]),
    ]),
    "ITG2": ("Sardegna", [
        ("ITG25", "Sassari", 40.73, 8.56, ["Calangianus", "Tempio Pausania"]),
    ]),
}

OTHER_REGIONS: dict[str, dict[str, tuple[str, list[tuple[str, str, float, float, list[str]]]]]] = {
    "DE": {
        "DE11": ("Stuttgart", [("DE111", "Stuttgart", 48.78, 9.18, ["Stuttgart", "Sindelfingen"])]),
        "DE21": ("Oberbayern", [("DE212", "München", 48.14, 11.58, ["München", "Garching"])]),
        "DEA1": ("Düsseldorf", [("DEA11", "Düsseldorf", 51.23, 6.77, ["Düsseldorf", "Neuss"])]),
        "DEA2": ("Köln", [("DEA23", "Köln", 50.94, 6.96, ["Köln", "Leverkusen"])]),
    },
    "FR": {
        "FR10": ("Île-de-France", [("FR101", "Paris", 48.86, 2.35, ["Paris", "Saclay"])]),
        "FRK2": ("Rhône-Alpes", [("FRK26", "Rhône", 45.76, 4.84, ["Lyon", "Villeurbanne"])]),
        "FRJ2": ("Midi-Pyrénées", [("FRJ23", "Haute-Garonne", 43.60, 1.44, ["Toulouse", "Blagnac"])]),
        "FRL0": ("Provence-Alpes-Côte d'Azur", [("FRL04", "Bouches-du-Rhône", 43.30, 5.37, ["Marseille", "Aubagne"])]),
    },
    "ES": {
        "ES51": ("Cataluña", [("ES511", "Barcelona", 41.39, 2.17, ["Barcelona", "Sabadell", "Terrassa"])]),
        "ES52": ("Comunitat Valenciana", [("ES522", "Castellón", 39.99, -0.05, ["Castellón de la Plana", "Vila-real"]),
                                          ("ES523", "Valencia", 39.47, -0.38, ["Valencia", "Alcoy"])]),
        "ES30": ("Comunidad de Madrid", [("ES300", "Madrid", 40.42, -3.70, ["Madrid", "Getafe"])]),
    },
    "AT": {
        "AT13": ("Wien", [("AT130", "Wien", 48.21, 16.37, ["Wien"])]),
        "AT22": ("Steiermark", [("AT221", "Graz", 47.07, 15.44, ["Graz", "Weiz"])]),
    },
    "SI": {"SI04": ("Zahodna Slovenija", [("SI041", "Osrednjeslovenska", 46.06, 14.51, ["Ljubljana", "Vrhnika"])])},
    "GR": {  # NUTS writes Greece as EL
        "EL30": ("Attiki", [("EL303", "Kentrikos Tomeas Athinon", 37.98, 23.73, ["Athina", "Peiraias"])]),
        "EL52": ("Kentriki Makedonia", [("EL522", "Thessaloniki", 40.64, 22.94, ["Thessaloniki", "Sindos"])]),
    },
}

COUNTRIES = ["IT", "DE", "FR", "ES", "AT", "SI", "GR"]
CLUSTER_COUNTRY_WEIGHTS = [78, 6, 5, 5, 2, 2, 2]
ORG_COUNTRY_WEIGHTS = [85, 4, 4, 3, 2, 1, 1]


@dataclass(frozen=True)
class Place:
    country: str
    nuts2: str
    region_name: str
    nuts3: str
    province: str
    lat: float
    lon: float
    localities: tuple[str, ...]


def _places() -> dict[str, list[Place]]:
    out: dict[str, list[Place]] = {c: [] for c in COUNTRIES}
    for nuts2, (rname, provinces) in IT_REGIONS.items():
        for code, prov, lat, lon, locs in provinces:
            out["IT"].append(Place("IT", nuts2, rname, code, prov, lat, lon, tuple(locs)))
    for country, regions in OTHER_REGIONS.items():
        for nuts2, (rname, provinces) in regions.items():
            for code, prov, lat, lon, locs in provinces:
                out[country].append(Place(country, nuts2, rname, code, prov, lat, lon, tuple(locs)))
    return out


PLACES = _places()

# (label, NACE codes, adjective used in Italian names, English word)
SECTORS: list[tuple[str, list[str], str, str]] = [
    ("Concia e lavorazione delle pelli", ["15.11"], "conciario", "Leather"),
    ("Calzature", ["15.20"], "calzaturiero", "Footwear"),
    ("Tessile e abbigliamento", ["13", "14"], "tessile", "Textile"),
    ("Filatura e tessitura", ["13.10", "13.20"], "laniero", "Wool"),
    ("Mobile e arredo", ["31.01", "31.09"], "del mobile", "Furniture"),
    ("Sedia", ["31.01"], "della sedia", "Chair"),
    ("Meccanica strumentale", ["28"], "meccanico", "Machinery"),
    ("Rubinetteria e valvolame", ["28.14"], "della rubinetteria", "Valves"),
    ("Ceramica e piastrelle", ["23.31"], "ceramico", "Ceramics"),
    ("Vetro artistico", ["23.19"], "vetrario", "Glass"),
    ("Oreficeria e gioielleria", ["32.12"], "orafo", "Jewellery"),
    ("Occhialeria", ["32.50"], "dell'occhiale", "Eyewear"),
    ("Carta e cartotecnica", ["17"], "cartario", "Paper"),
    ("Agroalimentare", ["10"], "agroalimentare", "Agri-food"),
    ("Vino", ["11.02"], "vitivinicolo", "Wine"),
    ("Lattiero-caseario", ["10.51"], "lattiero-caseario", "Dairy"),
    ("Salumi", ["10.13"], "dei salumi", "Cured meats"),
    ("Marmo e lapidei", ["23.70", "08.11"], "lapideo", "Stone"),
    ("Nautica da diporto", ["30.12"], "nautico", "Boating"),
    ("Chimica", ["20"], "chimico", "Chemicals"),
    ("Plastica e gomma", ["22"], "della plastica", "Plastics"),
    ("Elettronica", ["26"], "elettronico", "Electronics"),
    ("Biomedicale", ["32.50", "26.60"], "biomedicale", "Medical devices"),
    ("Automotive", ["29"], "dell'automotive", "Automotive"),
    ("Aerospazio", ["30.30"], "aerospaziale", "Aerospace"),
    ("Logistica", ["52", "49.41"], "logistico", "Logistics"),
    ("Energie rinnovabili", ["35.11"], "delle rinnovabili", "Renewable energy"),
    ("Coltelleria", ["25.71"], "della coltelleria", "Cutlery"),
    ("Calzetteria", ["14.31"], "della calza", "Hosiery"),
    ("Seta", ["13.10", "13.20"], "serico", "Silk"),
    ("ICT e software", ["62", "63.11"], "digitale", "Digital"),
    ("Strumenti musicali", ["32.20"], "degli strumenti musicali", "Musical instruments"),
    ("Metallurgia", ["24", "25.50"], "metallurgico", "Metals"),
    ("Oleodinamica", ["28.12"], "oleodinamico", "Hydraulics"),
    ("Packaging", ["28.29", "17.21"], "del packaging", "Packaging"),
    ("Farmaceutica", ["21"], "farmaceutico", "Pharmaceuticals"),
]

KINDS = ["industrial_district", "cluster", "apea", "industrial_park", "supply_chain", "enterprise_network"]
KIND_WEIGHTS = [30, 25, 10, 15, 10, 10]
KIND_IT = {"industrial_district": "Distretto", "cluster": "Cluster", "apea": "APEA", "industrial_park": "Polo industriale",
           "supply_chain": "Filiera", "enterprise_network": "Rete d'imprese"}
KIND_EN = {"industrial_district": "Industrial district", "cluster": "Cluster", "apea": "Eco-industrial park",
           "industrial_park": "Industrial park", "supply_chain": "Supply chain", "enterprise_network": "Business network"}

TAGS = ["made-in-italy", "export", "circular-economy", "emas", "industry-4-0", "artisan", "luxury", "water-reuse",
        "energy-community", "eco-design", "district-law-317", "regional-law", "smart-specialisation", "innovation"]

ORG_KINDS = ["enterprise", "association", "public_administration", "chamber_of_commerce", "university",
             "research_body", "verifier", "other"]
ORG_KIND_WEIGHTS = [85, 4, 3, 1, 1, 2, 1, 3]
SURNAMES = ["Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco",
            "Bruno", "Gallo", "Conti", "De Luca", "Mancini", "Costa", "Giordano", "Rizzo", "Lombardi", "Moretti",
            "Barbieri", "Fontana", "Santoro", "Mariani", "Rinaldi", "Caruso", "Ferrara", "Galli", "Martini",
            "Leone", "Longo", "Gentile", "Martinelli", "Vitale", "Lombardo", "Serra", "Coppola", "De Santis",
            "D'Angelo", "Marchetti", "Parisi", "Villa", "Conte", "Ferraro", "Ferri", "Fabbri", "Bianco",
            "Marini", "Grasso", "Valentini", "Messina", "Sala", "De Angelis", "Gatti", "Pellegrini", "Palumbo"]
ENTERPRISE_WORDS = ["Conceria", "Calzaturificio", "Lanificio", "Maglificio", "Mobilificio", "Officine", "Fonderia",
                    "Ceramiche", "Vetreria", "Cartiera", "Caseificio", "Cantina", "Salumificio", "Marmi",
                    "Cantiere Navale", "Industrie Chimiche", "Plastiche", "Elettronica", "Meccanica", "Tessitura",
                    "Oleodinamica", "Packaging", "Logistica", "Software", "Metalli"]
LEGAL_FORMS = ["S.p.A.", "S.r.l.", "S.r.l.s.", "S.n.c.", "S.a.s.", "Soc. Coop."]
ATECO = [code for _, codes, _, _ in SECTORS for code in codes] + ["15.11.00", "13.20.00", "28.41.00", "46.42.10",
                                                                  "23.31.00", "10.51.20", "31.09.10", "32.12.10"]

RECOGNITIONS = [
    ("apo_attestation", "Attestato APO (Ambito Produttivo Omogeneo)", "Comitato Ecolabel Ecoaudit - Sezione EMAS Italia"),
    ("emas_cluster", "Registrazione EMAS di cluster", "ISPRA"),
    ("iso14001_network", "Certificazione ISO 14001 di rete", "Ente di certificazione accreditato"),
    ("collective_label", "Marchio collettivo di distretto", "Consorzio di tutela"),
    ("other", "Protocollo d'intesa per la sostenibilità", "Regione"),
]

DOCUMENTS = [
    (f"bench-doc-{i:02d}", title, publisher, year, lang)
    for i, (title, publisher, year, lang) in enumerate([
        ("I distretti industriali 2011", "ISTAT", 2015, "it"),
        ("Rapporto sui distretti industriali", "Intesa Sanpaolo", 2023, "it"),
        ("Atlante dei distretti industriali italiani", "Club dei Distretti", 2019, "it"),
        ("Linee guida APEA", "Regione Toscana", 2012, "it"),
        ("EMAS e ambiti produttivi omogenei", "ISPRA", 2018, "it"),
        ("European Cluster Panorama", "European Commission", 2021, "en"),
        ("Osservatorio nazionale distretti italiani", "Federazione dei Distretti", 2020, "it"),
        ("Delibera di riconoscimento dei distretti", "Regione Veneto", 2016, "it"),
        ("Registro regionale delle reti d'impresa", "Unioncamere", 2022, "it"),
        ("Cluster mapping methodology", "European Cluster Collaboration Platform", 2020, "en"),
        ("Piano regionale per le aree produttive ecologicamente attrezzate", "Regione Emilia-Romagna", 2017, "it"),
        ("Census of industrial parks", "Eurostat", 2019, "en"),
    ], start=1)
]

CONSTITUTIVE = [
    "Riconosciuto con delibera della Giunta regionale n. {n}/{y} ai sensi della L. 317/1991; "
    "comprende {m} comuni contigui e un comitato di distretto con le associazioni di categoria.",
    "Area produttiva omogenea individuata dal piano territoriale di coordinamento provinciale ({y}); "
    "soggetto gestore unico e regolamento d'area approvato dal consiglio comunale.",
    "Filiera organizzata attorno a {m} imprese capofila con contratti di fornitura pluriennali e un "
    "consorzio per i servizi comuni (depurazione, logistica, formazione).",
    "Contratto di rete registrato presso la Camera di Commercio nel {y}, con fondo patrimoniale comune "
    "e organo comune; {m} imprese aderenti.",
]
ECO = [
    "Depuratore consortile delle acque reflue con recupero del cromo e riuso dell'acqua depurata nei processi.",
    "Comunità energetica di area con {m} MW di fotovoltaico sulle coperture dei capannoni.",
    "Simbiosi industriale: gli scarti di lavorazione di una filiera diventano materia prima seconda di un'altra.",
    "Piano di mobilità d'area, raccolta differenziata dei rifiuti speciali e certificazione EMAS di {m} imprese.",
]


# ---- helpers -------------------------------------------------------------------------------------------

def slugify(text: str) -> str:
    return service.slugify(text)


def size_class(employees: int | None, rng: random.Random) -> str | None:
    if employees is None:
        return rng.choice(["micro", "small", "medium", "large", None])
    if employees < 10:
        return "micro"
    if employees < 50:
        return "small"
    if employees < 250:
        return "medium"
    return "large"


def region_of(place: Place, rng: random.Random, *, nuts3: int, nuts2: int) -> str | None:
    """A NUTS code of the place at level 3 (nuts3 %), level 2 (nuts2 %), otherwise none."""
    r = rng.randrange(100)
    if r < nuts3:
        return place.nuts3
    if r < nuts3 + nuts2:
        return place.nuts2
    return None


def organization_rows(count: int, rng: random.Random, now: datetime, wanted: set[int],
                      refs: dict[int, tuple[str, str]]):
    """Rows for COPY organizations; remembers (name, kind) of the ids in `wanted` (future coordinators)."""
    countries = rng.choices(COUNTRIES, weights=ORG_COUNTRY_WEIGHTS, k=count)
    kinds = rng.choices(ORG_KINDS, weights=ORG_KIND_WEIGHTS, k=count)
    for i in range(count):
        oid = i + 1
        country, kind = countries[i], kinds[i]
        place = rng.choice(PLACES[country])
        locality = rng.choice(place.localities)
        if kind == "enterprise":
            name = f"{rng.choice(ENTERPRISE_WORDS)} {rng.choice(SURNAMES)} {rng.choice(LEGAL_FORMS)}"
            employees = None if rng.random() < 0.2 else int(rng.lognormvariate(2.3, 1.3))
            ateco = rng.choice(ATECO) if rng.random() < 0.9 else None
        elif kind == "public_administration":
            name = f"Comune di {locality}"
            employees, ateco = (None if rng.random() < 0.5 else rng.randint(20, 3000)), "84.11"
        elif kind == "chamber_of_commerce":
            name = f"Camera di Commercio di {place.province}"
            employees, ateco = rng.randint(30, 400), "94.11"
        elif kind == "university":
            name = f"Università degli Studi di {place.province}"
            employees, ateco = rng.randint(500, 6000), "85.42"
        elif kind == "association":
            name = f"Associazione {rng.choice(SECTORS)[0]} {place.province}"
            employees, ateco = (None if rng.random() < 0.5 else rng.randint(1, 60)), "94.11"
        elif kind == "research_body":
            name = f"Centro di ricerca {rng.choice(SECTORS)[3]} {locality}"
            employees, ateco = rng.randint(5, 500), "72.19"
        elif kind == "verifier":
            name = f"{rng.choice(SURNAMES)} Certificazioni {rng.choice(LEGAL_FORMS)}"
            employees, ateco = rng.randint(3, 200), "71.20"
        else:
            name = f"Consorzio {rng.choice(SECTORS)[3]} {locality}"
            employees, ateco = None, None
        name = f"{name} #{oid}" if rng.random() < 0.02 else name
        if oid in wanted:
            refs[oid] = (name, kind)
        yield (oid, name, kind, country, region_of(place, rng, nuts3=70, nuts2=20), ateco, employees,
               size_class(employees, rng), False, 1, now, now)


ORG_COLUMNS = ("id", "name", "kind", "country", "region_code", "ateco_code", "employees", "size_class", "is_demo",
               "version", "created_at", "updated_at")
CLUSTER_COLUMNS = ("id", "slug", "name", "kind", "country", "region_code", "region_name", "locality", "location_text",
                   "latitude", "longitude", "enterprises_count", "enterprises_approximate", "enterprises_note",
                   "employees_count", "employees_approximate", "employees_note", "website", "website_note",
                   "coordinating_body_id", "constitutive_elements", "eco_innovation", "tags", "source",
                   "external_id", "version", "document", "created_at", "updated_at")
SECTOR_COLUMNS = ("id", "cluster_id", "position", "label", "nace_codes")
NACE_COLUMNS = ("cluster_id", "code")
RECOGNITION_COLUMNS = ("id", "cluster_id", "kind", "name", "issuer", "issued_date", "valid_until", "reference", "note")
SOURCE_COLUMNS = ("id", "cluster_id", "document_id", "locator", "fields")
DOCUMENT_COLUMNS = ("id", "key", "title", "publisher", "year", "language", "created_at", "updated_at")


class ClusterFactory:
    """Builds one cluster's rows (cluster, sectors, NACE index, recognitions, sources) and its document."""

    def __init__(self, rng: random.Random, now: datetime, organizations: int, coordinators: dict[int, tuple[str, str]],
                 documents: list[SimpleNamespace]):
        self.rng, self.now, self.documents = rng, now, documents
        self.coordinators = coordinators
        self.coordinator_ids = sorted(coordinators)
        self.organizations = organizations
        self.sector_id = self.recognition_id = self.source_id = 0

    def headcount(self, low: float, spread: float, null_share: float) -> tuple[int | None, bool, str | None]:
        rng = self.rng
        if rng.random() < null_share:
            return None, False, rng.choice([None, "dato non disponibile"])
        count = int(rng.lognormvariate(low, spread))
        approximate = rng.random() < 0.3
        note = f"circa {count} secondo la fonte" if approximate and rng.random() < 0.7 else None
        return count, approximate, note

    def build(self, cid: int) -> tuple[tuple, list[tuple], list[tuple], list[tuple], list[tuple]]:
        rng = self.rng
        country = rng.choices(COUNTRIES, weights=CLUSTER_COUNTRY_WEIGHTS)[0]
        place = rng.choice(PLACES[country])
        locality = rng.choice(place.localities)
        kind = rng.choices(KINDS, weights=KIND_WEIGHTS)[0]
        picked = rng.sample(SECTORS, 2 if rng.random() < 0.35 else 1)
        main = picked[0]
        if country == "IT":
            name = f"{KIND_IT[kind]} {main[2]} di {locality}"
        else:
            name = f"{main[3]} {KIND_EN[kind].lower() if kind != 'cluster' else 'cluster'} {locality}"
        if rng.random() < 0.5:
            name = f"{name} {rng.choice(['', 'Nord', 'Sud', 'Est', 'Ovest', 'Alto', 'Basso'])} {rng.randint(1, 99)}"
            name = " ".join(name.split())
        slug = f"{slugify(name)[:100]}-{cid}"
        region_code = region_of(place, rng, nuts3=75, nuts2=20)
        region_name = place.region_name if region_code else None
        location_text = (f"{locality} ({place.province}), {place.region_name}" if rng.random() < 0.6 else None)
        if rng.random() < 0.7:
            lat = round(place.lat + rng.uniform(-0.15, 0.15), 5)
            lon = round(place.lon + rng.uniform(-0.15, 0.15), 5)
        else:
            lat = lon = None
        ent = self.headcount(4.0, 1.0, 0.15)
        emp = self.headcount(6.5, 1.2, 0.25)
        website = f"https://www.{slugify(name)[:40]}.{country.lower()}" if rng.random() < 0.5 else None
        website_note = "sito del soggetto gestore" if website and rng.random() < 0.2 else None
        body = None
        if self.coordinator_ids and rng.random() < 0.4:
            bid = rng.choice(self.coordinator_ids)
            bname, bkind = self.coordinators[bid]
            body = SimpleNamespace(id=bid, name=bname, kind=bkind)
        m, y = rng.randint(2, 60), rng.randint(1995, 2024)
        constitutive = rng.choice(CONSTITUTIVE).format(n=rng.randint(1, 2000), y=y, m=m) if rng.random() < 0.6 else None
        eco = rng.choice(ECO).format(m=m) if rng.random() < 0.4 else None
        tags = rng.sample(TAGS, rng.choice([0, 0, 1, 2, 3]))

        sectors, sector_rows, codes = [], [], []
        for pos, (label, nace, _, _) in enumerate(picked):
            self.sector_id += 1
            nace_codes = list(dict.fromkeys(nace))
            sectors.append(SimpleNamespace(label=label, nace_codes=nace_codes))
            sector_rows.append((self.sector_id, cid, pos, label, orjson.dumps(nace_codes).decode()))
            codes.extend(nace_codes)
        nace_rows = [(cid, code) for code in sorted(set(codes))]

        recognitions, recognition_rows = [], []
        if rng.random() < 0.25:
            for rkind, rname, issuer in rng.sample(RECOGNITIONS, rng.choice([1, 1, 2])):
                self.recognition_id += 1
                issued = date(rng.randint(2005, 2024), rng.randint(1, 12), rng.randint(1, 28))
                valid = issued + timedelta(days=365 * rng.choice([3, 4, 5])) if rng.random() < 0.7 else None
                ref = f"{rkind.upper()[:3]}-{issued.year}-{rng.randint(1, 999):03d}" if rng.random() < 0.6 else None
                r = SimpleNamespace(id=self.recognition_id, kind=rkind, name=rname, issuer=issuer, issued_date=issued,
                                    valid_until=valid, reference=ref, note=None)
                recognitions.append(r)
                recognition_rows.append((r.id, cid, rkind, rname, issuer, issued, valid, ref, None))

        sources, source_rows = [], []
        if rng.random() < 0.4:
            for doc in rng.sample(self.documents, rng.choice([1, 1, 2])):
                self.source_id += 1
                locator = f"p. {rng.randint(1, 400)}" if rng.random() < 0.8 else None
                fields = rng.choice([None, ["enterprises", "employees"], ["name", "region_code"], ["sectors"]])
                sources.append(SimpleNamespace(document=doc, locator=locator, fields=fields))
                source_rows.append((self.source_id, cid, doc.id, locator,
                                    orjson.dumps(fields).decode() if fields is not None else None))

        cluster = SimpleNamespace(
            id=cid, slug=slug, name=name, kind=kind, country=country, region_code=region_code,
            region_name=region_name, locality=locality, location_text=location_text, latitude=lat, longitude=lon,
            enterprises_count=ent[0], enterprises_approximate=ent[1], enterprises_note=ent[2],
            employees_count=emp[0], employees_approximate=emp[1], employees_note=emp[2],
            website=website, website_note=website_note, coordinating_body=body,
            constitutive_elements=constitutive, eco_innovation=eco, tags=tags, sectors=sectors,
            recognitions=recognitions, sources=sources, version=1, created_at=self.now, updated_at=self.now,
            source=None, external_id=None,
        )
        document = orjson.dumps(service.render(cluster)).decode()
        row = (cid, slug, name, kind, country, region_code, region_name, locality, location_text, lat, lon,
               ent[0], ent[1], ent[2], emp[0], emp[1], emp[2], website, website_note, body.id if body else None,
               constitutive, eco, orjson.dumps(tags).decode(), None, None, 1, document, self.now, self.now)
        return row, sector_rows, nace_rows, recognition_rows, source_rows


# ---- database ------------------------------------------------------------------------------------------

TABLES = ["cluster_nace_codes", "cluster_sectors", "cluster_recognitions", "cluster_sources", "cluster_memberships",
          "supply_chain_links", "clusters", "organizations", "documents"]


def ensure_database(url: str, *, recreate: bool = False) -> None:
    name = database_name(url)
    with psycopg.connect(admin_url(url), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None
        if exists and recreate:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            console.print(f"dropped database [bold]{name}[/]")
            exists = False
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            console.print(f"created database [bold]{name}[/]")


def database_at_head(url: str, *, recreate: bool = False) -> None:
    """The database created if missing (or again with recreate), migrated to head, its columns the models'."""
    ensure_database(url, recreate=recreate)
    migrate.upgrade(url)
    drift = schema_drift(url)
    if drift:
        raise SystemExit("the database schema differs from the models (migration edited in place?):\n  "
                         + "\n  ".join(drift) + "\nrun again with --recreate")


def schema_drift(url: str, tables: list[str] | None = None) -> list[str]:
    """Differences between the database's columns and the models' (the migration may be edited in place)."""
    import api.models  # noqa: F401
    from api.core.db import Base

    problems = []
    with psycopg.connect(libpq_url(url)) as conn:
        for table in tables or TABLES:
            actual = {r[0] for r in conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = %s",
                (table,))}
            expected = set(Base.metadata.tables[table].columns.keys())
            if actual != expected:
                problems.append(f"{table}: missing {sorted(expected - actual)}, extra {sorted(actual - expected)}")
    return problems


def secondary_indexes(conn: psycopg.Connection, table: str) -> list[tuple[str, str]]:
    """(name, CREATE INDEX ...) of the indexes that back no constraint: dropped during COPY, rebuilt after."""
    return conn.execute(
        """SELECT i.indexname, i.indexdef FROM pg_indexes i
           WHERE i.schemaname = 'public' AND i.tablename = %s
             AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)""",
        (table,),
    ).fetchall()


def copy_rows(cur: psycopg.Cursor, table: str, columns: tuple[str, ...], rows, *, freeze: bool) -> int:
    stmt = sql.SQL("COPY {} ({}) FROM STDIN {}").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns)),
        sql.SQL("(FREEZE)") if freeze else sql.SQL(""))
    n = 0
    with cur.copy(stmt) as copy:
        for row in rows:
            copy.write_row(row)
            n += 1
    return n


class Buffer:
    """Rows of the child tables, collected while the clusters stream and copied after them."""

    def __init__(self) -> None:
        self.sectors: list[tuple] = []
        self.nace: list[tuple] = []
        self.recognitions: list[tuple] = []
        self.sources: list[tuple] = []


def generate(url: str, *, clusters: int, organizations: int, reset: bool, seed: int, drop_indexes: bool) -> None:
    rng = random.Random(seed)
    now = datetime.now(UTC)
    conninfo = libpq_url(url)
    started = time.perf_counter()
    with psycopg.connect(conninfo) as conn:  # one transaction: commits at the end of the block
        present = conn.execute("SELECT (SELECT count(*) FROM clusters) + (SELECT count(*) FROM organizations)").fetchone()[0]
        if present and not reset:
            raise SystemExit(f"the database already holds {present} clusters+organizations; pass --reset to replace them")
        conn.execute("SET LOCAL maintenance_work_mem = '256MB'")
        conn.execute("SET LOCAL synchronous_commit = off")
        conn.execute(sql.SQL("TRUNCATE {} RESTART IDENTITY CASCADE").format(
            sql.SQL(", ").join(map(sql.Identifier, TABLES))))
        dropped: list[tuple[str, str]] = []
        if drop_indexes:
            for table in ("organizations", "clusters", "cluster_sectors", "cluster_nace_codes",
                          "cluster_recognitions", "cluster_sources"):
                for name, ddl in secondary_indexes(conn, table):
                    conn.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
                    dropped.append((name, ddl))
        cur = conn.cursor()

        documents = [SimpleNamespace(id=i, key=k, title=t) for i, (k, t, _, _, _) in enumerate(DOCUMENTS, start=1)]
        copy_rows(cur, "documents", DOCUMENT_COLUMNS,
                  [(i, k, t, p, y, lang, now, now) for i, (k, t, p, y, lang) in enumerate(DOCUMENTS, start=1)],
                  freeze=True)

        # Coordinating bodies: ids chosen now, their name/kind remembered while the organizations stream by.
        wanted = set(rng.sample(range(1, organizations + 1), min(organizations, max(1, clusters // 3)))) \
            if organizations else set()
        refs: dict[int, tuple[str, str]] = {}
        progress = Progress(TextColumn("[bold]{task.description:<22}"), BarColumn(), MofNCompleteColumn(),
                            TextColumn("{task.percentage:>3.0f}%"), TimeElapsedColumn(), TimeRemainingColumn(),
                            console=console)
        buf = Buffer()
        with progress:
            t_org = progress.add_task("organizations", total=organizations)

            def orgs():
                for n, row in enumerate(organization_rows(organizations, rng, now, wanted, refs), start=1):
                    if n % 5000 == 0:
                        progress.update(t_org, completed=n)
                    yield row
                progress.update(t_org, completed=organizations)

            copy_rows(cur, "organizations", ORG_COLUMNS, orgs(), freeze=True)

            factory = ClusterFactory(rng, now, organizations, refs, documents)
            t_cl = progress.add_task("clusters (+documents)", total=clusters)

            def cluster_stream():
                for cid in range(1, clusters + 1):
                    row, s, n, r, src = factory.build(cid)
                    buf.sectors += s
                    buf.nace += n
                    buf.recognitions += r
                    buf.sources += src
                    if cid % 1000 == 0:
                        progress.update(t_cl, completed=cid)
                    yield row
                progress.update(t_cl, completed=clusters)

            copy_rows(cur, "clusters", CLUSTER_COLUMNS, cluster_stream(), freeze=True)
            children = [("cluster_sectors", SECTOR_COLUMNS, buf.sectors), ("cluster_nace_codes", NACE_COLUMNS, buf.nace),
                        ("cluster_recognitions", RECOGNITION_COLUMNS, buf.recognitions),
                        ("cluster_sources", SOURCE_COLUMNS, buf.sources)]
            t_ch = progress.add_task("sectors, codes, ...", total=sum(len(rows) for _, _, rows in children))
            done = 0
            for table, columns, rows in children:
                done += copy_rows(cur, table, columns, rows, freeze=True)
                progress.update(t_ch, completed=done)

            t_ix = progress.add_task("rebuild indexes", total=len(dropped) or 1)
            for i, (_, ddl) in enumerate(dropped, start=1):
                conn.execute(ddl)
                progress.update(t_ix, completed=i)
            progress.update(t_ix, completed=len(dropped) or 1)

        for table in ("organizations", "clusters", "cluster_sectors", "cluster_recognitions", "cluster_sources",
                      "documents"):
            conn.execute(sql.SQL("SELECT setval(pg_get_serial_sequence({t}, 'id'), GREATEST(1, (SELECT max(id) FROM {i})))")
                         .format(t=sql.Literal(table), i=sql.Identifier(table)))
        counts = {t: len(rows) for t, _, rows in children}
    loaded = time.perf_counter() - started
    console.print(f"loaded {organizations:,} organizations, {clusters:,} clusters, "
                  + ", ".join(f"{n:,} {t}" for t, n in counts.items()) + f" in {loaded:.1f} s")

    t0 = time.perf_counter()
    with psycopg.connect(conninfo, autocommit=True) as conn:
        for table in ("documents", "organizations", "clusters", "cluster_sectors", "cluster_nace_codes",
                      "cluster_recognitions", "cluster_sources"):
            conn.execute(sql.SQL("VACUUM (ANALYZE) {}").format(sql.Identifier(table)))
        size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()[0]
        avg_doc = conn.execute("SELECT avg(octet_length(document))::int FROM clusters").fetchone()[0]
    console.print(f"VACUUM ANALYZE in {time.perf_counter() - t0:.1f} s; database size {size}; "
                  f"average document {avg_doc} bytes")


async def verify(url: str, sample: int, clusters: int, seed: int) -> int:
    """Load a sample of clusters through the ORM, render them and compare with the stored document."""
    from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

    from api.clusters.schemas import ClusterRead

    engine = create_async_engine(url)
    ids = random.Random(seed + 1).sample(range(1, clusters + 1), min(sample, clusters))
    bad = 0
    try:
        async with async_sessionmaker(engine, expire_on_commit=False)() as session:
            for cid in ids:
                cluster = await service.load(session, cid)
                rendered = orjson.dumps(service.render(cluster)).decode()
                ClusterRead.model_validate_json(cluster.document)
                if rendered != cluster.document:
                    bad += 1
                    if bad <= 3:
                        at = next((i for i, (a, b) in enumerate(zip(cluster.document, rendered)) if a != b),
                                  min(len(cluster.document), len(rendered)))
                        console.print(f"[red]cluster {cid}: stored document differs from render() at {at}:[/]",
                                      soft_wrap=True)
                        console.print(f"  stored  : ...{cluster.document[max(0, at - 60):at + 60]}...", soft_wrap=True,
                                      markup=False)
                        console.print(f"  rendered: ...{rendered[max(0, at - 60):at + 60]}...", soft_wrap=True,
                                      markup=False)
                session.expunge_all()
    finally:
        await engine.dispose()
    colour = "green" if not bad else "red"
    console.print(f"[{colour}]verify: {len(ids) - bad}/{len(ids)} documents equal render() of the ORM-loaded "
                  f"cluster and parse as ClusterRead[/]")
    return bad


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    p.add_argument("--clusters", type=int, default=100_000)
    p.add_argument("--organizations", type=int, default=1_000_000)
    p.add_argument("--reset", action="store_true", help="truncate the registry tables first")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--verify", type=int, default=300, metavar="N", help="clusters to check against render() (0: none)")
    p.add_argument("--keep-indexes", action="store_true",
                   help="COPY into the indexed tables instead of dropping and rebuilding secondary indexes")
    p.add_argument("--recreate", action="store_true",
                   help="drop and create the database first (when the schema changed under the same revision)")
    p.add_argument("--verify-only", action="store_true",
                   help="only check that the stored documents are what render() makes today")
    args = p.parse_args(argv)
    if args.clusters < 1 or args.organizations < 0:
        p.error("need at least one cluster")

    t0 = time.perf_counter()
    if args.verify_only:
        with psycopg.connect(libpq_url(args.database_url)) as conn:
            count = conn.execute("SELECT count(*) FROM clusters").fetchone()[0]
        return 1 if asyncio.run(verify(args.database_url, args.verify or 300, count, args.seed)) else 0
    ensure_database(args.database_url, recreate=args.recreate)
    migrate.upgrade(args.database_url)
    console.print(f"migrations at head ({time.perf_counter() - t0:.1f} s)")
    drift = schema_drift(args.database_url)
    if drift:
        console.print("[red]the database schema differs from the models (migration edited in place?):[/]\n  "
                      + "\n  ".join(drift) + "\nrun again with --recreate")
        return 2
    generate(args.database_url, clusters=args.clusters, organizations=args.organizations, reset=args.reset,
             seed=args.seed, drop_indexes=not args.keep_indexes)
    bad = asyncio.run(verify(args.database_url, args.verify, args.clusters, args.seed)) if args.verify else 0
    console.print(f"total {time.perf_counter() - t0:.1f} s")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
