"""Handing the desk configuration (SLA policy, routing) to each new ticket workflow."""

from __future__ import annotations

from pathlib import Path

from temporalio import activity

from triagedesk.config import load_catalog, load_desk_config
from triagedesk.types import DeskConfig


class ConfigActivities:
    """Re-reads the policy and catalog when their files change, so edits apply to new tickets
    without a restart; running tickets keep the policy they started with."""

    def __init__(self, policy: Path, catalog: Path, search_attributes: bool = True) -> None:
        self.policy, self.catalog = policy, catalog
        self.search_attributes = search_attributes
        self._cached: tuple[tuple[float, float], DeskConfig] | None = None

    def current(self) -> DeskConfig:
        stamp = (self.policy.stat().st_mtime, self.catalog.stat().st_mtime)
        if self._cached is None or self._cached[0] != stamp:
            config = load_desk_config(self.policy, load_catalog(self.catalog))
            config.search_attributes = self.search_attributes
            self._cached = (stamp, config)
        return self._cached[1]

    @activity.defn(name="load_desk_config")
    def load_desk_config(self) -> DeskConfig:
        return self.current()
