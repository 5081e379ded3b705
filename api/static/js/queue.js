// Queue view: filters live in the URL; the table refreshes by polling, without a reload.
import { api } from "./api.js";
import { $, clear, h, say, ticketLink } from "./dom.js";
import { showError } from "./forms.js";
import { pageError, poll, ready, requireSession } from "./session.js";
import { countdown, riskBadge, tick } from "./sla.js";

const FILTERS = ["queue", "tier", "priority", "status", "category", "breached"];
const PAGE_SIZE = 50;
const form = $("#filters");
const body = $("#tickets tbody");
let nextCursor = null;

function fromUrl() {
  const params = new URLSearchParams(location.search);
  for (const name of FILTERS) {
    const el = form.elements[name];
    const value = params.get(name) || "";
    if (el.type === "checkbox") el.checked = value === "true";
    else el.value = value;
  }
}

function query() {
  const params = new URLSearchParams();
  for (const name of FILTERS) {
    const el = form.elements[name];
    const value = el.type === "checkbox" ? (el.checked ? "true" : "") : el.value;
    if (value) params.set(name, value);
  }
  return params;
}

function row(t) {
  return h(
    "tr",
    { "data-ticket": t.id },
    h("td", {}, ticketLink(t.id, t.subject), h("br"), h("span", { class: "meta" }, t.id)),
    h("td", {}, h("span", { class: `badge status-${t.status}` }, t.status.replace("_", " "))),
    h("td", {}, t.priority ?? "–"),
    h("td", {}, t.tier ?? "–"),
    h("td", {}, t.queue ?? "–"),
    h("td", {}, t.category ?? "–"),
    h("td", {}, countdown(t)),
    h("td", {}, riskBadge(t) ?? ""),
    h("td", {}, t.assignee ?? "unassigned"),
  );
}

function summarise(tickets) {
  const byQueue = {};
  for (const t of tickets) byQueue[t.queue ?? "none"] = (byQueue[t.queue ?? "none"] || 0) + 1;
  const parts = Object.entries(byQueue).map(([q, n]) => `${q}: ${n}`);
  say($("#queue-summary"), tickets.length ? `${tickets.length} shown · ${parts.join(" · ")}` : "No tickets match these filters.");
}

async function load() {
  const params = query();
  params.set("limit", String(PAGE_SIZE));
  try {
    const page = await api(`/v1/tickets?${params}`);
    clear(body).append(...page.data.map(row));
    nextCursor = page.next_cursor;
    $("#more").hidden = !nextCursor;
    summarise(page.data);
    say($("#queue-status"), `Updated ${new Date().toLocaleTimeString()}`);
  } catch (error) {
    if (error.status === 422) showError(form, error);
    else pageError(error);
  }
}

async function more() {
  const params = query();
  params.set("limit", String(PAGE_SIZE));
  params.set("cursor", nextCursor);
  const page = await api(`/v1/tickets?${params}`);
  body.append(...page.data.map(row));
  nextCursor = page.next_cursor;
  $("#more").hidden = !nextCursor;
}

async function start() {
  await requireSession();
  fromUrl();
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const params = query();
    history.pushState(null, "", `/console/queue${params.size ? `?${params}` : ""}`);
    load();
  });
  window.addEventListener("popstate", () => {
    fromUrl();
    load();
  });
  $("#more").addEventListener("click", () => more().catch(pageError));
  await load();
  ready();
  poll(load, 10);
  setInterval(() => tick(), 1000);
}

start().catch(pageError);
