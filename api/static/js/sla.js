// SLA countdowns: amber once 75% of the target has elapsed (from creation to the due time),
// red at breach. Colour is never the only cue: the text says "warning" or "breached".
import { h } from "./dom.js";

export const WARNING_FRACTION = 0.75;

export function clock(ticket) {
  const sla = ticket.sla || {};
  if (["resolved", "closed", "cancelled"].includes(ticket.status)) {
    return { label: "resolve", due: null, done: true, breached: sla.resolve_breached };
  }
  if (!sla.acknowledged_at && sla.ack_due_at) {
    return { label: "acknowledge", due: sla.ack_due_at, breached: sla.ack_breached };
  }
  return {
    label: "resolve",
    due: sla.resolve_due_at,
    breached: sla.resolve_breached,
    paused: sla.paused,
  };
}

export function state(createdAt, dueAt, breached, now = Date.now()) {
  const due = Date.parse(dueAt);
  const created = Date.parse(createdAt);
  if (breached || now >= due) return "breached";
  const warnAt = created + WARNING_FRACTION * (due - created);
  return now >= warnAt ? "warning" : "ok";
}

export function duration(ms) {
  const minutes = Math.floor(Math.abs(ms) / 60000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  if (days) return `${days}d ${hours}h`;
  if (hours) return `${hours}h ${mins}m`;
  return `${mins}m`;
}

function describe(ticket, now) {
  const c = clock(ticket);
  if (c.done) return { cls: c.breached ? "breached" : "done", text: c.breached ? "resolve SLA missed" : "done" };
  if (!c.due) return { cls: "none", text: "no SLA yet" };
  if (c.paused) return { cls: "paused", text: `${c.label}: paused (waiting)` };
  const status = state(ticket.created_at, c.due, c.breached, now);
  const left = Date.parse(c.due) - now;
  if (status === "breached") {
    return { cls: "breached", text: `${c.label} SLA breached${left < 0 ? `, ${duration(left)} over` : ""}` };
  }
  const prefix = status === "warning" ? `${c.label} SLA warning: ` : `${c.label}: `;
  return { cls: status, text: `${prefix}${duration(left)} left` };
}

// A countdown element; `tick()` refreshes every countdown on the page without a fetch.
export function countdown(ticket) {
  const el = h("span", { class: "sla" });
  el.ticket = ticket;
  render(el);
  return el;
}

function render(el, now = Date.now()) {
  const { cls, text } = describe(el.ticket, now);
  el.className = `sla sla-${cls}`;
  el.dataset.sla = cls;
  el.textContent = text;
}

export function tick(root = document) {
  for (const el of root.querySelectorAll("span.sla")) if (el.ticket) render(el);
}

export function riskBadge(ticket) {
  const risk = ticket.sla && ticket.sla.breach_risk;
  if (risk === null || risk === undefined) return null;
  const level = risk >= 0.5 ? "high" : risk >= 0.25 ? "medium" : "low";
  const reasons = (ticket.sla.breach_risk_reasons || []).join("; ");
  return h(
    "span",
    { class: `badge risk-${level}`, title: reasons || null },
    `breach risk ${Math.round(risk * 100)}%`,
  );
}
