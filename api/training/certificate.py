"""The certificate of attendance, as PDF: who, which event, when, how many hours, who organized it."""

from __future__ import annotations

import unicodedata
from datetime import timedelta
from zoneinfo import ZoneInfo

from fpdf import FPDF

from api.training.models import Event, EventSession, Registration

ROME = ZoneInfo("Europe/Rome")


def _latin1(text: str) -> str:
    """The PDF core fonts cover Latin-1 (Italian included); other letters lose their marks (Ł -> L)."""
    out = []
    for char in text:
        try:
            char.encode("latin-1")
            out.append(char)
        except UnicodeEncodeError:
            decomposed = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode() or "?"
            out.append({"Ł": "L", "ł": "l", "Ø": "O", "ø": "o"}.get(char, decomposed))
    return "".join(out)


def hours(event: Event, sessions_attended: list[EventSession]) -> float:
    """The sessions attended; for attendance of the whole event, all its sessions; the event's own span only
    when it has no sessions with times (a cycle over several days is not its days end to end)."""
    timed = [(s.starts_at, s.ends_at) for s in (sessions_attended or event.sessions) if s.starts_at and s.ends_at]
    spans = timed or [(event.starts_at, event.ends_at)]
    total = sum(((end - start) for start, end in spans if start and end), timedelta())
    return round(total.total_seconds() / 3600, 1)


def render(*, registration: Registration, event: Event, organizer: str | None,
           sessions_attended: list[EventSession]) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_compression(False)  # one page of text: left readable, so what it says can be checked as it is
    pdf.set_title(_latin1(f"Attestato di partecipazione - {event.title}"))
    pdf.set_author("Cartesio")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 20)
    pdf.cell(0, 20, "Attestato di partecipazione", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 12)
    pdf.ln(6)
    start = event.starts_at.astimezone(ROME) if event.starts_at else None
    lines = [
        ("Si attesta che", registration.name or ""),
        ("ha partecipato a", event.title),
        ("data", start.strftime("%d/%m/%Y") if start else (event.date_note or "")),
        ("ore", f"{hours(event, sessions_attended):g}"),
        ("organizzato da", organizer or ""),
    ]
    if registration.organization_name:
        lines.insert(1, ("per", registration.organization_name))
    if sessions_attended:
        lines.append(("sessioni", "; ".join(s.title for s in sessions_attended)))
    for label, value in lines:
        pdf.set_font("Helvetica", "", 11)
        pdf.cell(45, 9, _latin1(label))
        pdf.set_font("Helvetica", "B", 12)
        pdf.multi_cell(0, 9, _latin1(value), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
