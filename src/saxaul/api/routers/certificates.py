"""Tree certificates over HTTP: a planter's signed certificate, and the public key to check it.

Why the certificate is a participant route and not public: it holds pseudonyms, not names, but
the events and times of one pseudonym still trace a person's behaviour, so the planter decides
whom to show the file (``services.certificates``). The public key is public: anyone holding a
file checks it offline against the key, without asking this server anything else.

Example: ``GET /v1/me/trees/t3b9/certificate?format=pdf&lang=en`` → the PDF, English labels
first; ``GET /v1/certificates/public-key`` → ``{"alg": "Ed25519", "key_id": "…", …}``.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from starlette.concurrency import run_in_threadpool

from saxaul.api.deps import ParticipantDep, RuntimeDep
from saxaul.api.problems import problem_responses
from saxaul.api.rate_limits import PUBLIC_LIMIT
from saxaul.api.routers.game import TreeId
from saxaul.api.schemas.certificates import PublicKeyOut
from saxaul.domain.certificates import number
from saxaul.services import certificates
from saxaul.services.certificate_page import Lang
from saxaul.services.runtime import Runtime

router = APIRouter(tags=["certificates"])

_SIGNED_FILE = {
    "type": "object",
    "description": "The signed certificate file: canonical JSON of `certificate` and "
    "`signature`, then one newline. See docs/certificates.md for the format.",
}


@router.get(
    "/v1/certificates/public-key",
    summary="The key certificates are signed with (public, no authentication)",
    response_model=PublicKeyOut,
    dependencies=[PUBLIC_LIMIT],
)
async def get_public_key(rt: RuntimeDep) -> PublicKeyOut:
    """Public: no token or key is needed. Verify a certificate file against this key
    (`saxaul certificate verify FILE --public-key <public_key>`); a file whose embedded
    `key_id` differs was not signed by this instance."""
    return PublicKeyOut.model_validate(certificates.public_key(rt))


@router.get(
    "/v1/me/trees/{tree_id}/certificate",
    summary="The signed certificate of one of my promised trees",
    response_class=Response,
    responses={
        200: {
            "description": "`format=json`: the signed file; `html`: a self-contained page; "
            "`pdf`: the PDF.",
            "content": {
                "application/json": {"schema": _SIGNED_FILE},
                "text/html": {"schema": {"type": "string"}},
                "application/pdf": {"schema": {"type": "string", "format": "binary"}},
            },
        },
        **problem_responses("unauthorised", "not_found", "not_promised", "invalid_request"),
    },
)
async def get_my_certificate(
    rt: RuntimeDep,
    me: ParticipantDep,
    tree_id: TreeId,
    format: Annotated[
        Literal["json", "html", "pdf"], Query(description="json (signed), html or pdf.")
    ] = "json",
    lang: Annotated[
        Literal["zh", "en"], Query(description="Which language's labels come first.")
    ] = "zh",
) -> Response:
    """Only a planter of the tree gets it (for anyone else it does not exist); a tree still
    funding has none yet (`not_promised`). The same chain always gives the same bytes."""
    body = await run_in_threadpool(_render, rt, me.user_id, tree_id, format, lang)
    filename = re.sub(r"[^A-Za-z0-9_-]", "", number(tree_id))
    disposition = "inline" if format == "html" else "attachment"
    return Response(
        body,
        media_type=certificates.MEDIA_TYPES[format],
        headers={"Content-Disposition": f'{disposition}; filename="{filename}.{format}"'},
    )


def _render(rt: Runtime, user: str, tree_id: str, fmt: certificates.Format, lang: Lang) -> bytes:
    return certificates.render(certificates.signed(rt, tree_id, user=user), fmt, lang)
