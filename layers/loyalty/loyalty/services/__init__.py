"""Use cases: each takes ``now`` and the request, reads once, decides with the domain rules
and writes once (one transaction), retrying a bounded number of times on a lost race."""
