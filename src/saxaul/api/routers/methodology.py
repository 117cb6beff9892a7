"""``GET /v1/methodology/packs[/{ref}]``: which methods the programme scores with, and how.

Why expose packs at all: every award names the pack and factors behind it, so a reviewer can
look up the exact factor values and sources an award was computed from.

Example: ``GET /v1/methodology/packs/ant-forest-2017@1.0.0`` → the pack in its file's shape;
``GET /v1/methodology/packs/nope`` → 404 ``not_found`` listing the packs that exist.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from saxaul.api.deps import RuntimeDep, require_operator
from saxaul.api.problems import problem_responses
from saxaul.api.schemas.methodology import PackDocument, PackListingOut
from saxaul.domain.operators import Permission
from saxaul.services.methodology import list_packs
from saxaul.services.packs_view import shipped_pack

router = APIRouter(prefix="/v1/methodology/packs", tags=["methodology"])
READS = [require_operator(Permission.METHODOLOGY_READ)]


@router.get(
    "",
    summary="List methodology packs",
    response_model=list[PackListingOut],
    dependencies=READS,
    responses=problem_responses("unauthorised"),
)
def get_packs(rt: RuntimeDep) -> list[PackListingOut]:
    """Every shipped pack, marking the ones the programme scores with."""
    return [PackListingOut.model_validate(listing) for listing in list_packs(rt.packs)]


@router.get(
    "/{ref}",
    summary="Show one methodology pack",
    response_model=PackDocument,
    dependencies=READS,
    responses=problem_responses("unauthorised", "not_found", "invalid_request"),
)
def get_pack(
    rt: RuntimeDep,
    ref: Annotated[
        str,
        Path(
            pattern=r"^[a-z0-9][a-z0-9._-]*(@[0-9A-Za-z.+-]+)?$",
            max_length=128,
            description="`id` (its highest version) or `id@version`.",
            examples=["ant-forest-2017@1.0.0"],
        ),
    ],
) -> PackDocument:
    """The pack whole: sources, factors, behaviours with caps, and its test vectors."""
    return PackDocument.of(shipped_pack(rt, ref))
