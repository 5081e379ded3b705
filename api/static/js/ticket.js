// Ticket view: triage suggestion, articles, the agent's actions, escalations and the timeline.
import { api } from "./api.js";
import { $, clear, h, pct, safeUrl, say, when } from "./dom.js";
import { decisionForms, handoff } from "./decisions.js";
import { readForm, showError, submitting } from "./forms.js";
import { applyPermissions, pageError, ready, requireSession } from "./session.js";
import { countdown, riskBadge, tick } from "./sla.js";
import { timelineItem } from "./timeline.js";

const root = $("#ticket");
const id = root.dataset.ticketId;
const base = `/v1/tickets/${encodeURIComponent(id)}`;
const SHOWN_WHEN = {
  acknowledge: ["triaged", "escalated"],
  wait: ["in_progress"],
  resume: ["awaiting_requester"],
};
let me = null;

function facts(list, pairs) {
  clear(list).append(...pairs.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v ?? "–")]));
}

function renderHead(t) {
  say($("#t-subject"), t.subject);
  document.title = `${t.id}: ${t.subject} · TriageDesk`;
  const status = $("#t-status");
  status.className = `badge status-${t.status}`;
  say(status, t.status.replace("_", " "));
  clear($("#t-sla")).append(countdown(t));
  clear($("#t-risk")).append(riskBadge(t) ?? "");
  facts($("#t-facts"), [
    ["Priority", t.priority], ["Tier", t.tier], ["Queue", t.queue], ["Category", t.category],
    ["Assignee", t.assignee ?? "unassigned"], ["Channel", t.channel],
    ["Created", when(t.created_at)], ["Updated", when(t.updated_at)],
    ["Identity", t.identity_verified ? `verified (${t.identity_verified.method}) by ${t.identity_verified.by}` : "not verified"],
    ["Access approvals", t.access_approvals.map((a) => a.by).join(", ") || "none"],
    ["Redacted", t.redactions.length ? `yes: ${t.redactions.join(", ")} masked at intake` : "nothing"],
  ]);
  say($("#t-requester"), `From ${t.requester.name ?? t.requester.id}${t.requester.email ? ` <${t.requester.email}>` : ""}`);
  say($("#t-description"), t.description);
}

function renderTriage(t) {
  const tr = t.triage;
  if (!tr) {
    facts($("#triage-facts"), [["Status", "not triaged yet"]]);
    return;
  }
  facts($("#triage-facts"), [
    ["Category", tr.category], ["Priority", tr.priority], ["Tier", tr.tier], ["Queue", tr.queue],
    ["Confidence", pct(tr.confidence)], ["Source", `${tr.source}${tr.model_version && tr.model_version !== tr.source ? ` (${tr.model_version})` : ""}`],
    ["Needs review", tr.needs_review ? "yes" : "no"],
  ]);
  say($("#triage-decision"), t.triage_decision ? `Decision: ${t.triage_decision}` : "No decision yet.");
  clear($("#triage-reasons")).append(...(tr.reasons || []).map((r) => h("li", {}, r)));
  $("#accept").disabled = t.triage_decision === "accepted";
}

function articleItem(t, a) {
  const url = safeUrl(a.url);
  const vote = (helpful) =>
    h("button", {
      type: "button", class: "secondary", "aria-pressed": String(a.helpful === helpful), "data-needs": "tickets:act",
      onclick: () => act(`articles/${encodeURIComponent(a.id)}/feedback`, { helpful }, null, helpful ? "Marked helpful." : "Marked not helpful."),
    }, helpful ? "Helpful" : "Not helpful");
  return h("li", { "data-article": a.id },
    url ? h("a", { href: url, rel: "noopener noreferrer", target: "_blank" }, a.title) : h("span", {}, a.title),
    h("span", { class: "meta" }, ` ${a.id} · score ${a.score.toFixed(2)}`), " ", vote(true), " ", vote(false));
}

function renderArticles(t) {
  const list = clear($("#articles"));
  if (!t.suggested_articles.length) list.append(h("li", {}, "No article suggested."));
  list.append(...t.suggested_articles.map((a) => articleItem(t, a)));
}

function renderEscalations(t) {
  const list = clear($("#escalations"));
  if (!t.escalations.length) list.append(h("li", {}, "None."));
  for (const e of t.escalations) {
    list.append(h("li", { "data-escalation": e.n },
      h("p", {}, h("strong", {}, `#${e.n}: tier ${e.from_tier} → ${e.to_tier}, ${e.state.replace("_", " ")}`),
        ` requested by ${e.requested_by} ${when(e.requested_at)}: `, h("span", { class: "prewrap" }, e.reason)),
      handoff(e),
      e.decided_by ? h("p", { class: "meta" }, `Decided by ${e.decided_by}${e.decision_reason ? `: ${e.decision_reason}` : ""}`) : null,
      e.state === "pending" ? decisionForms(t, e, (next, what) => done(next, `Escalation ${what}.`), conflict) : null));
  }
}

function render(t) {
  renderHead(t);
  renderTriage(t);
  renderArticles(t);
  renderEscalations(t);
  for (const button of $("#status-actions").querySelectorAll("button")) {
    button.hidden = !SHOWN_WHEN[button.dataset.action].includes(t.status);
  }
  const toTier = $("#escalate-to_tier");
  if (toTier && !toTier.dataset.touched) toTier.value = String(Math.min(4, (t.tier ?? 1) + 1));
  applyPermissions(me, root);
  root.setAttribute("aria-busy", "false");
}

async function loadTimeline() {
  const events = await api(`${base}/events`);
  clear($("#timeline")).append(...events.data.map(timelineItem));
}

async function refresh() {
  render(await api(base));
  await loadTimeline();
}

async function done(next, message) {
  say($("#action-error"), "");
  say($("#action-status"), message);
  render(next);
  await loadTimeline();
}

// The ticket moved on since this page loaded: say so, and show where it is now.
async function conflict(error) {
  say($("#action-status"), "");
  say($("#action-error"), `${error.message} The page now shows the ticket as it is.`);
  await refresh();
}

async function act(path, body, form, message) {
  let result = null;
  let stale = null;
  const run = async () => {
    try {
      result = await api(`${base}/${path}`, { method: "POST", body });
    } catch (error) {
      if (error.status === 409) stale = error;
      throw error;
    }
  };
  if (form) {
    await submitting(form, run);
  } else {
    try {
      await run();
    } catch (error) {
      if (error.status === undefined) throw error;
      if (error.status !== 409) say($("#action-error"), error.message);
    }
  }
  if (result) {
    if (form) form.reset();
    await done(result, message);
  } else if (stale) {
    await conflict(stale);
  }
}

function wire() {
  $("#accept").addEventListener("click", () => act("triage", { accept: true }, null, "Suggestion accepted."));
  for (const button of $("#status-actions").querySelectorAll("button")) {
    const action = button.dataset.action;
    button.addEventListener("click", () => act(action, undefined, null, `Done: ${button.textContent}.`));
  }
  const forms = {
    "#override-form": ["triage", "Override saved."],
    "#note-form": ["notes", "Note added."],
    "#escalate-form": ["escalations", "Escalation requested."],
    "#identity-form": ["identity", "Identity verification recorded."],
    "#approval-form": ["approvals", "Access approved."],
    "#resolve-form": ["resolve", "Ticket resolved."],
  };
  for (const [selector, [path, message]] of Object.entries(forms)) {
    const form = $(selector);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      act(path, readForm(form), form, message);
    });
  }
  $("#escalate-to_tier").addEventListener("change", (event) => (event.target.dataset.touched = "1"));
}

async function start() {
  me = await requireSession();
  wire();
  try {
    await refresh();
  } catch (error) {
    say($("#t-subject"), error.status === 404 ? `No ticket ${id}` : "The ticket could not be loaded");
    throw error;
  }
  ready();
  setInterval(() => tick(root), 1000);
}

start().catch(pageError);
