"""How each operation of the API is authorized, declared next to the policy table: the Action (or Actions, any
of which lets a caller in) its service checks, or why it needs none.

The services do the checking; this table is what tests read to try every operation as every caller, and a test
fails on any route missing here, so a new route cannot ship without saying who may call it.
"""

from __future__ import annotations

from enum import StrEnum

from api.auth.policy import Action

A = Action


class Access(StrEnum):
    public = "public"        # anyone, anonymous included: the public registry, open data, sign-in
    signed_in = "signed_in"  # any account; the answer is about the caller's own account or what it may see (404)
    link = "link"            # whoever holds the secret link sent by e-mail (an event registration's token)


Authorization = Action | tuple[Action, ...] | Access

PUBLIC, SIGNED_IN, LINK = Access.public, Access.signed_in, Access.link

# "METHOD path", the path as routed below /api/v1 (the health checks at the root).
OPERATIONS: dict[str, Authorization] = {
    "GET /healthz": PUBLIC,
    "GET /readyz": PUBLIC,
    "POST /auth/token": PUBLIC,
    "GET /auth/me": SIGNED_IN,
    "GET /users": A.users_manage,
    "POST /users": A.users_manage,
    "PATCH /users/{user_id}": A.users_manage,
    "GET /service-accounts": A.users_manage,
    "POST /service-accounts": A.users_manage,
    "PATCH /service-accounts/{account_id}": A.users_manage,
    "GET /audit": A.audit_read,
    "GET /changes": A.changes_read,

    "GET /clusters": PUBLIC,
    "POST /clusters": A.clusters_create,
    "GET /clusters/{cluster_id}": PUBLIC,
    "PATCH /clusters/{cluster_id}": A.clusters_update,
    "DELETE /clusters/{cluster_id}": A.clusters_delete,
    "GET /clusters/{cluster_id}/members": PUBLIC,
    "POST /clusters/{cluster_id}/members": A.cluster_members_write,
    "DELETE /clusters/{cluster_id}/members/{membership_id}": A.cluster_members_write,
    "GET /clusters/{cluster_id}/supply-chain": PUBLIC,
    "POST /clusters/{cluster_id}/supply-chain": A.supply_chain_write,
    "DELETE /clusters/{cluster_id}/supply-chain/{link_id}": A.supply_chain_write,
    "GET /organizations": PUBLIC,
    "POST /organizations": A.organizations_create,
    "GET /organizations/{organization_id}": PUBLIC,
    "PATCH /organizations/{organization_id}": A.organizations_update,
    "DELETE /organizations/{organization_id}": A.organizations_delete,
    "GET /networks": PUBLIC,
    "POST /networks": A.networks_create,
    "GET /networks/{network_id}": PUBLIC,
    "PATCH /networks/{network_id}": A.networks_update,
    "DELETE /networks/{network_id}": A.networks_delete,
    "GET /networks/{network_id}/members": PUBLIC,
    "POST /networks/{network_id}/members": A.network_members_write,
    "PATCH /networks/{network_id}/members/{membership_id}": A.network_members_write,
    "GET /networks/{network_id}/commitments": PUBLIC,
    "POST /networks/{network_id}/commitments/{declaration_id}/signatures": A.network_members_write,
    "GET /documents": PUBLIC,

    "PUT /sync/{source}/clusters/{external_id:path}": A.sync_write,
    "GET /sync/{source}/clusters/{external_id:path}": PUBLIC,
    "DELETE /sync/{source}/clusters/{external_id:path}": A.sync_write,
    "POST /sync/{source}/clusters:batch": A.sync_write,
    "PUT /sync/{source}/organizations/{external_id:path}": A.sync_write,
    "GET /sync/{source}/organizations/{external_id:path}": PUBLIC,
    "DELETE /sync/{source}/organizations/{external_id:path}": A.sync_write,
    "POST /sync/{source}/organizations:batch": A.sync_write,
    "GET /webhooks": A.webhooks_manage,
    "POST /webhooks": A.webhooks_manage,
    "GET /webhooks/{webhook_id}": A.webhooks_manage,
    "PATCH /webhooks/{webhook_id}": A.webhooks_manage,
    "DELETE /webhooks/{webhook_id}": A.webhooks_manage,
    "GET /webhooks/{webhook_id}/deliveries": A.webhooks_manage,

    "GET /criteria/catalogue": PUBLIC,
    "GET /criteria": PUBLIC,
    "POST /criteria": A.criteria_create,
    "GET /criteria/{criterion_id}": PUBLIC,
    "PATCH /criteria/{criterion_id}": A.criteria_update,
    "DELETE /criteria/{criterion_id}": A.criteria_update,
    "GET /criteria-sets": PUBLIC,
    "POST /criteria-sets": A.criteria_create,
    "GET /criteria-sets/{set_id}": PUBLIC,
    "PATCH /criteria-sets/{set_id}": A.criteria_update,
    "GET /criteria-sets/{set_id}/versions": PUBLIC,
    "POST /criteria-sets/{set_id}/versions": A.criteria_update,
    "GET /criteria-sets/{set_id}/versions/{number}": PUBLIC,
    "PUT /criteria-sets/{set_id}/versions/{number}": A.criteria_update,
    "POST /screenings": A.screenings_run,
    "GET /screenings": PUBLIC,
    "GET /screenings/{screening_id}": PUBLIC,
    "GET /screenings/{screening_id}/results": PUBLIC,
    "GET /screenings/{screening_id}/compare/{other_id}": PUBLIC,

    "GET /emas/requirements": PUBLIC,
    "GET /emas/resources": PUBLIC,
    "POST /emas/resources": A.emas_resources_write,
    "GET /emas/resources/{resource_id}": PUBLIC,
    "PATCH /emas/resources/{resource_id}": A.emas_resources_write,
    "DELETE /emas/resources/{resource_id}": A.emas_resources_write,
    "GET /emas/resources/{resource_id}/versions": PUBLIC,
    "POST /emas/resources/{resource_id}/versions": A.emas_resources_write,
    "GET /emas/resources/{resource_id}/versions/{number}": PUBLIC,
    "POST /emas/resources/{resource_id}/versions/{number}/release": A.emas_resources_write,
    "PUT /emas/resources/{resource_id}/versions/{number}/files/{filename:path}": A.emas_resources_write,
    "GET /emas/resources/{resource_id}/versions/{number}/files/{file_id}/content": SIGNED_IN,
    "DELETE /emas/resources/{resource_id}/versions/{number}/files/{file_id}": A.emas_resources_write,
    "POST /emas/resources/{resource_id}/versions/{number}/validations": A.emas_validate,
    "GET /emas/surveillance": PUBLIC,
    "PUT /organizations/{organization_id}/accreditation": A.verifiers_manage,
    "GET /organizations/{organization_id}/accreditation": PUBLIC,
    "POST /organizations/{organization_id}/adoptions": A.emas_adopt,
    "GET /organizations/{organization_id}/adoptions": A.emas_coverage_read,
    "DELETE /organizations/{organization_id}/adoptions/{adoption_id}": A.emas_adopt,
    "POST /organizations/{organization_id}/evidence": A.emas_evidence_write,
    "GET /organizations/{organization_id}/evidence": A.emas_coverage_read,
    "DELETE /organizations/{organization_id}/evidence/{evidence_id}": A.emas_evidence_write,
    "GET /organizations/{organization_id}/emas-coverage": A.emas_coverage_read,
    "GET /clusters/{cluster_id}/emas-coverage": A.emas_coverage_read,

    "GET /clusters/{cluster_id}/programme": PUBLIC,
    "POST /clusters/{cluster_id}/programme/steps": A.cluster_programme_write,
    "PATCH /clusters/{cluster_id}/programme/steps/{step_id}": A.cluster_programme_write,
    "DELETE /clusters/{cluster_id}/programme/steps/{step_id}": A.cluster_programme_write,
    "GET /clusters/{cluster_id}/indicators": PUBLIC,
    "POST /clusters/{cluster_id}/indicators": A.cluster_programme_write,
    "GET /clusters/{cluster_id}/indicators/{series_id}": PUBLIC,
    "PATCH /clusters/{cluster_id}/indicators/{series_id}": A.cluster_programme_write,
    "PUT /clusters/{cluster_id}/indicators/{series_id}/values/{year}": A.cluster_programme_write,
    "PUT /clusters/{cluster_id}/indicators/{series_id}/targets/{year}": A.cluster_programme_write,
    "DELETE /clusters/{cluster_id}/indicators/{series_id}/values/{year}": A.cluster_programme_write,
    "DELETE /clusters/{cluster_id}/indicators/{series_id}/targets/{year}": A.cluster_programme_write,
    "GET /clusters/{cluster_id}/apo": PUBLIC,
    "POST /clusters/{cluster_id}/apo": A.cluster_programme_write,
    "PATCH /clusters/{cluster_id}/apo/{attestation_id}": A.apo_decide,
    "GET /clusters/{cluster_id}/emas-registrations": PUBLIC,

    "GET /calls": PUBLIC,
    "POST /calls": A.calls_manage,
    "GET /calls/{call_id}": PUBLIC,
    "GET /calls/{call_id}/budget": PUBLIC,
    "GET /calls/{call_id}/report": PUBLIC,
    "GET /calls/{call_id}/ranking": SIGNED_IN,
    "POST /calls/{call_id}/ranking": A.calls_manage,
    "GET /calls/{call_id}/applications": SIGNED_IN,
    "POST /applications": A.applications_write,
    "GET /applications/{application_id}": SIGNED_IN,
    "PATCH /applications/{application_id}": A.applications_write,
    "POST /applications/{application_id}/submit": A.applications_write,
    # Which moves belong to the applicant and which to the call's managers is the state machine's to say.
    "POST /applications/{application_id}/transitions": (A.applications_write, A.calls_manage),
    "GET /applications/{application_id}/transitions": SIGNED_IN,
    "POST /applications/{application_id}/assignments": A.calls_manage,
    "GET /applications/{application_id}/evaluations": SIGNED_IN,
    "PUT /applications/{application_id}/evaluations/mine": A.evaluations_write,
    "POST /applications/{application_id}/accompaniment": A.calls_manage,
    "GET /applications/{application_id}/accompaniment": SIGNED_IN,
    "POST /applications/{application_id}/definitive": A.applications_write,
    "PUT /applications/{application_id}/attachments/{filename:path}": A.applications_write,
    "GET /applications/{application_id}/attachments": SIGNED_IN,
    "POST /applications/{application_id}/funding": A.calls_manage,
    "POST /applications/{application_id}/revocation": A.calls_manage,

    "GET /programmes/goals": PUBLIC,
    "POST /programmes": A.events_manage,
    "GET /programmes/{programme_id}": PUBLIC,
    "GET /programmes/{programme_id}/monitoring": PUBLIC,
    "GET /events/topics": PUBLIC,
    "GET /events": PUBLIC,
    "GET /events.ics": PUBLIC,
    "POST /events": A.events_manage,
    "GET /events/{event_id}.ics": PUBLIC,
    "GET /events/{event_id}": PUBLIC,
    "PATCH /events/{event_id}": A.events_manage,
    # Anyone registers (people without an account confirm by e-mail); the list shows each caller only its own.
    "POST /events/{event_id}/registrations": PUBLIC,
    "GET /events/{event_id}/registrations": PUBLIC,
    # The registrant or the event's organizers; anyone else is told the registration does not exist.
    "DELETE /events/{event_id}/registrations/{registration_id}": SIGNED_IN,
    "POST /events/{event_id}/registrations/{registration_id}/erasure": SIGNED_IN,
    "GET /events/{event_id}/registrations/{registration_id}/certificate.pdf": SIGNED_IN,
    "GET /registrations/mine/certificate.pdf": LINK,
    "POST /registrations/confirm": LINK,
    "GET /registrations/mine": LINK,
    "DELETE /registrations/mine": LINK,
    "POST /registrations/mine/erasure": LINK,
    "GET /events/{event_id}/attendance": A.events_manage,
    "PUT /events/{event_id}/attendance": A.events_manage,
    "GET /events/{event_id}/stats": PUBLIC,

    "GET /stats/clusters": PUBLIC,
    "GET /stats/organizations": PUBLIC,
    "GET /stats/screenings/{screening_id}": PUBLIC,
    "GET /stats/emas": PUBLIC,
    "GET /stats/calls/{call_id}": PUBLIC,
    "GET /stats/events": PUBLIC,
    "GET /datasets": PUBLIC,
    "GET /datasets/{name}": PUBLIC,
    "GET /datasets/{name}/download": PUBLIC,
    "POST /datasets/{name}/releases": A.datasets_release,
    "GET /datasets/{name}/releases": PUBLIC,
    "GET /datasets/{name}/releases/{number}/download": PUBLIC,
    "GET /catalog": PUBLIC,

    "GET /clusters/{cluster_id}/products": PUBLIC,
    "POST /clusters/{cluster_id}/products": A.products_write,
    "GET /products/comparison": PUBLIC,
    "GET /products/{product_id}": PUBLIC,
    "PATCH /products/{product_id}": A.products_write,
    "DELETE /products/{product_id}": A.products_write,
    "GET /products/{product_id}/lca-studies": PUBLIC,
    "POST /products/{product_id}/lca-studies": A.products_write,
    "GET /products/{product_id}/epds": PUBLIC,
    "POST /products/{product_id}/epds": A.products_write,
    "GET /lca-indicators": PUBLIC,
    "GET /lca-studies/{study_id}": PUBLIC,
    "PATCH /lca-studies/{study_id}": A.products_write,
    "DELETE /lca-studies/{study_id}": A.products_write,
    "PUT /lca-studies/{study_id}/files/{filename:path}": A.products_write,
    "DELETE /lca-studies/{study_id}/files/{file_id}": A.products_write,
    "GET /lca-studies/{study_id}/files/{file_id}/content": PUBLIC,
    "GET /epds/{epd_id}": PUBLIC,
    "PATCH /epds/{epd_id}": A.products_write,
    "DELETE /epds/{epd_id}": A.products_write,

    "POST /territory/imports/registro-imprese": A.territory_import,
    "POST /territory/imports/mud": A.territory_import,
    "GET /territory/imports": A.territory_import,
    # Aggregates only, with small groups suppressed; the firms' own lines are behind their own action.
    "GET /territory/waste": PUBLIC,
    "GET /territory/topics": PUBLIC,
    "GET /territory/symbiosis": PUBLIC,
    "GET /territory/declarations": A.territory_declarations_read,
    "GET /territory/ewc": PUBLIC,
    "GET /territory/ewc-codes": PUBLIC,
    "POST /territory/ewc-codes": A.territory_reference_write,
    "GET /territory/symbiosis-mappings": PUBLIC,
    "POST /territory/symbiosis-mappings": A.territory_reference_write,
    "PATCH /territory/symbiosis-mappings/{mapping_id}": A.territory_reference_write,
    "DELETE /territory/symbiosis-mappings/{mapping_id}": A.territory_reference_write,

    # Monitoring, at the root beside the health checks: open unless CARTESIO_METRICS_TOKEN is set.
    "GET /metrics": PUBLIC,
}


def actions_of(authorization: Authorization) -> tuple[Action, ...]:
    """The Actions that let a caller in; none for public, signed-in and link operations."""
    if isinstance(authorization, Access):
        return ()
    return authorization if isinstance(authorization, tuple) else (authorization,)
