// KPI dashboard: a date range in the URL, headline tiles, SVG charts, CSV export.
import { ApiError, api, download } from "./api.js";
import { $, clear, h, pct, say } from "./dom.js";
import { barChart, lineChart } from "./charts.js";
import { clearErrors, showError, submitting } from "./forms.js";
import { pageError, ready, requireSession } from "./session.js";

const form = $("#range-form");
const DAY = 86400000;

function isoDay(date) {
  return date.toISOString().slice(0, 10);
}

function fromUrl() {
  const params = new URLSearchParams(location.search);
  const today = new Date();
  form.elements.from.value = params.get("from") || isoDay(new Date(today - 29 * DAY));
  form.elements.to.value = params.get("to") || isoDay(today);
  form.elements.group_by.value = params.get("group_by") || "";
  const month = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - 1, 1));
  $("#report-month").value = $("#report-month").value || month.toISOString().slice(0, 7);
}

function params() {
  const p = new URLSearchParams();
  for (const name of ["from", "to", "group_by"]) if (form.elements[name].value) p.set(name, form.elements[name].value);
  return p;
}

const hours = (v) => `${Number(v).toFixed(1)} h`;
const ratio = (v) => pct(v, 0);

function tile(label, value, detail, flag) {
  return h("div", { class: `tile${flag ? " flag" : ""}` }, h("dt", {}, label), h("dd", {}, h("span", { class: "big" }, value), detail ? h("span", { class: "meta" }, detail) : null));
}

function rateDetail(rate) {
  return `${rate.count} of ${rate.total}`;
}

function renderTiles(k) {
  const s = k.summary;
  const esc = s.escalation_rate;
  const over = esc.value !== null && esc.value > k.goals.escalation_rate;
  clear($("#tiles")).append(
    tile("Tickets created", String(s.created)),
    tile("Resolved", String(s.resolved)),
    tile("First-contact resolution", pct(s.first_contact_resolution.value), rateDetail(s.first_contact_resolution)),
    tile("Escalation rate", pct(esc.value), `${rateDetail(esc)} · goal under ${pct(k.goals.escalation_rate)}${over ? " · over goal" : ""}`, over),
    tile("Reopen rate", pct(s.reopen_rate.value), rateDetail(s.reopen_rate)),
    tile("Acknowledge SLA met", pct(s.ack_sla.value), rateDetail(s.ack_sla)),
    tile("Resolve SLA met", pct(s.resolve_sla.value), rateDetail(s.resolve_sla)),
    tile("Backlog", String(s.backlog), "open at the end of the range"),
    tile("CSAT", s.csat_mean === null ? "n/a" : `${s.csat_mean} / 5`, `response rate ${pct(s.csat_response_rate.value)}`),
    tile("Triage accepted unchanged", pct(k.triage_acceptance.accepted_unchanged.value), rateDetail(k.triage_acceptance.accepted_unchanged)),
    tile("KB deflection", pct(k.knowledge.deflection.value), `${k.knowledge.previews} previews`),
  );
}

function volumeChart(k) {
  const v = k.volume_by_channel;
  const channels = Object.keys(v.totals);
  return lineChart({
    title: `Tickets created per ${v.bucket}, by channel`,
    description: `Tickets created from ${k.period.from} to ${k.period.to}, one line per channel.`,
    labels: v.series.map((p) => p.period),
    series: channels.map((c) => ({ name: c, values: v.series.map((p) => p.counts[c] || 0) })),
    format: (n) => String(n),
  });
}

function charts(k) {
  const s = k.summary;
  const ttr = Object.entries(s.time_to_resolution).filter(([p, d]) => p !== "all" && (d.count || /^P\d$/.test(p)));
  const cats = Object.entries(k.volume_by_category.totals);
  const heads = Object.entries(k.triage_acceptance.per_head);
  const agents = k.workload.slice(0, 12);
  const articles = k.knowledge.articles.slice(0, 10);
  return [
    volumeChart(k),
    barChart({ title: "Tickets created by category", description: "Number of tickets created in the range per category.", labels: cats.map(([c]) => c), series: [{ name: "tickets", values: cats.map(([, n]) => n) }] }),
    barChart({ title: "Time to resolution by priority", description: "Mean and median hours from creation to first resolution, per priority.", labels: ttr.map(([p]) => p), series: [{ name: "mean", values: ttr.map(([, d]) => d.mean_hours) }, { name: "median", values: ttr.map(([, d]) => d.median_hours) }], format: hours, whole: false }),
    barChart({ title: "SLA compliance", description: "Share of acknowledge and resolve clocks decided in the range that were met.", labels: ["Acknowledge", "Resolve"], series: [{ name: "met", values: [s.ack_sla.value, s.resolve_sla.value] }], format: ratio, max: 1 }),
    barChart({ title: "Backlog by age", description: "Open tickets at the end of the range, by age.", labels: Object.keys(s.backlog_age), series: [{ name: "tickets", values: Object.values(s.backlog_age) }] }),
    barChart({ title: "Triage suggestions accepted, per head", description: "Share of triage decisions that kept each head of the suggestion unchanged.", labels: heads.map(([name]) => name), series: [{ name: "accepted", values: heads.map(([, r]) => r.value) }], format: ratio, max: 1 }),
    barChart({ title: "Agent workload", description: "Open tickets assigned at the end of the range and actions taken in it, per person.", labels: agents.map((a) => a.agent), series: [{ name: "open assigned", values: agents.map((a) => a.open_assigned) }, { name: "actions", values: agents.map((a) => a.actions) }] }),
    barChart({ title: "Article helpfulness", description: "Helpful and not helpful votes per suggested article.", labels: articles.map((a) => a.article_id), series: [{ name: "helpful", values: articles.map((a) => a.helpful) }, { name: "not helpful", values: articles.map((a) => a.not_helpful) }] }),
  ];
}

function renderGroups(k) {
  const section = $("#groups-section");
  const entries = Object.entries(k.groups);
  section.hidden = !k.group_by;
  if (!k.group_by) return;
  const cols = [["created", (g) => g.created], ["resolved", (g) => g.resolved], ["FCR", (g) => pct(g.first_contact_resolution.value)], ["median h to resolve", (g) => g.time_to_resolution.all.median_hours ?? "n/a"], ["ack SLA", (g) => pct(g.ack_sla.value)], ["resolve SLA", (g) => pct(g.resolve_sla.value)], ["escalation", (g) => pct(g.escalation_rate.value)], ["reopen", (g) => pct(g.reopen_rate.value)], ["backlog", (g) => g.backlog], ["CSAT", (g) => g.csat_mean ?? "n/a"]];
  clear($("#groups")).append(
    h("caption", {}, `KPIs by ${k.group_by}`),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, k.group_by), cols.map(([c]) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, entries.map(([key, g]) => h("tr", {}, h("th", { scope: "row" }, key), cols.map(([, f]) => h("td", { class: "num" }, String(f(g))))))),
  );
}

async function load() {
  say($("#dash-status"), "Loading…");
  try {
    const k = await api(`/v1/metrics/kpis?${params()}`);
    clearErrors(form);
    renderTiles(k);
    clear($("#charts")).append(...charts(k));
    renderGroups(k);
    say($("#dash-status"), `KPIs from ${k.period.from.slice(0, 10)} to ${k.period.to.slice(0, 10)} (exclusive).`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 422) showError(form, error);
    else pageError(error);
    say($("#dash-status"), "");
  }
}

function wire() {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    history.pushState(null, "", `/console/dashboard?${params()}`);
    load();
  });
  window.addEventListener("popstate", () => {
    fromUrl();
    load();
  });
  $("#export-csv").addEventListener("click", () =>
    submitting(form, () => download(`/v1/metrics/kpis.csv?${params()}`, "text/csv", `kpis-${form.elements.from.value}-${form.elements.to.value}.csv`)),
  );
  const report = $("#report-form");
  report.addEventListener("submit", (event) => {
    event.preventDefault();
    const month = report.elements.month.value;
    submitting(report, () => download(`/v1/reports/monthly?month=${encodeURIComponent(month)}`, "text/markdown", `review-${month}.md`));
  });
}

async function start() {
  await requireSession();
  fromUrl();
  wire();
  await load();
  ready();
}

start().catch(pageError);
