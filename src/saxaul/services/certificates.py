"""Tree certificates: gather a promised tree's chain, sign it, and render it as a page or PDF.

Why derived on every request rather than stored: the chain (funding, the energy behind it, the
liability) is all in the store already, and Ed25519 signatures are deterministic, so the same
chain always gives the same signed bytes; a stored copy could only fall behind. The liability
part does change as the partner orders, plants and evidences the tree, and the certificate then
says so.

Who may have one: a member of the tree (``tree_members``: its planters) through the API; an
operator through the CLI (``saxaul certificate export``). No public route serves it: it holds
pseudonyms, not names, yet event ids and times of one pseudonym are still a trace of a person's
behaviour, so a participant chooses to share their file rather than the instance publishing
every tree's. Anyone can *verify* a shared file offline against the public key
(``GET /v1/certificates/public-key``).

Example: ``signed(rt, "t1", user="u1")`` → the certificate file's bytes;
``certificate_seal.verify(those).certificate["number"] == "SX-t1"``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Literal

from saxaul.domain import accounts, certificates
from saxaul.domain.certificates import Chain, Funding, TreeFacts
from saxaul.domain.clock import to_us
from saxaul.domain.errors import DomainError, NotFound
from saxaul.domain.ledger import AccountKind
from saxaul.domain.planting import Tree, TreeStatus
from saxaul.services import certificate_seal
from saxaul.services.certificate_page import Lang, html_page
from saxaul.services.certificate_pdf import pdf_bytes
from saxaul.services.runtime import Runtime
from saxaul.store import certificates_repo, trees_repo
from saxaul.store.uow import UnitOfWork

Format = Literal["json", "html", "pdf"]
MEDIA_TYPES: dict[Format, str] = {
    "json": "application/json",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
}


class NotPromised(DomainError):
    """The tree is still funding (or was cancelled): there is nothing to certify yet."""

    code = "not_promised"


@dataclass(frozen=True, slots=True)
class PublicKey:
    """The key certificates are signed with, as the public-key endpoint shows it."""

    alg: str
    key_id: str
    public_key: str
    pem: str


def public_key(rt: Runtime) -> PublicKey:
    """The instance's certificate signing key: raw (base64url) and PEM."""
    raw = rt.keys.public_key
    return PublicKey(
        certificate_seal.ALG,
        rt.keys.key_id,
        certificate_seal.b64url(raw),
        certificate_seal.public_key_pem(raw),
    )


def signed(rt: Runtime, tree_id: str, *, user: str | None) -> bytes:
    """The signed certificate file of ``tree_id``; ``user``: only if they plant it (others are
    told it does not exist), ``None``: the operator's export, for any promised tree."""
    with rt.db.reading() as conn:
        tree = trees_repo.load_trees(conn, [tree_id]).get(tree_id)
        if tree is None or (user is not None and user not in tree.members):
            raise NotFound(f"you have no tree {tree_id}", tree_id=tree_id)
        if tree.status is not TreeStatus.PROMISED or tree.promised_at is None:
            raise NotPromised(
                f"tree {tree_id} is {tree.status}: it has a certificate once promised",
                tree_id=tree_id,
            )
        return sealed(rt, conn, tree)


def sealed(rt: Runtime, conn: UnitOfWork, tree: Tree) -> bytes:
    """The signed certificate file of the promised ``tree``, read in ``conn``'s snapshot (a
    personal statement embeds its trees' files, all read in the statement's one snapshot)."""
    chain = _chain(rt, conn, tree)
    return certificate_seal.seal(certificates.certificate(chain), rt.keys.sign, rt.keys.public_key)


def render(data: bytes, fmt: Format, lang: Lang = "zh") -> bytes:
    """The signed file ``data`` as ``fmt``: itself (json), its page (html) or its PDF.

    A page or PDF is drawn only from a file that verifies, so neither can show what the
    signature does not cover.
    """
    if fmt == "json":
        return data
    verified = certificate_seal.verify(data)
    if fmt == "html":
        return html_page(verified, lang).encode("utf-8")
    return pdf_bytes(verified, lang)


def _chain(rt: Runtime, conn: UnitOfWork, tree: Tree) -> Chain:
    assert tree.promised_at is not None
    species = rt.species.get(tree.species_id)
    secret = rt.keys.secret(certificates.PSEUDONYM_PURPOSE)
    transfers = certificates_repo.funding_transfers(conn, tree.id)
    shares: dict[str, list[int]] = defaultdict(list)
    for entry in transfers:
        if accounts.kind_of(entry.debit) is AccountKind.PARTICIPANT:
            shares[entry.debit].append(entry.seq)
    spent = {
        seq: portions
        for account, seqs in shares.items()
        for seq, portions in certificates.attribute(
            account, certificates_repo.history(conn, account, max(seqs)), seqs
        ).items()
    }
    funding = tuple(
        Funding(
            seq=entry.seq,
            kind=entry.kind,
            planter=_planter(secret, entry.debit),
            amount_g=entry.amount_g,
            at_us=entry.at_us,
            spent=spent.get(entry.seq, ()),
        )
        for entry in transfers
    )
    return Chain(
        tree=TreeFacts(
            id=tree.id,
            species_id=species.id,
            species_zh=species.name_zh,
            species_en=species.name_en,
            scientific_name=species.scientific_name,
            region_zh=species.region.name_zh,
            region_en=species.region.name_en,
            catalogue=tree.catalogue,
            mode=tree.mode.value,
            cost_g=tree.cost_g,
            promised_at_us=to_us(tree.promised_at),
        ),
        partner_zh=species.partner.name_zh,
        partner_en=species.partner.name_en,
        funding=funding,
        awards=certificates_repo.awards_with_events(conn, certificates.award_ids(funding)),
        liability=certificates_repo.liability(conn, tree.id),
    )


def _planter(secret: bytes, debit: str) -> str | None:
    if accounts.kind_of(debit) is not AccountKind.PARTICIPANT:
        return None
    return certificates.pseudonym(secret, accounts.key_of(debit, AccountKind.PARTICIPANT))
