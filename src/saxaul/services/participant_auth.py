"""Participant sign-in: passwords hashed with scrypt, bearer tokens stored only as SHA-256.

Why two different hashes: a password is chosen by a person and guessable, so it is stretched
with scrypt (``n=2**14, r=8, p=1``: ~16 MiB and tens of milliseconds per try) under a random
salt; a token is 32 random bytes, not guessable, so a fast SHA-256 lets every request be checked
cheaply, and a stolen table of hashes cannot be replayed. Tokens expire (12 h by default) and
``logout`` revokes one at once.

Who gets a token: a participant who logs in with the password the operator set
(``saxaul participants set-password``), or, through ``issue_token``, one whom an app backend has
already authenticated its own way. A withdrawn participant (opted out) can still log in: they
keep the right to see their account and trees, and opting out only stops scoring.

Example: ``set_password(rt, "u1", "correct horse")``; ``login(rt, "u1", "correct horse")`` →
``IssuedToken("sxs_…", "u1", expires_at=now + 12 h)``; ``authenticate_participant(rt, token)``
→ ``ParticipantPrincipal("u1")`` until it expires or ``logout(rt, token)``.

Why a token is not read from the store on every request: that read is a transaction of its own,
often costlier than the move the request asks for. A token found live is remembered in
``rt.sessions`` (``services.auth_cache``) for ``SAXAUL_AUTH_CACHE_S`` seconds (5 by default; 0
turns it off), never past its own expiry. The bound this buys: ``logout`` forgets the token at
once in the process that ends it, but a token ended in another process (another server
worker, another server) is still accepted here for at most ``SAXAUL_AUTH_CACHE_S`` seconds.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from saxaul.domain.clock import to_us
from saxaul.domain.errors import InputRejected, NotFound, Unauthorised
from saxaul.services import operator_audit
from saxaul.services.erasure import refuse_if_erased
from saxaul.services.operator_audit import OperatorAct
from saxaul.services.runtime import Runtime
from saxaul.store import auth_repo, participants_repo
from saxaul.store.uow import UnitOfWork, WriteUnitOfWork

PREFIX = "sxs_"
DEFAULT_TTL = dt.timedelta(hours=12)
PASSWORD_MIN, PASSWORD_MAX = 8, 256
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
_MAXMEM = 64 * 1024 * 1024
"""scrypt needs 128·n·r bytes (16 MiB here); OpenSSL's default ceiling is 32 MiB, so raise it
to let hashes stored with a doubled ``n`` still verify."""
_WRONG = "wrong user id or password"
_WRONG_ZH = "用户 ID 或密码错误"
_LOG_IN_AGAIN = "your session has ended or expired; log in again with POST /v1/auth/login"
_LOG_IN_AGAIN_ZH = "登录已过期或已退出，请重新登录"


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A new bearer token: shown once, stored only as its hash."""

    token: str
    user_id: str
    expires_at: dt.datetime


@dataclass(frozen=True, slots=True)
class ParticipantPrincipal:
    """Who a valid participant token belongs to."""

    user_id: str


def set_password(rt: Runtime, user_id: str, password: str) -> None:
    """Set (or replace) an enrolled participant's password."""
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise InputRejected(
            f"a password has {PASSWORD_MIN} to {PASSWORD_MAX} characters, "
            f"this one has {len(password)}; choose another",
            field="password",
        )
    stored = _hash_password(password)

    def work(conn: WriteUnitOfWork) -> None:
        _require_participant(conn, user_id)
        auth_repo.save_password_hash(conn, user_id, stored, to_us(rt.clock.now()))

    rt.db.write(work)


def login(rt: Runtime, user_id: str, password: str, ttl: dt.timedelta = DEFAULT_TTL) -> IssuedToken:
    """A token for a participant whose password matches.

    An unknown user, one without a password and a wrong password are refused with the same
    words and after the same scrypt work, so the answer does not reveal who is enrolled.
    """
    with rt.db.reading() as conn:
        stored = auth_repo.password_hash(conn, user_id)
    matches = _password_matches(password, stored or _dummy_hash())
    if stored is None or not matches:
        raise Unauthorised(_WRONG, detail_zh=_WRONG_ZH)
    return _issue(rt, user_id, ttl)


def confirm_password(rt: Runtime, user_id: str, password: str | None) -> None:
    """Refuse (401) unless ``password`` is ``user_id``'s, when they have one: re-entering it
    guards an irreversible act against a borrowed device. One who signs in through an app
    backend (no password here) has nothing to re-enter."""
    with rt.db.reading() as conn:
        stored = auth_repo.password_hash(conn, user_id)
    if stored is None:
        return
    if password is None or not _password_matches(password, stored):
        raise Unauthorised(
            "the password is wrong; enter the one you sign in with",
            detail_zh="密码错误，请输入您的登录密码",
            field="password",
        )


def issue_token(
    rt: Runtime,
    user_id: str,
    ttl: dt.timedelta = DEFAULT_TTL,
    *,
    act: OperatorAct | None = None,
) -> IssuedToken:
    """A token for a participant an app backend has authenticated itself (no password here).

    An operator key's ``act`` is audited in the same transaction as the session it creates
    (a token acts as the participant, so issuing one is access to their data); asked for
    someone not enrolled, the refusal is audited too; for someone erased, 410.
    """
    _check_ttl(ttl)
    token = PREFIX + secrets.token_urlsafe(32)
    now = rt.clock.now()
    expires_at = now + ttl

    def work(conn: WriteUnitOfWork) -> bool:
        refuse_if_erased(conn, user_id)
        enrolled = participants_repo.is_enrolled(conn, user_id)
        if enrolled:
            auth_repo.insert_session(conn, _digest(token), user_id, to_us(now), to_us(expires_at))
        if act is not None:
            outcome = operator_audit.OK if enrolled else NotFound.code
            operator_audit.record(conn, act, [user_id], outcome, to_us(now))
        return enrolled

    if not rt.db.write(work):
        raise _not_enrolled(user_id)
    return IssuedToken(token=token, user_id=user_id, expires_at=expires_at)


def remembered_participant(rt: Runtime, token: str) -> ParticipantPrincipal | None:
    """The participant of a token this process found live a moment ago, without any I/O;
    ``None`` means "ask ``authenticate_participant``", never "refused"."""
    user_id = rt.sessions.get(_digest(token), to_us(rt.clock.now()))
    return None if user_id is None else ParticipantPrincipal(user_id=user_id)


def authenticate_participant(rt: Runtime, token: str) -> ParticipantPrincipal:
    """The participant a presented token belongs to; refuses unknown, ended and expired ones."""
    if not token.startswith(PREFIX) or len(token) > 128:
        raise Unauthorised(
            "this is not a participant token; log in with POST /v1/auth/login",
            detail_zh="这不是参与者登录凭证，请先登录",
        )
    remembered = remembered_participant(rt, token)
    if remembered is not None:
        return remembered
    digest, now_us = _digest(token), to_us(rt.clock.now())
    with rt.db.reading() as conn:
        live = auth_repo.live_session(conn, digest, now_us)
    if live is None:
        raise Unauthorised(_LOG_IN_AGAIN, detail_zh=_LOG_IN_AGAIN_ZH)
    user_id, expires_us = live
    rt.sessions.put(digest, user_id, now_us, expires_us)
    return ParticipantPrincipal(user_id=user_id)


def logout(rt: Runtime, token: str) -> None:
    """End a token's session now; a token already ended, or unknown, is left as it is."""
    digest, at_us = _digest(token), to_us(rt.clock.now())
    rt.db.write(lambda conn: auth_repo.revoke_session(conn, digest, at_us))
    rt.sessions.evict(digest)  # after the commit: a check that reads the store now sees it ended


def _check_ttl(ttl: dt.timedelta) -> None:
    if ttl <= dt.timedelta(0):
        raise InputRejected(f"a token must live for a positive time, not {ttl}", field="ttl")


def _issue(rt: Runtime, user_id: str, ttl: dt.timedelta) -> IssuedToken:
    _check_ttl(ttl)
    token = PREFIX + secrets.token_urlsafe(32)
    now = rt.clock.now()
    expires_at = now + ttl
    rt.db.write(
        lambda conn: auth_repo.insert_session(
            conn, _digest(token), user_id, to_us(now), to_us(expires_at)
        )
    )
    return IssuedToken(token=token, user_id=user_id, expires_at=expires_at)


def _require_participant(conn: UnitOfWork, user_id: str) -> None:
    refuse_if_erased(conn, user_id)
    if not participants_repo.is_enrolled(conn, user_id):
        raise _not_enrolled(user_id)


def _not_enrolled(user_id: str) -> NotFound:
    return NotFound(
        f"no enrolled participant {user_id!r}; import them first (saxaul import)",
        field="user_id",
    )


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    derived = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return "$".join(
        ("scrypt", str(SCRYPT_N), str(SCRYPT_R), str(SCRYPT_P), _b64(salt), _b64(derived))
    )


def _password_matches(password: str, stored: str) -> bool:
    """Whether ``password`` hashes to ``stored`` under the salt and costs stored with it."""
    _, n, r, p, salt, expected = stored.split("$")
    derived = _scrypt(password, base64.b64decode(salt), int(n), int(r), int(p))
    return hmac.compare_digest(derived, base64.b64decode(expected))


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, maxmem=_MAXMEM, dklen=32)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


@functools.cache
def _dummy_hash() -> str:
    """Checked against when a user has no password, so refusing them costs the same work."""
    return _hash_password(secrets.token_urlsafe(16))
