"""The datasets as a DCAT-AP catalogue (with the DCAT-AP_IT classes), for open-data portals and harvesters."""

from __future__ import annotations

from datetime import datetime

from rdflib import RDF, XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF

from api.core.config import Settings
from api.core.db import utcnow
from api.datasets.catalogue import DATASETS

DCATAPIT = Namespace("http://dati.gov.it/onto/dcatapit#")
THEME = "http://publications.europa.eu/resource/authority/data-theme/"
FREQUENCY = URIRef("http://publications.europa.eu/resource/authority/frequency/UPDATE_CONT")
FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
LANGUAGE = URIRef("http://publications.europa.eu/resource/authority/language/ITA")
FORMATS = {"csv": ("CSV", "text/csv"), "jsonl": ("JSON", "application/jsonl"), "json": ("JSON", "application/json")}


def _agent(graph: Graph, uri: URIRef, name: str, identifier: str) -> URIRef:
    graph.add((uri, RDF.type, FOAF.Agent))
    graph.add((uri, RDF.type, DCATAPIT.Agent))
    graph.add((uri, FOAF.name, Literal(name)))
    graph.add((uri, DCTERMS.identifier, Literal(identifier)))
    return uri


def catalogue(settings: Settings, modified: dict[str, datetime | None]) -> Graph:
    base = settings.public_url.rstrip("/") + "/api/v1"
    graph = Graph()
    for prefix, namespace in (("dcat", DCAT), ("dct", DCTERMS), ("foaf", FOAF), ("dcatapit", DCATAPIT)):
        graph.bind(prefix, namespace)
    publisher = _agent(graph, URIRef(f"{base}/catalog#publisher"), settings.datasets_publisher,
                       settings.datasets_publisher)
    licence = URIRef(settings.datasets_licence_url)
    graph.add((licence, RDF.type, DCTERMS.LicenseDocument))
    graph.add((licence, DCTERMS.identifier, Literal(settings.datasets_licence)))
    catalog = URIRef(f"{base}/catalog")
    graph.add((catalog, RDF.type, DCAT.Catalog))
    graph.add((catalog, RDF.type, DCATAPIT.Catalog))
    graph.add((catalog, DCTERMS.title, Literal("Cartesio: cluster, distretti e sistemi d'impresa omogenei", lang="it")))
    graph.add((catalog, DCTERMS.description, Literal(
        "Open data of the Cartesio registry of industrial clusters, districts and homogeneous enterprise systems, "
        "their organizations, shared EMAS resources, funding calls and training events.", lang="en")))
    graph.add((catalog, DCTERMS.publisher, publisher))
    graph.add((catalog, DCTERMS.language, LANGUAGE))
    graph.add((catalog, FOAF.homepage, URIRef(settings.public_url)))
    graph.add((catalog, DCAT.themeTaxonomy, URIRef(THEME.rstrip("/"))))
    latest = max((m for m in modified.values() if m is not None), default=None) or utcnow()
    graph.add((catalog, DCTERMS.modified, Literal(latest.date(), datatype=XSD.date)))
    for name, dataset in DATASETS.items():
        uri = URIRef(f"{base}/datasets/{name}")
        graph.add((catalog, DCAT.dataset, uri))
        graph.add((uri, RDF.type, DCAT.Dataset))
        graph.add((uri, RDF.type, DCATAPIT.Dataset))
        graph.add((uri, DCTERMS.identifier, Literal(f"{settings.datasets_publisher}:{name}")))
        graph.add((uri, DCTERMS.title, Literal(dataset.title, lang="it")))
        graph.add((uri, DCTERMS.description, Literal(dataset.description, lang="en")))
        graph.add((uri, DCAT.theme, URIRef(THEME + dataset.theme)))
        graph.add((uri, DCTERMS.publisher, publisher))
        graph.add((uri, DCTERMS.rightsHolder, publisher))
        graph.add((uri, DCTERMS.accrualPeriodicity, FREQUENCY))
        graph.add((uri, DCTERMS.language, LANGUAGE))
        # A live aggregate, or a dataset with no rows yet, has no last change of its own: it is as of today.
        changed = modified.get(name) or utcnow()
        graph.add((uri, DCTERMS.modified, Literal(changed.date(), datatype=XSD.date)))
        for keyword in dataset.keywords:
            graph.add((uri, DCAT.keyword, Literal(keyword, lang="it")))
        for fmt, (file_type, media_type) in FORMATS.items():
            distribution = URIRef(f"{base}/datasets/{name}/download?format={fmt}")
            graph.add((uri, DCAT.distribution, distribution))
            graph.add((distribution, RDF.type, DCAT.Distribution))
            graph.add((distribution, RDF.type, DCATAPIT.Distribution))
            graph.add((distribution, DCTERMS.title, Literal(f"{dataset.title} ({fmt.upper()})", lang="it")))
            graph.add((distribution, DCAT.accessURL, distribution))
            graph.add((distribution, DCAT.downloadURL, distribution))
            graph.add((distribution, DCTERMS.format, URIRef(FILE_TYPE + file_type)))
            graph.add((distribution, DCAT.mediaType,
                       URIRef(f"https://www.iana.org/assignments/media-types/{media_type}")))
            graph.add((distribution, DCTERMS.license, licence))
    return graph


