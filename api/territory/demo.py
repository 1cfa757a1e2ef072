"""SYNTHETIC register and MUD extracts for the twelve Lombard provinces (the territory of the chambers in the
Lombard programme), generated with a fixed seed and loaded through the real import code, marked as demo.

Nothing here comes from the documents or from real declarations: the sector mix of each province is a rough
sketch of its best-known specialisations, the quantities are drawn at random around typical orders of magnitude,
so that the analysis shows differences between provinces and sectors. The partite IVA carry the office code 000,
which no provincial office issues, so no demo firm can be a real one.
"""

from __future__ import annotations

import csv
import hashlib
import io
import random

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.territory import imports
from api.territory.models import TerritoryImport

SEED = 2019
YEARS = (2022, 2023)

# Province: (firms, ATECO codes the demo firms are drawn from).
PROVINCES = {
    "BG": (70, ("22.29", "25.62", "28.41", "13.20", "10.51")),
    "BS": (90, ("24.10", "25.50", "25.62", "28.92", "10.13")),
    "CO": (50, ("13.20", "13.30", "14.13", "31.09")),
    "CR": (35, ("10.51", "10.13", "01.41", "24.20")),
    "LC": (40, ("25.93", "25.62", "24.34", "28.15")),
    "LO": (25, ("10.51", "20.59", "01.11")),
    "MN": (40, ("10.13", "14.31", "16.21", "31.09")),
    "MI": (110, ("21.20", "20.59", "26.51", "18.12", "28.29")),
    "MB": (55, ("31.09", "16.23", "28.29", "26.11")),
    "PV": (35, ("10.61", "20.14", "15.20", "23.61")),
    "SO": (20, ("11.02", "16.10", "23.70", "10.51")),
    "VA": (50, ("13.20", "22.29", "30.30", "28.29")),
}
# NACE division: (EWC code, typical tonnes a year for one firm).
STREAMS = {
    "01": (("020106", 300), ("020104", 4), ("150110", 1)),
    "10": (("020304", 120), ("020204", 200), ("020501", 60), ("150101", 15), ("150102", 10)),
    "11": (("020701", 50), ("020704", 30), ("150107", 20)),
    "13": (("040222", 40), ("040221", 15), ("040220", 60), ("150102", 8), ("040216", 1.5)),
    "14": (("040222", 20), ("150101", 6), ("150102", 5)),
    "15": (("040108", 30), ("040109", 10), ("150101", 8), ("080409", 2)),
    "16": (("030105", 150), ("030101", 40), ("150103", 10)),
    "18": (("080318", 2), ("150101", 30), ("080312", 1)),
    "20": (("070104", 20), ("070513", 10), ("150110", 5), ("150102", 6)),
    "21": (("070513", 15), ("070514", 25), ("150101", 12)),
    "22": (("120105", 30), ("070213", 20), ("150102", 15), ("150103", 6)),
    "23": (("101208", 200), ("101314", 150), ("170107", 80)),
    "24": (("100202", 900), ("100210", 300), ("120101", 150), ("110105", 25)),
    "25": (("120101", 120), ("120103", 40), ("120109", 20), ("110109", 8), ("150104", 5)),
    "26": (("160214", 6), ("160216", 3), ("150102", 4)),
    "28": (("120101", 60), ("120109", 12), ("130205", 3), ("150103", 8)),
    "30": (("120103", 35), ("120109", 10), ("150202", 3)),
    "31": (("030105", 80), ("080111", 4), ("150103", 10)),
}
CLASSES = (("0-9", 0.55), ("10-49", 0.3), ("50-249", 0.12), ("250+", 0.03))
SCALE = {"0-9": 0.3, "10-49": 1.0, "50-249": 3.0, "250+": 8.0}


def _vat(serial: int) -> str:
    body = f"{serial:07d}000"
    total = 0
    for i, ch in enumerate(body):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return body + str((10 - total % 10) % 10)


def extracts() -> tuple[str, str]:
    """The register and MUD CSV texts, the same at every call."""
    rng = random.Random(SEED)
    register, mud = io.StringIO(), io.StringIO()
    reg = csv.writer(register, lineterminator="\n")
    dec = csv.writer(mud, lineterminator="\n")
    reg.writerow(["partita_iva", "denominazione", "forma_giuridica", "codice_ateco", "provincia", "classe_addetti"])
    dec.writerow(["partita_iva", "ragione_sociale", "anno", "codice_eer", "quantita", "unita_misura", "attivita",
                  "provincia"])
    serial = 9_000_000
    for province, (count, sectors) in PROVINCES.items():
        for n in range(1, count + 1):
            serial += 1
            vat, ateco = _vat(serial), rng.choice(sectors)
            name = f"Impresa demo {province} {n:03d}"
            size = rng.choices([c for c, _ in CLASSES], weights=[w for _, w in CLASSES])[0]
            reg.writerow([vat, name, rng.choice(("S.r.l.", "S.p.A.", "S.n.c.")), ateco, province, size])
            streams = STREAMS[ateco[:2]]
            chosen = rng.sample(streams, k=rng.randint(min(2, len(streams)), len(streams)))
            for code, typical in chosen:
                base = typical * SCALE[size] * rng.lognormvariate(0, 0.5)
                for year in YEARS:
                    tonnes = round(base * rng.uniform(0.85, 1.15), 3)
                    dec.writerow([vat, name, year, code, f"{tonnes:.3f}", "t", "prodotto", province])
    return register.getvalue(), mud.getvalue()


async def seed(session: AsyncSession) -> int:
    """Load the demo extracts (idempotent: a second run matches every row and changes nothing)."""
    register, mud = extracts()
    created = 0
    for kind, body in (("registro-imprese", register), ("mud", mud)):
        digest = hashlib.sha256(body.encode()).hexdigest()
        if await session.scalar(select(TerritoryImport.id).where(TerritoryImport.is_demo.is_(True),
                                                                 TerritoryImport.sha256 == digest)):
            continue
        outcome = await imports.run(session, kind=kind, stream=io.BytesIO(body.encode()), filename=f"demo-{kind}.csv",
                                    actor_key="system", demo=True)
        created += outcome.organizations_created + outcome.inserted
    return created
