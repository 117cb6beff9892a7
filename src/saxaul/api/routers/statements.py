"""Personal carbon statements over HTTP: mine to download, others' to bring in as history.

Why no id in the export's path: a statement is everything held about the token's participant
and nobody else's, so ``GET /v1/me/statement`` names no one; an operator exports one on a
participant's request with ``saxaul statement export``. Why the import reads the raw body: a
statement is a signed file that must verify byte for byte, so the route hands the bytes as
received to the verifier rather than a re-serialised model (the request guard has bounded their
size and depth already, ``SAXAUL_HTTP_MAX_JSON_BYTES``).

Example: ``GET /v1/me/statement`` → the signed JSON file as a download;
``GET /v1/me/statement.html?lang=en`` → the readable page; ``POST /v1/me/statements`` with a
file from another instance → 201 ``{"id": 1, "issuer_key_id": "…", …}``.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response, status
from starlette.concurrency import run_in_threadpool

from saxaul.api.deps import ParticipantDep, RuntimeDep
from saxaul.api.paging import DEFAULT_PAGE, AfterNumber, Limit
from saxaul.api.problems import problem_responses
from saxaul.api.schemas.statements import (
    ImportedStatementFileOut,
    ImportedStatementOut,
    ImportedStatementPage,
)
from saxaul.domain.paging import next_after_id
from saxaul.services import statement_imports, statements
from saxaul.services.certificate_page import Lang
from saxaul.services.runtime import Runtime
from saxaul.store.tables import INTEGER_MAX

router = APIRouter(tags=["statements"])

_SIGNED_FILE = {
    "type": "object",
    "description": "The signed statement file: canonical JSON of `statement` and `signature`, "
    "then one newline. See docs/statement.md for the format.",
}
LangQuery = Annotated[Literal["zh", "en"], Query(description="Which language's labels come first.")]


@router.get(
    "/v1/me/statement",
    summary="My signed personal carbon statement",
    response_class=Response,
    responses={
        200: {
            "description": "`format=json`: the signed file (a download); `html`: its page.",
            "content": {
                "application/json": {"schema": _SIGNED_FILE},
                "text/html": {"schema": {"type": "string"}},
            },
        },
        **problem_responses("unauthorised", "participant_erased", "invalid_request"),
    },
)
async def get_my_statement(
    rt: RuntimeDep,
    me: ParticipantDep,
    format: Annotated[
        Literal["json", "html"], Query(description="json (signed) or html (a page).")
    ] = "json",
    lang: LangQuery = "zh",
) -> Response:
    """Everything this instance holds about you — enrolment and consent, awards with their
    method, every transfer of your energy, your balls' fates, your trees with their
    certificates — signed with the instance key; other participants appear without their ids."""
    return await _answer(rt, me.user_id, format, lang)


@router.get(
    "/v1/me/statement.html",
    summary="My personal carbon statement as a page",
    response_class=Response,
    responses={
        200: {"description": "The readable page.", "content": {"text/html": {}}},
        **problem_responses("unauthorised", "participant_erased", "invalid_request"),
    },
)
async def get_my_statement_page(
    rt: RuntimeDep, me: ParticipantDep, lang: LangQuery = "zh"
) -> Response:
    """The same statement as a self-contained page (Chinese and English, no script)."""
    return await _answer(rt, me.user_id, "html", lang)


async def _answer(rt: Runtime, user: str, fmt: statements.Format, lang: Lang) -> Response:
    body = await run_in_threadpool(_render, rt, user, fmt, lang)
    filename = "saxaul-statement-" + re.sub(r"[^A-Za-z0-9_-]", "", user)
    disposition = "inline" if fmt == "html" else "attachment"
    return Response(
        body,
        media_type=statements.MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'{disposition}; filename="{filename}.{fmt}"'},
    )


def _render(rt: Runtime, user: str, fmt: statements.Format, lang: Lang) -> bytes:
    return statements.render(statements.signed(rt, user), fmt, lang)


@router.post(
    "/v1/me/statements",
    summary="Bring a statement from another instance, as read-only history",
    status_code=status.HTTP_201_CREATED,
    response_model=ImportedStatementOut,
    responses={
        200: {"description": "The same file was brought before: the stored one."},
        **problem_responses(
            "unauthorised", "statement_invalid", "request_too_large", "invalid_request"
        ),
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "A signed statement file, exactly as downloaded "
            "(`GET /v1/me/statement` on its instance).",
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["statement", "signature"],
                        "properties": {
                            "statement": {"description": "The statement (docs/statement.md)."},
                            "signature": {"description": "The Ed25519 signature block."},
                        },
                        "additionalProperties": False,
                    }
                }
            },
        }
    },
)
async def post_statement(
    rt: RuntimeDep, me: ParticipantDep, request: Request, response: Response
) -> ImportedStatementOut:
    """Kept verbatim once verified (signature, format, sums, embedded certificates); refused
    with `statement_invalid` naming why. It never touches your energy here: it lists energy
    another instance's ledger issued. Bringing the same file again answers 200 and the same id."""
    data = await request.body()
    brought = await run_in_threadpool(statement_imports.bring, rt, me.user_id, data)
    if not brought.created:
        response.status_code = status.HTTP_200_OK
    return ImportedStatementOut.model_validate(brought.statement)


@router.get(
    "/v1/me/statements",
    summary="Statements I brought from other instances",
    response_model=ImportedStatementPage,
    responses=problem_responses("unauthorised", "invalid_request"),
)
async def get_statements(
    rt: RuntimeDep,
    me: ParticipantDep,
    limit: Limit = DEFAULT_PAGE,
    after_id: AfterNumber = 0,
) -> ImportedStatementPage:
    """Oldest first; each is history from its issuing instance, not energy here."""
    found = await run_in_threadpool(statement_imports.imported, rt, me.user_id, limit, after_id)
    return ImportedStatementPage(
        items=[ImportedStatementOut.model_validate(s) for s in found],
        next_after_id=next_after_id([s.id for s in found], limit),
    )


@router.get(
    "/v1/me/statements/{statement_id}",
    summary="One statement I brought, with its signed file",
    response_model=ImportedStatementFileOut,
    responses=problem_responses("unauthorised", "not_found", "invalid_request"),
)
async def get_statement(
    rt: RuntimeDep,
    me: ParticipantDep,
    statement_id: Annotated[
        int, Path(ge=1, le=INTEGER_MAX, description="The imported statement's id.")
    ],
) -> ImportedStatementFileOut:
    """Yours only: anyone else's is `not_found`, as if it did not exist."""
    found = await run_in_threadpool(statement_imports.imported_one, rt, me.user_id, statement_id)
    return ImportedStatementFileOut.of(found)
