// Supervisor inbox: pending escalations with their handoff and SLA state; approve or reject.
import { api } from "./api.js";
import { $, clear, h, say, ticketLink, when } from "./dom.js";
import { decisionForms, handoff } from "./decisions.js";
import { applyPermissions, can, pageError, poll, ready, requireSession } from "./session.js";
import { countdown, riskBadge, tick } from "./sla.js";

const list = $("#inbox");
let me = null;

function pending(ticket) {
  return ticket.escalations.find((e) => e.state === "pending");
}

function item(t, e) {
  return h(
    "li",
    { class: "card", "data-ticket": t.id },
    h("h2", { class: "small" }, ticketLink(t.id, t.subject)),
    h("p", { class: "meta" }, `${t.id} · ${t.priority ?? "–"} · tier ${e.from_tier} → ${e.to_tier} · queue ${t.queue ?? "–"} · `, countdown(t), " ", riskBadge(t) ?? ""),
    h("p", {}, `Requested by ${e.requested_by} ${when(e.requested_at)}: `, h("span", { class: "prewrap" }, e.reason)),
    handoff(e),
    decisionForms(t, e, (_next, what) => decided(t, what), conflict),
  );
}

async function decided(ticket, what) {
  say($("#inbox-status"), `Escalation on ${ticket.id} ${what}.`);
  await load();
}

async function conflict(error) {
  say($("#inbox-status"), `${error.message} The list has been refreshed.`);
  await load();
}

async function load() {
  const page = await api("/v1/tickets?status=escalation_pending&limit=200");
  const rows = page.data
    .map((t) => [t, pending(t)])
    .filter(([, e]) => e)
    .sort(([, a], [, b]) => Date.parse(a.requested_at) - Date.parse(b.requested_at));
  // Keep a form someone is typing in: only redraw when the set of escalations changed.
  const key = rows.map(([t, e]) => `${t.id}#${e.n}`).join(",");
  if (list.dataset.key === key && list.childElementCount) return;
  list.dataset.key = key;
  clear(list).append(...rows.map(([t, e]) => item(t, e)));
  if (!rows.length) list.append(h("li", {}, "No escalation is waiting for a decision."));
  applyPermissions(me, list);
  say($("#inbox-count"), `${rows.length} waiting · updated ${new Date().toLocaleTimeString()}`);
}

async function start() {
  me = await requireSession();
  if (!can(me, "escalations:decide")) {
    $("#inbox-denied").hidden = false;
    ready();
    return;
  }
  await load();
  ready();
  poll(() => load().catch(pageError), 15);
  setInterval(() => tick(list), 1000);
}

start().catch(pageError);
