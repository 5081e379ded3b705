// Approve / reject forms for a pending escalation (supervisor inbox and ticket page).
import { api } from "./api.js";
import { h } from "./dom.js";
import { readForm, submitting } from "./forms.js";

let counter = 0;

function field(label, required, hint) {
  const id = `decision-${++counter}`;
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, label, required ? h("span", { class: "req" }, " (required)") : null),
    h("input", { id, name: "reason", type: "text", "aria-describedby": `${id}-error`, "aria-required": required ? "true" : null, placeholder: hint }),
    h("p", { class: "field-error", id: `${id}-error`, "data-error-for": "reason", "aria-live": "polite" }),
  );
}

function decisionForm(kind, ticket, escalation, onDone, onConflict) {
  const approve = kind === "approve";
  const form = h(
    "form",
    { class: `${kind}-form`, novalidate: true, "data-escalation": escalation.n },
    field(approve ? "Approval note (optional)" : "Reason for rejecting", !approve),
    h("p", { class: "form-error", "data-error-for": "_form", role: "alert" }),
    h("button", { type: "submit", class: approve ? null : "secondary" }, approve ? "Approve" : "Reject"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = readForm(form);
    if (approve && !body.reason) delete body.reason;
    let result = null;
    let conflict = null;
    await submitting(form, async () => {
      try {
        const path = `/v1/tickets/${encodeURIComponent(ticket.id)}/escalations/${escalation.n}/${kind}`;
        result = await api(path, { method: "POST", body });
      } catch (error) {
        if (error.status === 409) conflict = error;
        throw error;
      }
    });
    if (result) onDone(result, approve ? "approved" : "rejected");
    else if (conflict) onConflict(conflict);
  });
  return form;
}

export function decisionForms(ticket, escalation, onDone, onConflict) {
  return h(
    "div",
    { class: "decisions", "data-needs": "escalations:decide" },
    decisionForm("approve", ticket, escalation, onDone, onConflict),
    decisionForm("reject", ticket, escalation, onDone, onConflict),
  );
}

export function handoff(escalation) {
  const hand = escalation.handoff || {};
  return h(
    "dl",
    { class: "handoff" },
    h("dt", {}, "Impact"),
    h("dd", { class: "prewrap" }, hand.impact ?? ""),
    h("dt", {}, "Steps taken"),
    h("dd", { class: "prewrap" }, hand.steps_taken ?? ""),
    h("dt", {}, "Blocker"),
    h("dd", { class: "prewrap" }, hand.blocker ?? ""),
  );
}
