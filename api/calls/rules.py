"""The rules of a call, apart from storage: the applications' state machine, eligibility, and how a grant is
charged to funders."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from api.calls.schemas import ApplicationState as S

BEFORE_FUNDING = {S.draft, S.submitted, S.admissible, S.under_evaluation, S.evaluated, S.ranked, S.admitted,
                  S.definitive_submitted}

# Which moves exist, and who makes them: the applicant, the call's managers, or the service itself (evaluation
# completed, ranking, funding decisions go through their own endpoints and rules).
MOVES: dict[S, dict[S, str]] = {
    S.draft: {S.submitted: "applicant"},
    S.submitted: {S.admissible: "manager", S.inadmissible: "manager"},
    S.admissible: {S.under_evaluation: "service"},  # when two evaluators are assigned
    S.under_evaluation: {S.evaluated: "service"},
    S.evaluated: {S.ranked: "service"},
    S.ranked: {S.admitted: "service", S.not_admitted: "service"},
    S.admitted: {S.definitive_submitted: "applicant"},
    S.definitive_submitted: {S.funded: "service", S.not_funded: "manager"},
    S.funded: {S.in_progress: "manager", S.revoked: "service"},
    S.in_progress: {S.completed: "manager", S.revoked: "service"},
}
for _state in BEFORE_FUNDING:
    MOVES.setdefault(_state, {})[S.withdrawn] = "applicant"
NEEDS_REASON = {S.inadmissible, S.not_admitted, S.not_funded, S.revoked, S.withdrawn}


def allowed(current: str, target: str) -> str | None:
    """Who may move an application from `current` to `target`, or None when the move does not exist."""
    return MOVES.get(S(current), {}).get(S(target))


@dataclass(frozen=True)
class Failure:
    rule: str
    message: str


def eligibility_failures(rules: dict[str, Any], lead: Any, partners: list[tuple[Any, bool]]) -> list[Failure]:
    """Every eligibility rule the applicant (and its partners) fail, each named."""
    failures: list[Failure] = []
    funded = [(lead, True), *[(org, receives) for org, receives in partners]]
    for org, receives in funded:
        who = f"organization {org.id} ({org.name})"
        if rules.get("regions") and not any((org.region_code or "").startswith(r) for r in rules["regions"]):
            failures.append(Failure("regions", f"{who} is not in {', '.join(rules['regions'])}"
                                               f" (its region: {org.region_code or 'unknown'})"))
        if rules.get("kinds") and org.kind not in rules["kinds"]:
            failures.append(Failure("kinds", f"{who} is a {org.kind}, not one of {', '.join(rules['kinds'])}"))
        sizes = rules.get("size_classes")
        if sizes:
            large_allowed = rules.get("large_firms_without_funds") and not receives and org is not lead
            if org.size_class is None:
                failures.append(Failure("size_classes", f"{who} has no size class recorded"))
            elif org.size_class not in sizes and not (org.size_class == "large" and large_allowed):
                failures.append(Failure("size_classes", f"{who} is {org.size_class}, not one of {', '.join(sizes)}"
                                        + (" (a large firm may take part only without funds)"
                                           if org.size_class == "large" and rules.get("large_firms_without_funds")
                                           else "")))
        prefixes = rules.get("nace_prefixes")
        if prefixes:
            code = org.ateco_code or ""
            if not any(code == p or code.startswith(p + ".") for p in prefixes):
                failures.append(Failure("nace_prefixes", f"{who} has ATECO {code or 'unknown'}, outside "
                                                         f"{', '.join(prefixes)}"))
    minimum = rules.get("min_partners")
    if minimum and partners and len(funded) < minimum:
        failures.append(Failure("min_partners", f"a partnership needs at least {minimum} firms; this one has "
                                                f"{len(funded)}"))
    return failures


def split(amount_cents: int, shares: list[tuple[Any, Any]]) -> list[tuple[Any, int]]:
    """Divide a grant among funders by share, in cents; what rounding leaves goes to the first funder."""
    parts = [(funder, int(amount_cents * share)) for funder, share in shares]
    rest = amount_cents - sum(part for _, part in parts)
    if parts and rest:
        parts[0] = (parts[0][0], parts[0][1] + rest)
    return parts
