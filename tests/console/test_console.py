"""The console in a real browser against the real stack: an agent works tickets, a supervisor
decides escalations, KPIs are drawn, and the page never trusts itself with ticket text or rights."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import expect

from tests.console.conftest import CHROMIUM, NO_CHROMIUM, Console, Tab

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=NO_CHROMIUM),
    pytest.mark.asyncio(loop_scope="session"),
]

TabFactory = Callable[[], Any]


async def accept_suggestion(agent: Tab, ticket: dict[str, Any]) -> None:
    page = agent.page
    await page.get_by_role("link", name=ticket["subject"]).click()
    await agent.ready()
    await page.get_by_role("button", name="Accept suggestion").click()
    await expect(page.locator("#action-status")).to_have_text("Suggestion accepted.")
    await expect(page.locator("#triage-decision")).to_have_text("Decision: accepted")
    await expect(page.locator('#timeline li[data-type="triage_accepted"]')).to_have_count(1)


async def override_priority_and_queue(agent: Tab, ticket: dict[str, Any]) -> None:
    """The first try has no reason: the API's error shows next to the reason field."""
    page = agent.page
    await agent.open(f"/console/tickets/{ticket['id']}")
    await page.get_by_text("Override the suggestion").click()
    form = page.locator("#override-form")
    await form.get_by_label("Priority").select_option("P2")
    await form.get_by_label("Queue").select_option("desktop")
    await form.get_by_role("button", name="Save override").click()
    await expect(form.locator('[data-error-for="reason"]')).to_contain_text("must not be empty")
    await form.get_by_label("Reason").fill("The whole floor prints labels with it")
    await form.get_by_role("button", name="Save override").click()
    await expect(page.locator("#action-status")).to_have_text("Override saved.")
    await expect(page.locator("#t-facts")).to_contain_text("P2")


async def escalate_with_handoff(agent: Tab) -> None:
    """The first try lacks the blocker: its field is marked and says why."""
    page = agent.page
    await page.get_by_role("button", name="Acknowledge").click()
    await expect(page.locator("#t-status")).to_have_text("in progress")
    await page.get_by_text("Escalate", exact=True).click()
    form = page.locator("#escalate-form")
    await form.get_by_label("Reason").fill("Needs admin rights on the print server")
    await form.get_by_label("Impact").fill("Warehouse cannot print shipping labels")
    await form.get_by_label("Steps taken").fill("Reinstalled the driver, rebooted")
    await form.get_by_role("button", name="Request escalation").click()
    await expect(form.locator('[data-error-for="handoff.blocker"]')).to_contain_text(
        "must not be empty"
    )
    await expect(form.get_by_label("Blocker")).to_have_attribute("aria-invalid", "true")
    await form.get_by_label("Blocker").fill("Installing drivers needs domain admin")
    await form.get_by_role("button", name="Request escalation").click()
    await expect(page.locator("#t-status")).to_have_text("escalation pending")


async def test_agent_accepts_overrides_escalates_and_supervisor_approves(
    console: Console, tab_factory: TabFactory
) -> None:
    accepted = await console.triaged(subject="Printer on floor 2 jams on every job")
    escalated = await console.triaged(subject="Label printer driver will not install")
    agent: Tab = await tab_factory()
    await agent.sign_in("agent")
    await expect(agent.page.locator(f'tr[data-ticket="{accepted["id"]}"]')).to_be_visible()
    await expect(agent.page.get_by_role("link", name="Supervisor inbox")).to_be_hidden()
    await accept_suggestion(agent, accepted)
    await override_priority_and_queue(agent, escalated)
    await escalate_with_handoff(agent)

    supervisor: Tab = await tab_factory()
    await supervisor.sign_in("supervisor", then="/console/inbox")
    card = supervisor.page.locator(f'li.card[data-ticket="{escalated["id"]}"]')
    await expect(card).to_contain_text("Installing drivers needs domain admin")
    await card.get_by_role("button", name="Approve").click()
    await expect(supervisor.page.locator("#inbox-status")).to_contain_text("approved")
    await expect(card).to_have_count(0)
    assert (await console.ticket(escalated["id"]))["status"] == "escalated"
    assert agent.errors == [] and supervisor.errors == []


async def test_queue_filters_live_in_the_url_and_sla_turns_amber_then_red(
    console: Console, tab_factory: TabFactory
) -> None:
    ticket = await console.triaged(subject="Monitor flickers", affected_users=1)
    tab: Tab = await tab_factory()
    await tab.sign_in("agent")
    page = tab.page
    await page.locator("#f-priority").select_option(ticket["priority"])
    await page.get_by_role("button", name="Apply filters").click()
    await expect(page).to_have_url(re.compile(rf"/console/queue\?priority={ticket['priority']}$"))
    row = page.locator(f'tr[data-ticket="{ticket["id"]}"]')
    await expect(row.locator("span.sla")).to_have_attribute("data-sla", "ok")
    await page.reload()
    await tab.ready()
    await expect(page.locator("#f-priority")).to_have_value(ticket["priority"])
    # New work shows up without a reload: the poll also runs when the tab becomes visible.
    await page.evaluate("window.sameDocument = true")
    newer = await console.triaged(subject="Second monitor flickers too", affected_users=1)
    await page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    await expect(page.locator(f'tr[data-ticket="{newer["id"]}"]')).to_be_visible()
    assert await page.evaluate("window.sameDocument") is True
    states = await page.evaluate(
        """async () => {
            const {state} = await import("/console/static/js/sla.js");
            const created = "2026-03-02T09:00:00Z", due = "2026-03-02T13:00:00Z";
            const at = (iso) => Date.parse(iso);
            return [state(created, due, false, at("2026-03-02T11:59:00Z")),
                    state(created, due, false, at("2026-03-02T12:00:00Z")),
                    state(created, due, false, at("2026-03-02T13:00:00Z")),
                    state(created, due, true, at("2026-03-02T10:00:00Z"))];
        }"""
    )
    assert states == ["ok", "warning", "breached", "breached"]
    assert tab.errors == []


async def test_ticket_text_is_rendered_as_text_never_markup(
    console: Console, tab_factory: TabFactory
) -> None:
    subject = '<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2">'
    ticket = await console.triaged(subject=subject, description="<b>bold?</b> <script>x</script>")
    tab: Tab = await tab_factory()
    await tab.sign_in("agent")
    await expect(tab.page.locator(f'tr[data-ticket="{ticket["id"]}"]')).to_contain_text("<script>")
    await tab.open(f"/console/tickets/{ticket['id']}")
    await expect(tab.page.locator("#t-subject")).to_have_text(subject)
    await expect(tab.page.locator("#t-description")).to_have_text("<b>bold?</b> <script>x</script>")
    assert (
        await tab.page.locator("#t-subject img, #t-subject script, #t-description b").count() == 0
    )
    assert await tab.page.evaluate("window.pwned") is None


async def test_stale_page_shows_the_conflict_and_refreshes(
    console: Console, tab_factory: TabFactory
) -> None:
    ticket = await console.triaged(subject="Keyboard missing keys")
    tab: Tab = await tab_factory()
    await tab.sign_in("agent", then=f"/console/tickets/{ticket['id']}")
    acknowledge = tab.page.get_by_role("button", name="Acknowledge")
    await expect(acknowledge).to_be_visible()
    behind_its_back = await console.post(f"/v1/tickets/{ticket['id']}/acknowledge", "supervisor")
    assert behind_its_back.status_code == 200
    await acknowledge.click()
    error = tab.page.locator("#action-error")
    await expect(error).to_contain_text("cannot acknowledge")
    await expect(error).to_contain_text("in_progress")
    await expect(tab.page.locator("#t-status")).to_have_text("in progress")
    await expect(acknowledge).to_be_hidden()


async def test_roles_see_only_what_they_may_and_the_server_refuses_the_rest(
    console: Console, tab_factory: TabFactory
) -> None:
    ticket = await console.triaged(subject="Need a second screen")
    agent: Tab = await tab_factory()
    await agent.sign_in("agent", then="/console/inbox")
    await expect(agent.page.locator("#inbox-denied")).to_be_visible()
    approve = f"/v1/tickets/{ticket['id']}/escalations/1/approve"
    assert await agent.fetch_status("POST", approve) == 403

    intake: Tab = await tab_factory()
    await intake.open("/console")
    await intake.page.get_by_label("API token").fill("not-a-token-at-all-0000")
    await intake.page.get_by_role("button", name="Sign in").click()
    await expect(intake.page.locator('[data-error-for="token"]')).to_have_text(
        "the API token is not valid"
    )
    await intake.sign_in("intake", then=f"/console/tickets/{ticket['id']}")
    await expect(intake.page.locator("#t-subject")).to_have_text("Need a second screen")
    await expect(intake.page.get_by_role("button", name="Accept suggestion")).to_be_hidden()
    await expect(intake.page.get_by_role("button", name="Acknowledge")).to_be_hidden()
    await expect(intake.page.get_by_role("link", name="KPIs")).to_be_hidden()
    assert await intake.fetch_status("POST", f"/v1/tickets/{ticket['id']}/triage") == 403
    assert (await console.ticket(ticket["id"]))["status"] == "triaged"


async def test_dashboard_draws_its_charts_and_exports_csv(
    console: Console, tab_factory: TabFactory
) -> None:
    await console.triaged(subject="Outlook keeps asking for my password", channel="email")
    tab: Tab = await tab_factory()
    await tab.sign_in("supervisor", then="/console/dashboard")
    page = tab.page
    charts = page.locator("#charts figure.chart")
    await expect(charts).to_have_count(8)
    await expect(page.locator("svg.chart-svg title").first).to_have_text(
        "Tickets created per day, by channel"
    )
    by_category = page.locator("figure.chart", has_text="Tickets created by category")
    values = await by_category.locator("rect.bar").evaluate_all(
        "bars => bars.map(b => Number(b.dataset.value))"
    )
    assert values and sum(values) >= 1
    points = page.locator("figure.chart", has_text="by channel").locator("circle.point")
    assert await points.count() >= 30
    await expect(page.locator("#tiles")).to_contain_text("First-contact resolution")

    async with page.expect_download() as download_info:
        await page.get_by_role("button", name="Export CSV").click()
    download = await download_info.value
    csv_text = Path(await download.path()).read_text(encoding="utf-8")
    assert csv_text.startswith("group,created,resolved,first_contact_resolution")

    await page.locator("#range-from").fill("2026-03-10")
    await page.locator("#range-to").fill("2026-03-01")
    await page.get_by_role("button", name="Show").click()
    await expect(page.locator('#range-form [data-error-for="from"]')).to_contain_text("swap")
    assert tab.errors == []


async def test_password_reset_is_resolved_only_after_the_agent_records_verification(
    console: Console, tab_factory: TabFactory
) -> None:
    ticket = await console.triaged(
        subject="Forgot my password", description="Reset please. My old password is Winter2026x"
    )
    tab: Tab = await tab_factory()
    await tab.sign_in("agent")
    await tab.open(f"/console/tickets/{ticket['id']}")
    page = tab.page
    await expect(page.locator("#t-facts")).to_contain_text("password masked at intake")
    await expect(page.locator("#t-description")).not_to_contain_text("Winter2026x")
    await expect(page.get_by_text("Approve the access grant")).to_be_hidden()  # agents don't
    await page.locator("summary", has_text="Resolve").click()
    resolve = page.locator("#resolve-form")
    await resolve.get_by_label("Resolution").fill("Reset, user signed in")
    await resolve.get_by_role("button", name="Resolve").click()
    await expect(page.locator("#action-error")).to_contain_text("identity verified first")
    await page.get_by_text("Verify the requester's identity").click()
    form = page.locator("#identity-form")
    await form.get_by_label("How").select_option("callback")
    await form.get_by_role("button", name="Record verification").click()
    await expect(page.locator("#action-status")).to_have_text("Identity verification recorded.")
    await expect(page.locator("#t-facts")).to_contain_text("verified (callback) by agent:ana")
    await resolve.get_by_label("Resolution").fill("Reset, user signed in")
    await resolve.get_by_role("button", name="Resolve").click()
    await expect(page.locator("#t-status")).to_have_text("resolved")
    assert tab.errors == []
