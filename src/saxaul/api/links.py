"""The OpenAPI links of the document: which answer feeds which next request.

Why: a link tells a client (and a generated one) where the id in an answer leads — plant a tree,
then read it and fetch its certificate; create a webhook, then read, rotate or delete it — and it
is what schemathesis' stateful mode walks, chaining real ids instead of guessing them. Every link
here is true of the API: the value it names in the answer is exactly what the target takes. The
table is the one place links are declared; ``apply_links`` writes them into the generated
document (targets by ``operationId``, looked up from their method and path, so a link follows its
route when FastAPI renames the operation).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Link:
    """One link: after ``source`` answers ``status``, ``target`` can be called with ``parameters``
    (target parameter → runtime expression over the source's request and answer)."""

    name: str
    source: tuple[str, str]
    status: str
    target: tuple[str, str]
    description: str
    parameters: dict[str, str] = field(default_factory=dict)
    request_body: str | None = None


def _fan_out(
    source: tuple[str, str],
    status: str,
    parameters: dict[str, str],
    description: str,
    targets: dict[str, tuple[str, str]],
) -> list[Link]:
    """The same value handed to several operations on one resource."""
    return [
        Link(name, source, status, target, description, parameters)
        for name, target in targets.items()
    ]


TREE = {"tree_id": "$response.body#/tree/id"}
"""A move that plants (or co-plants) answers the new tree."""
TREE_TARGETS = {
    "GetTree": ("GET", "/v1/trees/{tree_id}"),
    "GetTreeCertificate": ("GET", "/v1/me/trees/{tree_id}/certificate"),
    "PoolIntoTree": ("POST", "/v1/trees/{tree_id}/pool"),
    "CancelTree": ("POST", "/v1/trees/{tree_id}/cancel"),
}
WEBHOOK = "/v1/partner/webhooks/{subscription_id}"
WEBHOOK_TARGETS = {
    "GetSubscription": ("GET", WEBHOOK),
    "RotateSubscriptionSecret": ("POST", f"{WEBHOOK}/rotate-secret"),
    "ListSubscriptionDeliveries": ("GET", f"{WEBHOOK}/deliveries"),
    "SendTestEvent": ("POST", f"{WEBHOOK}/test"),
    "DeleteSubscription": ("DELETE", WEBHOOK),
}
SCENARIO = "/v1/partner/scenarios/{scenario_id}"
SCENARIO_TARGETS = {
    "GetScenario": ("GET", SCENARIO),
    "ReviseScenario": ("PUT", SCENARIO),
    "RunScenarioInSandbox": ("POST", f"{SCENARIO}/sandbox"),
    "SubmitScenario": ("POST", f"{SCENARIO}/submit"),
    "SendScenarioEvents": ("POST", f"{SCENARIO}/events"),
    "GetScenarioImpact": ("GET", f"{SCENARIO}/impact"),
}
ORDER = "/v1/partner/orders/{order_id}"
ORDER_TARGETS = {
    "GetOrder": ("GET", ORDER),
    "AcceptOrder": ("POST", f"{ORDER}/accept"),
    "DeclineOrder": ("POST", f"{ORDER}/decline"),
    "AddOrderEvidence": ("POST", f"{ORDER}/evidence"),
    "ListOrderEvidence": ("GET", f"{ORDER}/evidence"),
}
OPERATOR_PARTNER = "/v1/operator/partners/{partner_id}"
OPERATOR_PARTNER_TARGETS = {
    "GetPartner": ("GET", OPERATOR_PARTNER),
    "ApprovePartner": ("POST", f"{OPERATOR_PARTNER}/approve"),
    "SuspendPartner": ("POST", f"{OPERATOR_PARTNER}/suspend"),
}

LINKS: tuple[Link, ...] = (
    # participants: the game
    *_fan_out(
        ("GET", "/v1/me/forest"),
        "200",
        {"ball_id": "$response.body#/balls/0/id"},
        "A ball of the caller's forest.",
        {
            "GetBallStory": ("GET", "/v1/me/balls/{ball_id}"),
            "CollectBall": ("POST", "/v1/me/balls/{ball_id}/collect"),
        },
    ),
    *_fan_out(
        ("GET", "/v1/me/friends"),
        "200",
        {"user_id": "$response.body#/friends/0/user_id"},
        "A friend of the caller.",
        {
            "GetFriendForest": ("GET", "/v1/friends/{user_id}/forest"),
            "WaterFriend": ("POST", "/v1/friends/{user_id}/water"),
        },
    ),
    Link(
        "StealBall",
        ("GET", "/v1/friends/{user_id}/forest"),
        "200",
        ("POST", "/v1/friends/{user_id}/balls/{ball_id}/steal"),
        "A ball of that friend's forest.",
        {"user_id": "$request.path.user_id", "ball_id": "$response.body#/balls/0/id"},
    ),
    *_fan_out(("POST", "/v1/me/trees"), "200", TREE, "The tree just planted.", TREE_TARGETS),
    *_fan_out(
        ("POST", "/v1/me/co-plantings"), "200", TREE, "The tree just proposed.", TREE_TARGETS
    ),
    Link(
        "ImportStatement",
        ("GET", "/v1/me/statement"),
        "200",
        ("POST", "/v1/me/statements"),
        "The signed statement, brought back as read-only history.",
        request_body="$response.body",
    ),
    Link(
        "GetImportedStatement",
        ("POST", "/v1/me/statements"),
        "201",
        ("GET", "/v1/me/statements/{statement_id}"),
        "The statement just imported.",
        {"statement_id": "$response.body#/id"},
    ),
    # operators
    Link(
        "GetImportQuarantine",
        ("POST", "/v1/events"),
        "200",
        ("GET", "/v1/quarantine"),
        "The rows of this import that were quarantined.",
        {"import_id": "$response.body#/import_id"},
    ),
    Link(
        "GetSharedReport",
        ("POST", "/v1/operator/report/links"),
        "201",
        ("GET", "/v1/operator/report"),
        "The report the link shares, as the operator reads it.",
        {
            "from": "$response.body#/from",
            "to": "$response.body#/to",
            "lang": "$response.body#/lang",
        },
    ),
    *_fan_out(
        ("POST", "/v1/operator/partners"),
        "201",
        {"partner_id": "$response.body#/partner/id"},
        "The partner just created.",
        OPERATOR_PARTNER_TARGETS,
    ),
    Link(
        "DecideFlag",
        ("GET", "/v1/operator/abuse/flags"),
        "200",
        ("POST", "/v1/operator/abuse/flags/{flag_id}/decision"),
        "The first flag of the page.",
        {"flag_id": "$response.body#/items/0/id"},
    ),
    # partners
    *_fan_out(
        ("POST", "/v1/partner/webhooks"),
        "201",
        {"subscription_id": "$response.body#/id"},
        "The subscription just created.",
        WEBHOOK_TARGETS,
    ),
    Link(
        "ReplayDelivery",
        ("GET", f"{WEBHOOK}/deliveries"),
        "200",
        ("POST", f"{WEBHOOK}/deliveries/{{delivery_id}}/replay"),
        "The subscription's latest delivery.",
        {
            "subscription_id": "$request.path.subscription_id",
            "delivery_id": "$response.body#/deliveries/0/id",
        },
    ),
    *_fan_out(
        ("POST", "/v1/partner/keys"),
        "201",
        {"key_id": "$response.body#/id"},
        "The key just issued.",
        {
            "RotateKey": ("POST", "/v1/partner/keys/{key_id}/rotate"),
            "RevokeKey": ("DELETE", "/v1/partner/keys/{key_id}"),
        },
    ),
    Link(
        "RemoveMember",
        ("POST", "/v1/partner/members"),
        "201",
        ("DELETE", "/v1/partner/members/{member_id}"),
        "The member just added.",
        {"member_id": "$response.body#/id"},
    ),
    *_fan_out(
        ("POST", "/v1/partner/projects"),
        "201",
        {"project_id": "$response.body#/id"},
        "The project just created.",
        {
            "GetProject": ("GET", "/v1/partner/projects/{project_id}"),
            "UpdateProject": ("PATCH", "/v1/partner/projects/{project_id}"),
        },
    ),
    *_fan_out(
        ("POST", "/v1/partner/scenarios"),
        "201",
        {"scenario_id": "$response.body#/id"},
        "The scenario just proposed.",
        SCENARIO_TARGETS,
    ),
    *_fan_out(
        ("POST", f"{SCENARIO}/submit"),
        "200",
        {"scenario_id": "$response.body#/id"},
        "The scenario just submitted, in the operator's review queue.",
        {
            "ApproveScenario": ("POST", "/v1/operator/scenarios/{scenario_id}/approve"),
            "RejectScenario": ("POST", "/v1/operator/scenarios/{scenario_id}/reject"),
        },
    ),
    *_fan_out(
        ("GET", "/v1/partner/orders"),
        "200",
        {"order_id": "$response.body#/items/0/id"},
        "The first order of the page.",
        ORDER_TARGETS,
    ),
)
"""Every link of the document."""


def apply_links(document: dict[str, Any], links: tuple[Link, ...] = LINKS) -> None:
    """Write ``links`` into ``document``'s responses (a missing route or status is a KeyError:
    a link must not outlive what it joins)."""
    paths = document["paths"]
    for link in links:
        method, path = link.source
        response = paths[path][method.lower()]["responses"][link.status]
        target_method, target_path = link.target
        declared: dict[str, Any] = {
            "operationId": paths[target_path][target_method.lower()]["operationId"],
            "description": link.description,
        }
        if link.parameters:
            declared["parameters"] = dict(link.parameters)
        if link.request_body is not None:
            declared["requestBody"] = link.request_body
        response.setdefault("links", {})[link.name] = declared
