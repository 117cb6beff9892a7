"""The forest game over HTTP: the caller's forest, friends' forests, moves, trees and ledger.

Why the caller is never named in a path: every route acts as the participant of the presented
token (``ParticipantDep``), so the ids in paths are always something else — a ball, a friend, a
tree — and the game's rules decide whether the caller may touch it (``not_owner``,
``not_friends``; a tree the caller does not plant is ``not_found``, as if it did not exist).
Why an Idempotency-Key is required on the moves that spend or give energy (plant, co-plant,
pool, water, protect, cancel): a client retrying after a timeout cannot know whether the first
attempt landed, and only the key lets the server answer the first result instead of acting
twice. Collect and steal are safe to repeat without one (the
ledger's transfer ids stop a second take), so there it is optional.

Why the handlers are ``async`` and send only the service call to a thread: a plain ``def``
handler is run on a worker thread and its answer is validated on another, and every hop costs
more than the HTTP work itself; here each request makes one hop, for the work that blocks.

Example: ``POST /v1/me/balls/a17/collect`` → ``{"move": "collect", "transfers": [{"id":
"collect:a17", "from": "ball:a17", "to": "user:u1", "amount_g": 52, …}], "ball": {…},
"replayed": false}``; collecting it again → ``409 nothing_to_take``.
"""

from __future__ import annotations

import functools
from typing import Annotated

from fastapi import APIRouter, Header, Path, Query
from starlette.concurrency import run_in_threadpool

from saxaul.api.deps import ParticipantDep, RuntimeDep
from saxaul.api.paging import DEFAULT_PAGE, AfterText, Limit
from saxaul.api.problems import problem_responses
from saxaul.api.schemas.game import (
    MAX_ID,
    BallStoryOut,
    CatalogueOut,
    CoPlantIn,
    CoverIn,
    ForestOut,
    FriendForestOut,
    FriendsForestsOut,
    LeaderboardOut,
    MoveOut,
    PlantIn,
    PoolIn,
    StatementOut,
    TreeOut,
    TreePage,
    WaterIn,
)
from saxaul.domain.paging import next_after_id
from saxaul.services import ball_story, forest, game_requests, projects
from saxaul.services.forest import STATEMENT_MAX, STATEMENT_SEQ_MAX
from saxaul.services.game_batch import play_request_async

router = APIRouter(tags=["game"])

_KEY_DOC = (
    "Your id for this intended action, 1 to 128 characters (a UUID will do). Send a new one for "
    "each action and the same one when you retry it: a retry then gets the first answer back "
    "(`replayed: true`) instead of acting twice."
)
RequiredKey = Annotated[
    str, Header(alias="Idempotency-Key", min_length=1, max_length=MAX_ID, description=_KEY_DOC)
]
OptionalKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", min_length=1, max_length=MAX_ID, description=_KEY_DOC),
]
BallId = Annotated[str, Path(min_length=1, max_length=MAX_ID, description="A ball's id.")]
FriendId = Annotated[
    str,
    Path(min_length=1, max_length=MAX_ID, description="A friend's user id.", examples=["u-43"]),
]
TreeId = Annotated[str, Path(min_length=1, max_length=MAX_ID, description="A tree's id.")]

_MOVE = ("unauthorised", "idempotency_key_reused", "exceeds_balance", "invalid_request")
"""What any move may answer: no token, a reused key, a ledger race, a malformed request."""


@router.get(
    "/v1/me/forest",
    summary="My forest",
    response_model=ForestOut,
    responses=problem_responses("unauthorised"),
)
async def get_my_forest(rt: RuntimeDep, me: ParticipantDep) -> ForestOut:
    """Your energy, your balls still growing or ripe, your cover, and progress to each species."""
    return ForestOut.model_validate(await run_in_threadpool(forest.my_forest, rt, me.user_id))


@router.get(
    "/v1/me/balls/{ball_id}",
    summary="Why one of my balls holds what it holds",
    response_model=BallStoryOut,
    responses=problem_responses("unauthorised", "not_found", "invalid_request"),
)
async def get_ball_story(rt: RuntimeDep, me: ParticipantDep, ball_id: BallId) -> BallStoryOut:
    """The behaviour, local day, methodology pack id and version, formula and factors (each
    with its source) behind your ball; anyone else's ball is `not_found`, as if it did not
    exist."""
    story = await run_in_threadpool(ball_story.ball_story, rt, me.user_id, ball_id)
    return BallStoryOut.model_validate(story)


@router.post(
    "/v1/me/balls/{ball_id}/collect",
    summary="Collect one of my ripe balls",
    response_model=MoveOut,
    responses=problem_responses(
        *_MOVE, "not_found", "not_owner", "not_ripe", "expired", "nothing_to_take"
    ),
)
async def post_collect(
    rt: RuntimeDep, me: ParticipantDep, ball_id: BallId, key: OptionalKey = None
) -> MoveOut:
    """Move what is left in your ripe ball into your energy. Someone else's ball is `not_owner`."""
    answer = await play_request_async(rt, game_requests.collect(me.user_id, ball_id, key))
    return MoveOut.model_validate(answer)


@router.get(
    "/v1/me/friends/forests",
    summary="My friends, with what I could steal from each now",
    response_model=FriendsForestsOut,
    responses=problem_responses("unauthorised"),
)
async def get_friends_forests(rt: RuntimeDep, me: ParticipantDep) -> FriendsForestsOut:
    """Each friend's energy gained this week and trees, how many of their balls you could
    steal from now (and how much), and when their next ball ripens; most energy first."""
    view = await run_in_threadpool(forest.friends_forests, rt, me.user_id)
    return FriendsForestsOut.model_validate(view)


@router.get(
    "/v1/friends/{user_id}/forest",
    summary="A friend's forest",
    response_model=FriendForestOut,
    responses=problem_responses("unauthorised", "not_friends", "invalid_request"),
)
async def get_friend_forest(
    rt: RuntimeDep, me: ParticipantDep, user_id: FriendId
) -> FriendForestOut:
    """A friend's live balls, each with what you could steal now; only friends may look."""
    view = await run_in_threadpool(forest.friend_forest, rt, me.user_id, user_id)
    return FriendForestOut.model_validate(view)


@router.post(
    "/v1/friends/{user_id}/balls/{ball_id}/steal",
    summary="Steal from a friend's ripe ball",
    response_model=MoveOut,
    responses=problem_responses(
        *_MOVE,
        "not_found",
        "own_ball",
        "not_friends",
        "not_ripe",
        "expired",
        "already_stolen",
        "covered",
        "nothing_to_take",
        "daily_limit",
    ),
)
async def post_steal(
    rt: RuntimeDep,
    me: ParticipantDep,
    user_id: FriendId,
    ball_id: BallId,
    key: OptionalKey = None,
) -> MoveOut:
    """Take a share of a friend's ripe ball, once per ball; a ball not theirs is `not_found`."""
    answer = await play_request_async(rt, game_requests.steal(me.user_id, user_id, ball_id, key))
    return MoveOut.model_validate(answer)


@router.post(
    "/v1/friends/{user_id}/water",
    summary="Water a friend",
    response_model=MoveOut,
    responses=problem_responses(
        *_MOVE, "own_account", "not_friends", "not_a_step", "insufficient_energy", "daily_limit"
    ),
)
async def post_water(
    rt: RuntimeDep, me: ParticipantDep, user_id: FriendId, body: WaterIn, key: RequiredKey
) -> MoveOut:
    """Give a friend one watering step of your energy, a few times a day."""
    answer = await play_request_async(
        rt, game_requests.water(me.user_id, user_id, body.amount_g, key)
    )
    return MoveOut.model_validate(answer)


@router.post(
    "/v1/me/covers",
    summary="Put on a protection cover",
    response_model=MoveOut,
    responses=problem_responses(*_MOVE, "not_a_cover", "already_covered"),
)
async def post_cover(
    rt: RuntimeDep, me: ParticipantDep, body: CoverIn, key: RequiredKey
) -> MoveOut:
    """Nobody can steal from you while it lasts; one cover at a time."""
    answer = await play_request_async(rt, game_requests.protect(me.user_id, body.hours, key))
    return MoveOut.model_validate(answer)


@router.get(
    "/v1/me/trees",
    summary="My trees",
    response_model=TreePage,
    responses=problem_responses("unauthorised", "invalid_request"),
)
async def get_my_trees(
    rt: RuntimeDep, me: ParticipantDep, limit: Limit = DEFAULT_PAGE, after_id: AfterText = None
) -> TreePage:
    """The trees you plant or co-plant, newest first, with certificates for promised ones, a
    page at a time."""
    trees = await run_in_threadpool(
        functools.partial(forest.my_trees, limit=limit, after_id=after_id), rt, me.user_id
    )
    return TreePage(
        trees=[TreeOut.model_validate(tree) for tree in trees],
        next_after_id=next_after_id([tree.id for tree in trees], limit),
    )


@router.post(
    "/v1/me/trees",
    summary="Plant a tree alone",
    response_model=MoveOut,
    responses=problem_responses(
        *_MOVE, "unknown_species", "insufficient_energy", "no_capacity", "already_exists"
    ),
)
async def post_tree(rt: RuntimeDep, me: ParticipantDep, body: PlantIn, key: RequiredKey) -> MoveOut:
    """Spend a species' whole cost now; the tree is promised at once to the open project of
    its species with the most room for its size (`no_capacity` when every one is full).

    The tree's id comes from you and your Idempotency-Key, so a retry names the same tree.
    """
    answer = await play_request_async(rt, game_requests.plant(me.user_id, body.species_id, key))
    return MoveOut.model_validate(answer)


@router.post(
    "/v1/me/co-plantings",
    summary="Start co-planting a tree with friends",
    response_model=MoveOut,
    responses=problem_responses(
        *_MOVE,
        "unknown_species",
        "duplicate_planter",
        "too_many_planters",
        "not_friends",
        "no_capacity",
        "already_exists",
    ),
)
async def post_co_planting(
    rt: RuntimeDep, me: ParticipantDep, body: CoPlantIn, key: RequiredKey
) -> MoveOut:
    """A tree you and your friends fund together by pooling; no energy moves yet."""
    answer = await play_request_async(
        rt, game_requests.co_plant(me.user_id, body.species_id, body.friends, key)
    )
    return MoveOut.model_validate(answer)


@router.get(
    "/v1/trees/{tree_id}",
    summary="One of my trees",
    response_model=TreeOut,
    responses=problem_responses("unauthorised", "not_found", "invalid_request"),
)
async def get_tree(rt: RuntimeDep, me: ParticipantDep, tree_id: TreeId) -> TreeOut:
    """A tree you plant or co-plant; anyone else's is `not_found`, as if it did not exist."""
    return TreeOut.model_validate(await run_in_threadpool(forest.tree, rt, me.user_id, tree_id))


@router.post(
    "/v1/trees/{tree_id}/pool",
    summary="Pool energy into a co-planted tree",
    response_model=MoveOut,
    responses=problem_responses(
        *_MOVE,
        "not_found",
        "not_funding",
        "more_than_needed",
        "insufficient_energy",
    ),
)
async def post_pool(
    rt: RuntimeDep, me: ParticipantDep, tree_id: TreeId, body: PoolIn, key: RequiredKey
) -> MoveOut:
    """Add your share; the share that reaches the tree's cost plants it."""
    answer = await play_request_async(
        rt, game_requests.pool(me.user_id, tree_id, body.amount_g, key)
    )
    return MoveOut.model_validate(answer)


@router.post(
    "/v1/trees/{tree_id}/cancel",
    summary="Call off a co-planting",
    response_model=MoveOut,
    responses=problem_responses(*_MOVE, "not_found", "not_funding", "not_initiator"),
)
async def post_cancel(
    rt: RuntimeDep, me: ParticipantDep, tree_id: TreeId, key: RequiredKey
) -> MoveOut:
    """Only its initiator, while it is funding; every share goes back to whoever pooled it."""
    answer = await play_request_async(rt, game_requests.cancel(me.user_id, tree_id, key))
    return MoveOut.model_validate(answer)


@router.get(
    "/v1/me/leaderboard",
    summary="My friends' leaderboard",
    response_model=LeaderboardOut,
    responses=problem_responses("unauthorised"),
)
async def get_leaderboard(rt: RuntimeDep, me: ParticipantDep) -> LeaderboardOut:
    """You and your friends, by energy gained this (local) week and by trees planted."""
    board = await run_in_threadpool(forest.leaderboard, rt, me.user_id)
    return LeaderboardOut.model_validate(board)


@router.get(
    "/v1/me/ledger",
    summary="My ledger statement",
    response_model=StatementOut,
    responses=problem_responses("unauthorised", "invalid_request"),
)
async def get_ledger(
    rt: RuntimeDep,
    me: ParticipantDep,
    limit: Annotated[
        int, Query(ge=1, le=STATEMENT_MAX, description=f"At most {STATEMENT_MAX} transfers.")
    ] = 100,
    before: Annotated[
        int | None,
        Query(
            ge=1,
            le=STATEMENT_SEQ_MAX,
            description="Page back: `next_before` of the previous page.",
        ),
    ] = None,
) -> StatementOut:
    """Every transfer of your energy, your balls and your debt, newest first."""
    page = await run_in_threadpool(forest.ledger_statement, rt, me.user_id, limit, before)
    return StatementOut.model_validate(page)


@router.get(
    "/v1/species",
    summary="The species one can plant",
    response_model=CatalogueOut,
    responses=problem_responses("unauthorised"),
)
async def get_species(rt: RuntimeDep, me: ParticipantDep) -> CatalogueOut:
    """Names in Chinese and English, price, region, partner and sink, each with its source, and
    how many trees of each the open projects may still be promised."""
    remaining = await run_in_threadpool(projects.remaining_capacity, rt)
    return CatalogueOut.of(rt.species, remaining)
