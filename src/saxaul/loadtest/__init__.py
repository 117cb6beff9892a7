"""Load tests of the real thing, shipped so an operator can run them: ``saxaul bench http``.

Why in the package and not only in ``bench/``: the installed ``saxaul`` command cannot import
the repository's ``bench/`` folder, and an operator measuring a deployment has only the
installed package. The repository's benchmarks (``python -m bench.ledger``,
``python -m bench.http_game``) import from here, so a world, a move mix or the pgbench anchor
has one home.

``scratch`` makes and drops the database a measurement writes into; ``world`` builds players,
friendships, events and balls through the services; ``moves`` draws seeded streams of game moves
and names the HTTP route of each; ``pgbench`` runs TPC-B on the same PostgreSQL as the anchor
every figure is read against; ``machine`` says what machine and durability a figure was measured
on; ``server`` starts the real server as a subprocess; ``client`` is the cheap asyncio HTTP/1.1
client; ``http_game`` runs the load and audits the ledger after it.

This layer sits between ``cli`` and ``api | sim`` (the world uses the simulator's settable
clock) and never imports ``saxaul.api``: the server is measured from outside, as a process.
"""
