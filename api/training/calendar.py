"""Events as iCalendar (RFC 5545): a stable UID per event, SEQUENCE raised at every change, times in
Europe/Rome with the zone, cancelled events marked CANCELLED."""

from __future__ import annotations

from collections.abc import Iterable
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event as VEvent, Timezone

from api.core.db import utcnow
from api.training.models import Event

ROME = ZoneInfo("Europe/Rome")


def uid(event: Event, host: str) -> str:
    return f"event-{event.id}@{host}"


def calendar(events: Iterable[Event], *, host: str, name: str) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//Cartesio//Eventi//IT")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Europe/Rome")
    cal.add_component(Timezone.from_tzid("Europe/Rome"))
    stamp = utcnow()
    for event in events:
        if event.starts_at is None or event.ends_at is None:
            continue  # a date the source does not give cannot be put in a calendar
        item = VEvent()
        item.add("uid", uid(event, host))
        item.add("dtstamp", stamp)
        item.add("sequence", event.sequence)
        item.add("summary", event.title)
        item.add("dtstart", event.starts_at.astimezone(ROME))
        item.add("dtend", event.ends_at.astimezone(ROME))
        item.add("last-modified", event.updated_at)
        if event.description:
            item.add("description", event.description)
        where = ", ".join(part for part in (event.venue, event.address) if part) or event.online_url
        if where:
            item.add("location", where)
        if event.online_url:
            item.add("url", event.online_url)
        if event.topics:
            item.add("categories", event.topics)
        item.add("status", "CANCELLED" if event.status == "cancelled" else "CONFIRMED")
        cal.add_component(item)
    return cal.to_ical()
