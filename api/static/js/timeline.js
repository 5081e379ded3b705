// The audit timeline: one line per event, its data summarised as text.
import { h, pct, when } from "./dom.js";

function changes(data) {
  return Object.entries(data.changes || {})
    .map(([field, [from, to]]) => `${field} ${from ?? "–"} → ${to ?? "–"}`)
    .join(", ");
}

const SUMMARY = {
  created: (d) => `via ${d.channel}${d.service ? `, service ${d.service}` : ""}`,
  triaged: (d) => `${d.priority} · tier ${d.tier} · ${d.queue} · ${d.category} (${d.source}, confidence ${pct(d.confidence)})`,
  triage_accepted: () => "suggestion accepted",
  triage_overridden: (d) => `${changes(d)}; reason: ${d.reason}`,
  acknowledged: (d) => `at tier ${d.tier}${d.ack_breached ? " (after the acknowledge SLA)" : ""}`,
  assigned: (d) => `to ${d.assignee}`,
  note_added: (d) => `${d.kind} note: ${d.body}`,
  escalation_requested: (d) => `#${d.n} to tier ${d.to_tier}: ${d.reason}`,
  escalation_approved: (d) => `#${d.n} to tier ${d.to_tier}, queue ${d.queue}${d.reason ? `: ${d.reason}` : ""}`,
  escalation_auto_approved: (d) => `#${d.n} to tier ${d.to_tier}: ${d.reason}`,
  escalation_rejected: (d) => `#${d.n}: ${d.reason}`,
  resolved: (d) => d.resolution,
  reopened: (d) => d.reason,
  closed: (d) => (d.auto ? "closed automatically" : `confirmed${d.csat ? `, CSAT ${d.csat}/5` : ""}`),
  cancelled: (d) => d.reason,
  sla_warning: (d) => `${d.clock} due ${when(d.due_at)}`,
  sla_breached: (d) => `${d.clock} was due ${when(d.due_at)}`,
  article_feedback: (d) => `${d.article_id}: ${d.helpful ? "helpful" : "not helpful"}`,
  notification_failed: (d) => `${d.audience}: ${d.error}`,
};

function generic(data) {
  return Object.entries(data || {})
    .filter(([, v]) => ["string", "number", "boolean"].includes(typeof v))
    .map(([k, v]) => `${k}: ${v}`)
    .join(", ");
}

export function timelineItem(event) {
  const summary = (SUMMARY[event.type] || generic)(event.data || {});
  return h(
    "li",
    { "data-type": event.type },
    h("time", { datetime: event.at }, when(event.at)),
    " ",
    h("strong", {}, event.type.replaceAll("_", " ")),
    ` by ${event.actor}`,
    summary ? h("span", { class: "prewrap summary" }, ` — ${summary}`) : null,
  );
}
