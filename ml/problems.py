"""Problem candidates: clusters of similar resolved tickets, the root-cause work for the desk.

Tickets are grouped by category (or service when they share one), then clustered by cosine
similarity of their text embeddings: each ticket joins the closest cluster centroid at or above
the threshold, or starts a new one. Largest clusters first; singletons are not problems.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np

from ml.ticket_index import IndexedTicket

STOP = set(
    """a an the to of in on for and or is are was were be been it its my our we i you your
this that with at from by not no can cannot can't please help issue problem ticket when after
again still have has had do does did""".split()
)


@dataclass
class Cluster:
    group: str
    members: list[IndexedTicket] = field(default_factory=list)
    centroid: np.ndarray | None = None

    def add(self, ticket: IndexedTicket) -> None:
        self.members.append(ticket)
        vectors = np.stack([m.vector for m in self.members])
        mean = vectors.mean(axis=0)
        self.centroid = mean / (np.linalg.norm(mean) or 1.0)

    def describe(self) -> dict[str, object]:
        words = Counter(
            w
            for m in self.members
            for w in set(re.findall(r"[a-z][a-z0-9-]{2,}", m.subject.lower()))
            if w not in STOP
        )
        return {
            "group": self.group,
            "size": len(self.members),
            "ticket_ids": [m.ticket_id for m in self.members],
            "subjects": [m.subject for m in self.members[:5]],
            "common_terms": [w for w, _ in words.most_common(5)],
            "services": sorted({m.service for m in self.members if m.service}),
        }


def _group_of(ticket: IndexedTicket) -> str:
    if ticket.category:
        return f"category:{ticket.category}"
    return f"service:{ticket.service}" if ticket.service else "uncategorised"


def cluster(
    tickets: list[IndexedTicket], threshold: float = 0.7, min_size: int = 3
) -> list[dict[str, object]]:
    groups: dict[str, list[IndexedTicket]] = defaultdict(list)
    for ticket in tickets:
        groups[_group_of(ticket)].append(ticket)
    found: list[Cluster] = []
    for group, members in groups.items():
        clusters: list[Cluster] = []
        for ticket in members:
            scores = [
                float(c.centroid @ ticket.vector) if c.centroid is not None else -1.0
                for c in clusters
            ]
            best = int(np.argmax(scores)) if scores else -1
            if best >= 0 and scores[best] >= threshold:
                clusters[best].add(ticket)
            else:
                clusters.append(Cluster(group))
                clusters[-1].add(ticket)
        found += [c for c in clusters if len(c.members) >= min_size]
    found.sort(key=lambda c: (-len(c.members), c.group))
    return [c.describe() for c in found]
