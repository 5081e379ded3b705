"""The KPI, report and `/v1/me` routes over a store holding the March history: answers, CSV,
Markdown and HTML, and the 422s that say what to fix."""

from __future__ import annotations

import csv
import io

import pytest

from tests.kpis.builder import march_history, utc
from tests.kpis.conftest import Api, insert, insert_previews

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def march(api: Api) -> Api:
    h = march_history()
    # A repeat escalation whose service name tries to smuggle markup into the report.
    svc = "<img src=x onerror=alert(1)> [x](http://evil)"
    h.ticket("M", utc(2026, 3, 20, 9), service=svc).triaged("network").ack(0.1).escalate(1).approve(
        2
    )
    h.ticket("N", utc(2026, 3, 21, 9), service=svc).triaged("network").ack(0.1).escalate(1).approve(
        2
    )
    insert(api.store, h.events)
    insert_previews(
        api.store,
        [
            {
                "id": "p1",
                "at": utc(2026, 3, 3),
                "actor": "intake:portal",
                "category": "printer",
                "article_ids": ["kb-1"],
                "ticket_id": None,
            },
            {
                "id": "p2",
                "at": utc(2026, 3, 4),
                "actor": "intake:portal",
                "category": "printer",
                "article_ids": [],
                "ticket_id": "A",
            },
        ],
    )
    return api


def test_me_names_the_role_and_its_permissions(march: Api) -> None:
    api = march
    agent = api.get("/v1/me", "agent").json()
    assert (agent["role"], agent["name"], agent["actor"]) == ("agent", "ana", "agent:ana")
    assert (
        "tickets:act" in agent["permissions"] and "escalations:decide" not in agent["permissions"]
    )
    assert "escalations:decide" in api.get("/v1/me", "admin").json()["permissions"]
    assert api.client.get("/v1/me").status_code == 401


def test_kpis_from_the_store(march: Api) -> None:
    body = march.get("/v1/metrics/kpis?from=2026-03-01&to=2026-03-31").json()
    assert body["period"] == {
        "from": "2026-03-01T00:00:00+00:00",
        "to": "2026-04-01T00:00:00+00:00",
    }
    assert body["summary"]["created"] == 12  # A..H, J, L and M, N
    assert body["summary"]["first_contact_resolution"]["value"] == 0.4286
    assert body["knowledge"]["deflection"] == {"count": 1, "total": 2, "value": 0.5}
    grouped = march.get("/v1/metrics/kpis?from=2026-03-01&to=2026-03-31&group_by=queue").json()
    # Queues as they stand: C went up to network; L (override), M and N (escalations) to desktop.
    assert grouped["group_by"] == "queue"
    assert grouped["groups"]["network"]["created"] == 1
    assert grouped["groups"]["desktop"]["created"] == 3


def test_kpis_as_csv(march: Api) -> None:
    for path in ("/v1/metrics/kpis.csv?", "/v1/metrics/kpis?format=csv&"):
        response = march.get(path + "from=2026-03-01&to=2026-03-31&group_by=priority")
        assert response.headers["content-type"].startswith("text/csv")
        assert "attachment" in response.headers["content-disposition"]
        rows = list(csv.DictReader(io.StringIO(response.text)))
        assert [r["group"] for r in rows] == ["all", "P1", "P2", "P3", "P4"]
        assert rows[0]["created"] == "12" and rows[0]["first_contact_resolution"] == "0.4286"
        assert rows[0]["median_hours_to_resolution"] == "4"


@pytest.mark.parametrize(
    ("query", "field", "says"),
    [
        ("from=2026-03-10&to=2026-03-01", "from", "swap from and to"),
        ("from=yesterday", "from", "YYYY-MM-DD"),
        ("to=2026-02-30", "to", "YYYY-MM-DD"),
        ("group_by=team", "group_by", "queue, category, priority, channel, agent"),
        ("format=xml", "format", "json or csv"),
        ("from=2020-01-01&to=2026-01-01", "from", "shorter"),
    ],
)
def test_bad_kpi_queries_say_what_to_fix(march: Api, query: str, field: str, says: str) -> None:
    response = march.get(f"/v1/metrics/kpis?{query}")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["details"][0]["field"] == field and says in error["message"]


def test_only_tokens_with_metrics_read_see_kpis(march: Api) -> None:
    assert march.get("/v1/metrics/kpis", "intake").status_code == 403
    assert march.get("/v1/reports/monthly?month=2026-03", "intake").status_code == 403
    assert march.get("/v1/metrics/kpis", "agent").status_code == 200


@pytest.mark.parametrize("month", ["2026-3", "2026-13", "03-2026", "march"])
def test_a_month_not_in_yyyy_mm_is_refused(march: Api, month: str) -> None:
    response = march.get(f"/v1/reports/monthly?month={month}")
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "month"
    assert "YYYY-MM" in response.json()["error"]["message"]


def test_monthly_review_in_markdown_links_the_tickets(march: Api) -> None:
    response = march.get("/v1/reports/monthly?month=2026-03")
    assert response.headers["content-type"].startswith("text/markdown")
    text = response.text
    for section in (
        "# Monthly review: 2026-03",
        "## KPIs",
        "## What to fix next",
        "## Fastest-growing categories",
        "## Escalated again and again",
        "## Knowledge gaps",
    ):
        assert section in text
    assert "| Tickets created | 12 | 2 | +10 |" in text
    assert "[M](http://testserver/console/tickets/M)" in text
    # The service name is text, not a link or an image.
    assert "\\<img src=x onerror=alert\\(1\\)\\> \\[x\\]\\(http://evil\\)" in text
    assert "](http://evil)" not in text


def test_monthly_review_in_html_escapes_ticket_text(march: Api) -> None:
    for response in (
        march.get("/v1/reports/monthly?month=2026-03", accept="text/html"),
        march.get("/v1/reports/monthly?month=2026-03&format=html"),
    ):
        assert response.headers["content-type"].startswith("text/html")
        assert '<h2 id="fix-h">What to fix next</h2>' in response.text
        assert "&lt;img src=x onerror=alert(1)&gt;" in response.text
        assert "<img" not in response.text
        assert '<a href="http://testserver/console/tickets/N">N</a>' in response.text
        assert "script-src 'self'" in response.headers["content-security-policy"]
