"""Scoring a ticket's risk of breaching its resolve target.

The model folder is the `sla-models` registry under the data dir (`python -m ml.sla_train
--events ... --out var/sla-models`); a promotion is picked up without a restart. A missing or
failing model never blocks a ticket: the risk is unknown and the reason says why.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from pathlib import Path

from temporalio import activity

from ml.errors import ModelLoadError
from ml.registry import ModelRegistry
from ml.sla_features import SlaSnapshot
from ml.sla_model import SlaRiskModel
from triagedesk.store import Store, StoreUnavailable
from triagedesk.types import RiskInput, RiskResult

log = logging.getLogger(__name__)

PRIORITY_NUMBER = {"P1": 1, "P2": 2, "P3": 3, "P4": 4}
SCORING_ERRORS = (ModelLoadError, OSError, ValueError, KeyError, RuntimeError)


class RiskModelSource:
    """The current breach-risk model, re-checked for a promotion at most every 30 seconds."""

    def __init__(self, registry_dir: Path, check_every: float = 30.0) -> None:
        self.registry_dir = registry_dir
        self.check_every = check_every
        self._lock = threading.Lock()
        self._model: SlaRiskModel | None = None
        self._error: str | None = None
        self._checked = -check_every

    def current(self) -> tuple[SlaRiskModel | None, str | None]:
        with self._lock:
            if time.monotonic() - self._checked >= self.check_every:
                self._checked = time.monotonic()
                self._refresh()
            return self._model, self._error

    def _refresh(self) -> None:
        version = (
            ModelRegistry(self.registry_dir).current_version()
            if self.registry_dir.is_dir()
            else None
        )
        if self._model is not None and self._model.version == version:
            return
        try:
            self._model, self._error = SlaRiskModel.load(self.registry_dir), None
        except SCORING_ERRORS as err:
            self._model, self._error = None, f"risk model unavailable: {err}"


def snapshot(inp: RiskInput, backlog: int, load: int) -> SlaSnapshot:
    return SlaSnapshot(
        ticket_id=inp.ticket_id,
        priority=PRIORITY_NUMBER[inp.priority.value],
        category=inp.category,
        tier=inp.tier,
        queue=inp.queue,
        channel=inp.channel,
        service=inp.service,
        opened_at=inp.opened_at,
        scored_at=inp.scored_at,
        seconds_to_due=inp.seconds_to_due,
        queue_backlog=backlog,
        assignee_load=load,
        reassignment_count=inp.reassignment_count,
        escalation_count=inp.escalation_count,
        reopen_count=inp.reopen_count,
    )


class RiskActivities:
    def __init__(self, source: RiskModelSource, store: Store) -> None:
        self.source = source
        self.store = store

    def score(self, inp: RiskInput) -> RiskResult:
        model, error = self.source.current()
        if model is None:
            return RiskResult(reasons=[error or "risk model unavailable"])
        try:
            backlog, load = self.store.open_counts(inp.queue, inp.assignee)
        except StoreUnavailable:
            backlog, load = 0, 0  # workload unknown: score on the rest rather than not at all
        try:
            scored = model.score([snapshot(inp, max(0, backlog - 1), max(0, load - 1))])[0]
        except SCORING_ERRORS as err:
            log.exception("risk scoring failed for %s", inp.ticket_id)
            return RiskResult(reasons=[f"risk scoring failed: {err}"], model_version=model.version)
        return RiskResult(
            risk=round(scored.risk, 4),
            reasons=scored.reasons,
            threshold=model.alert_threshold,
            model_version=model.version,
        )

    @activity.defn(name="score_risk")
    async def score_risk(self, inp: RiskInput) -> RiskResult:
        return await asyncio.to_thread(self.score, inp)
