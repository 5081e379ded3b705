"""Desk KPIs computed from the audit store's events: pure functions over event rows
(`summary.compute`, `monthly.monthly_review`) plus the read queries that feed them."""

from triagedesk.kpis.figures import Period
from triagedesk.kpis.knowledge import PreviewRow
from triagedesk.kpis.monthly import MonthlyReview, monthly_review, parse_month
from triagedesk.kpis.summary import GROUP_BY, Kpis, compute, to_csv

__all__ = [
    "GROUP_BY",
    "Kpis",
    "MonthlyReview",
    "Period",
    "PreviewRow",
    "compute",
    "monthly_review",
    "parse_month",
    "to_csv",
]
