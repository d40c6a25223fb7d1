// The dashboard: everything it shows comes from the admin API (/__admin, web/admin.yaml) and
// the vendors' served specs; it keeps no state of its own but the filters, the theme and, when
// the mock has one, the admin token (sessionStorage, this tab only). No framework, no build step:
// the page must work offline, from the package alone.
"use strict";

// -- where we are: /[mount]/[__session/NAME/]__admin/ui/ --------------------------------------
const UI = "/__admin/ui";
const here = location.pathname.slice(0, location.pathname.indexOf(UI));
const inPath = /^(.*)\/__session\/([^/]+)$/.exec(here);
const ROOT = inPath ? inPath[1] : here; // the mock's mount point (empty when served at /)
const ADMIN = ROOT + "/__admin";
// Polling, not server-sent events: one update costs the mock the same either way (rendering the
// new entries is nearly all of it), and a poll holds no connection open (README "Dashboard").
const POLL_MS = 1000;
const POLL_LIMIT = 50; // per poll: under a load test the newest 50 a second, about 2 ms of the mock's time
const KEEP = 1000; // entries the page holds, as the journal does by default
const params = new URLSearchParams(location.search);

const S = {
  session: params.get("session") || (inPath ? decodeURIComponent(inPath[2]) : "default"),
  view: ["requests", "rules", "state", "faults"].includes(params.get("view")) ? params.get("view") : "requests",
  token: sessionStorage.getItem("mock-admin-token") || "",
  vendors: [],
  entries: new Map(), // id -> {entry, node, text}
  cursor: 0, // the highest journal id seen
  skipped: 0, // calls that came faster than POLL_LIMIT a second and were not fetched
  paused: false,
  ticks: 0,
  rules: [],
  rulesAt: -1, // the cursor the rules were read at
  specs: new Map(),
  doc: null, // the state document shown
  record: null, // [collection, id] open in the editor
  faultCheck: 0,
};

// -- small helpers ----------------------------------------------------------------------------
function h(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}
const $ = (id) => document.getElementById(id);
const pretty = (value) => (typeof value === "string" ? value : JSON.stringify(value, null, 2));
const vendorClass = (vendor) => "v-" + (S.vendors.includes(vendor) ? vendor : "general");
const tag = (vendor) => h("span", { class: `tag ${vendorClass(vendor)}` }, vendor || "general");
const ruleId = (text) => text.trim().toUpperCase().replace("_", "-");

function toast(message) {
  const box = $("toast");
  box.textContent = message;
  box.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (box.hidden = true), 2500);
}

function notice(message) {
  const box = $("notice");
  box.textContent = message || "";
  box.hidden = !message;
}

class Unauthorized extends Error {}

// Every admin call names the session in X-Mock-Session, as any admin client does.
async function api(method, path, { query, body, session } = {}) {
  const url = new URL(ADMIN + path, location.origin);
  for (const [name, value] of Object.entries(query || {})) url.searchParams.set(name, value);
  const headers = { "X-Mock-Session": session ?? S.session };
  if (S.token) headers.Authorization = "Bearer " + S.token;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (response.status === 401) {
    $("token-form").hidden = false;
    throw new Unauthorized("the admin token is missing or wrong");
  }
  $("token-form").hidden = true;
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = text; }
  return { status: response.status, data };
}

function setUrl() {
  const next = new URLSearchParams(location.search);
  next.set("session", S.session);
  next.set("view", S.view);
  history.replaceState(null, "", "?" + next.toString());
}

// -- tabs and keyboard ----------------------------------------------------------------------
const tabs = [...document.querySelectorAll('[role="tab"]')];

function show(view, focus) {
  S.view = view;
  for (const tab of tabs) {
    const on = tab.dataset.view === view;
    tab.setAttribute("aria-selected", String(on));
    tab.tabIndex = on ? 0 : -1;
    $("view-" + tab.dataset.view).hidden = !on;
    if (on && focus) tab.focus();
  }
  setUrl();
  refreshView();
}

for (const tab of tabs) {
  tab.addEventListener("click", () => show(tab.dataset.view));
  tab.addEventListener("keydown", (event) => {
    const at = tabs.indexOf(tab);
    const to = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: tabs.length - 1 }[event.key];
    if (to === undefined) return;
    event.preventDefault();
    show(tabs[(to + tabs.length) % tabs.length].dataset.view, true);
  });
}

document.addEventListener("keydown", (event) => {
  const typing = /^(INPUT|TEXTAREA|SELECT)$/.test(event.target.tagName);
  if (event.key === "/" && !typing) {
    const field = { requests: "f-text", rules: "r-text", state: "s-text" }[S.view];
    if (field) { event.preventDefault(); $(field).focus(); }
  } else if (event.key === "Escape" && event.target.type === "search") {
    event.target.value = "";
    event.target.dispatchEvent(new Event("input"));
  }
});

// -- theme ----------------------------------------------------------------------------------
const THEMES = ["auto", "light", "dark"];
function applyTheme(theme) {
  if (theme === "auto") document.documentElement.removeAttribute("data-theme");
  else document.documentElement.dataset.theme = theme;
  const button = $("theme");
  button.textContent = { auto: "◐ auto", light: "☀ light", dark: "☾ dark" }[theme];
  button.setAttribute("aria-label", `Colour scheme: ${theme === "auto" ? "follow the system" : theme}; change`);
  localStorage.setItem("mock-theme", theme);
}
$("theme").addEventListener("click", () => {
  const now = localStorage.getItem("mock-theme") || "auto";
  applyTheme(THEMES[(THEMES.indexOf(now) + 1) % THEMES.length]);
});
applyTheme(THEMES.includes(localStorage.getItem("mock-theme")) ? localStorage.getItem("mock-theme") : "auto");

// -- sessions -------------------------------------------------------------------------------
async function loadSessions() {
  const select = $("session");
  if (document.activeElement === select) return; // never rebuild a list someone is using
  const { data } = await api("GET", "/sessions");
  const names = data.sessions.map((s) => s.name);
  if (!names.includes(S.session)) names.push(S.session); // opened by link before its first call
  const counts = Object.fromEntries(data.sessions.map((s) => [s.name, s.requests]));
  select.replaceChildren(
    ...names.map((name) => h("option", { value: name, selected: name === S.session },
      counts[name] === undefined ? name : `${name} (${counts[name]} call${counts[name] === 1 ? "" : "s"})`)),
    h("option", { value: "\u0000other" }, "other session…"),
  );
}

$("session").addEventListener("change", (event) => {
  let name = event.target.value;
  if (name === "\u0000other") name = (prompt("Session name (as in X-Mock-Session)") || "").trim();
  if (name) switchSession(name);
  else event.target.value = S.session;
});

function switchSession(name) {
  S.session = name;
  S.cursor = 0;
  S.skipped = 0;
  S.entries.clear();
  $("log").replaceChildren();
  S.rulesAt = -1;
  S.doc = null;
  S.record = null;
  setUrl();
  $("session").blur();
  loadSessions().catch(report);
  refreshView();
  poll(true);
}

$("reset").addEventListener("click", async () => {
  if (!confirm(`Reset session '${S.session}'? Its state returns to the fixtures; its journal and faults are cleared.`)) return;
  const { status, data } = await api("POST", "/reset");
  if (status !== 200) { notice(data.message || `reset failed (${status})`); return; }
  toast(data.message);
  switchSession(S.session);
});

// -- the request log --------------------------------------------------------------------------
function searchText(entry) {
  return [entry.method, entry.path, entry.query, entry.operation, entry.status, JSON.stringify(entry.request.body),
    JSON.stringify(entry.response.body), ...entry.violations.map((v) => v.message), ...entry.warnings.map((v) => v.message)]
    .join("\n").toLowerCase();
}

function entryRules(entry) {
  const ids = new Set(entry.rules);
  for (const v of [...entry.violations, ...entry.warnings]) if (v.rule) ids.add(v.rule);
  return [...ids];
}

function row(entry) {
  const time = (entry.time || "").slice(11, 19);
  const badges = [];
  if (entry.violations.length) badges.push(h("span", { class: "badge violation", title: "violations" }, `${entry.violations.length} violation${entry.violations.length > 1 ? "s" : ""}`));
  if (entry.warnings.length) badges.push(h("span", { class: "badge warning", title: "GEN-7 warnings" }, `${entry.warnings.length} warning${entry.warnings.length > 1 ? "s" : ""}`));
  if (entry.fault) badges.push(h("span", { class: "badge fault", title: "answered by an injected fault" }, `fault ${entry.fault.action}`));
  const duration = typeof entry.duration_ms === "number" ? `${entry.duration_ms.toFixed(1)} ms` : "";
  return h("button", { type: "button", class: "row", "aria-expanded": "false", "data-testid": "entry", "data-id": entry.id },
    h("span", { class: "time", title: entry.time }, time),
    h("span", { class: "method" }, entry.method),
    tag(entry.vendor),
    h("span", { class: "path mono" }, entry.path + (entry.query ? "?" + entry.query : "")),
    h("span", { class: `status s${String(entry.status)[0]}`, "data-testid": "status" }, entry.status || "—"),
    h("span", { class: "dur" }, duration),
    h("span", { class: "rules", "data-testid": "rules" }, entryRules(entry).map((id) => h("span", { class: "rule" }, id))),
    h("span", { class: "badges" }, badges),
  );
}

function addEntries(list, fresh) {
  const log = $("log");
  for (const entry of list) {
    if (S.entries.has(entry.id)) continue;
    const node = h("div", { class: `entry ${vendorClass(entry.vendor)}${fresh ? " fresh" : ""}`, role: "listitem" }, row(entry));
    node.firstChild.addEventListener("click", () => toggle(node, entry));
    S.entries.set(entry.id, { entry, node, text: searchText(entry) });
    node.hidden = !matches(S.entries.get(entry.id));
    log.prepend(node); // newest first
  }
  for (const id of [...S.entries.keys()].slice(0, Math.max(0, S.entries.size - KEEP))) {
    S.entries.get(id).node.remove();
    S.entries.delete(id);
  }
  summarise();
}

function filters() {
  return { vendor: $("f-vendor").value, status: $("f-status").value, rule: ruleId($("f-rule").value), text: $("f-text").value.trim().toLowerCase() };
}

function matches(item, f = filters()) {
  const e = item.entry;
  if (f.vendor && e.vendor !== f.vendor) return false;
  if (f.status === "fault" ? !e.fault : f.status && String(e.status)[0] !== f.status) return false;
  if (f.rule && !entryRules(e).includes(f.rule)) return false;
  return !f.text || item.text.includes(f.text);
}

function applyFilters() {
  const f = filters();
  for (const item of S.entries.values()) item.node.hidden = !matches(item, f);
  summarise();
}
for (const id of ["f-vendor", "f-status", "f-rule", "f-text"]) $(id).addEventListener("input", applyFilters);

function summarise() {
  const shown = [...S.entries.values()].filter((item) => !item.node.hidden).length;
  const total = S.entries.size;
  const skipped = S.skipped ? `; ${S.skipped} more came faster than the page follows (over ${POLL_LIMIT} a second) and are not listed` : "";
  $("requests-summary").textContent = total ? `${shown} of ${total} calls shown, newest first${skipped}` : "";
  $("log-empty").hidden = total > 0;
  $("count-requests").textContent = total ? `(${total})` : "";
  const base = `${location.origin}${ROOT}${S.session === "default" ? "" : "/__session/" + encodeURIComponent(S.session)}`;
  $("example-url").textContent = `${base}/personio`;
}

function filterByRule(id) {
  $("f-rule").value = id;
  show("requests");
  applyFilters();
}

// one poll: what is new since the cursor. A last_id below the cursor means the session began
// again (reset, or forgotten and recreated): start over.
async function poll(now) {
  clearTimeout(poll.timer);
  const live = $("live");
  if (S.paused || document.hidden) {
    live.className = "live paused";
    live.textContent = S.paused ? "paused" : "idle";
    if (!now) { poll.timer = setTimeout(poll, POLL_MS); return; }
  }
  try {
    const { data } = await api("GET", "/requests", { query: { after: S.cursor, limit: POLL_LIMIT } });
    if (data.last_id < S.cursor) {
      S.cursor = 0;
      S.skipped = 0;
      S.entries.clear();
      $("log").replaceChildren();
      poll.timer = setTimeout(() => poll(true), 0);
      return;
    }
    if (data.requests.length) {
      if (S.cursor > 0) S.skipped += data.requests[0].id - S.cursor - 1;
      addEntries(data.requests, S.cursor > 0);
      S.cursor = data.requests[data.requests.length - 1].id;
    } else summarise();
    if (!S.paused && !document.hidden) { live.className = "live on"; live.textContent = "live"; }
    S.ticks += 1;
    if (S.ticks % 3 === 0) await Promise.all([loadSessions(), S.view === "faults" ? loadFaults() : countFaults()]);
    if (S.view === "rules" && S.rulesAt !== S.cursor) await loadRules();
  } catch (error) {
    live.className = "live off";
    live.textContent = error instanceof Unauthorized ? "needs the admin token" : "disconnected";
  }
  poll.timer = setTimeout(poll, POLL_MS);
}

document.addEventListener("visibilitychange", () => { if (!document.hidden) poll(true); });

$("pause").addEventListener("click", (event) => {
  S.paused = !S.paused;
  event.target.setAttribute("aria-pressed", String(S.paused));
  event.target.textContent = S.paused ? "Resume" : "Pause";
  poll(true);
});

$("clear-log").addEventListener("click", async () => {
  await api("DELETE", "/requests");
  S.entries.clear();
  $("log").replaceChildren();
  summarise();
});

// -- one call in detail -------------------------------------------------------------------------
function toggle(node, entry) {
  const button = node.firstChild;
  const open = button.getAttribute("aria-expanded") === "true";
  button.setAttribute("aria-expanded", String(!open));
  if (open) { node.querySelector(".detail")?.remove(); return; }
  node.append(detail(entry));
}

function headerList(headers) {
  return h("dl", {}, Object.entries(headers || {}).map(([name, value]) => [h("dt", {}, name), h("dd", {}, value)]));
}

function message(title, lines, part) {
  const truncated = part.body_truncated ? h("p", { class: "hint" }, `body cut at the journal's limit (${part.body_size} bytes in all)`) : null;
  return h("div", {},
    h("h3", {}, title), h("p", { class: "mono" }, lines),
    headerList(part.headers), truncated,
    part.body === null ? h("p", { class: "hint" }, "no body") : h("pre", { "data-testid": "body" }, pretty(part.body)));
}

function detail(entry) {
  const url = `${entry.method} ${entry.path}${entry.query ? "?" + entry.query : ""}`;
  const box = h("div", { class: "detail", "data-testid": "detail" },
    h("div", { class: "pair" },
      message("Request", url, entry.request),
      message("Response", `${entry.status}${entry.operation ? "  (" + entry.operation + ")" : ""}`, entry.response)),
  );
  if (entry.violations.length) box.append(problems("Violations", entry, entry.violations));
  if (entry.warnings.length) box.append(problems("Warnings (GEN-7)", entry, entry.warnings));
  if (entry.fault) box.append(h("div", {}, h("h3", {}, "Answered by an injected fault"), h("pre", {}, pretty(entry.fault))));
  const line = curl(entry);
  const copy = h("button", { type: "button", "data-testid": "copy-curl", onclick: () => copyText(line.text, line.node) }, "Copy as curl");
  box.append(h("div", {}, h("h3", {}, "Reproduce"), h("div", { class: "curl" }, line.node, copy),
    line.note ? h("p", { class: "hint" }, line.note) : null));
  return box;
}

function problems(title, entry, list) {
  const body = h("tbody");
  for (const v of list) {
    const pointer = h("td", { class: "mono", "data-testid": "pointer" }, "…");
    body.append(h("tr", { "data-testid": "violation" },
      h("td", { class: "mono" }, v.field || "(body)"),
      h("td", {}, v.rule ? h("button", { type: "button", class: "rule", title: "show the calls where this rule fired", onclick: () => filterByRule(v.rule) }, v.rule) : "—"),
      h("td", {}, v.message),
      h("td", {}, v.location || "body"),
      pointer));
    specPointer(entry, v).then((found) => {
      pointer.replaceChildren(found ? h("a", { href: found.link, target: "_blank", rel: "noopener" }, found.pointer) : "—");
    }, () => pointer.replaceChildren("—"));
  }
  return h("div", {}, h("h3", {}, title),
    h("div", { class: "table-wrap" }, h("table", { class: "problems" },
      h("thead", {}, h("tr", {}, ["Field", "Rule", "Message", "In", "Spec (opens Swagger UI)"].map((t) => h("th", { scope: "col" }, t)))), body)));
}

// -- the spec pointer of a violation, as contracts.client_report computes it ----------------------
async function spec(vendor) {
  if (!S.specs.has(vendor)) S.specs.set(vendor, fetch(`${ROOT}/${vendor}/openapi.json`).then((r) => r.json()));
  return S.specs.get(vendor);
}
const esc = (part) => String(part).replaceAll("~", "~0").replaceAll("/", "~1");
function follow(document, node, pointer) {
  for (let hops = 0; node && node.$ref && hops < 32; hops += 1) {
    pointer = node.$ref.replace(/^#/, "");
    node = pointer.split("/").slice(1).reduce((at, key) => at?.[key.replaceAll("~1", "/").replaceAll("~0", "~")], document);
  }
  return [node, pointer];
}
function properties(document, schema, pointer, found = {}) {
  [schema, pointer] = follow(document, schema, pointer);
  if (!schema || typeof schema !== "object") return found;
  (schema.allOf || []).forEach((part, i) => properties(document, part, `${pointer}/allOf/${i}`, found));
  for (const [name, node] of Object.entries(schema.properties || {})) found[name] = [node, `${pointer}/properties/${esc(name)}`];
  return found;
}
async function specPointer(entry, violation) {
  if (!entry.operation) return null;
  const document = await spec(entry.vendor);
  for (const [path, item] of Object.entries(document.paths || {})) {
    for (const [method, op] of Object.entries(item)) {
      if (!op || op.operationId !== entry.operation) continue;
      const base = `/paths/${esc(path)}/${method}`;
      const link = `${ROOT}/${entry.vendor}/ui/#/${encodeURIComponent((op.tags || ["default"])[0])}/${encodeURIComponent(op.operationId)}`;
      let pointer = base;
      if ((violation.location || "body") !== "body") pointer = `${base}/parameters`;
      else if (op.requestBody) {
        let [body, at] = follow(document, op.requestBody, `${base}/requestBody`);
        const media = Object.keys(body?.content || {})[0];
        if (media) {
          let [schema, where] = follow(document, body.content[media].schema, `${at}/content/${esc(media)}/schema`);
          for (const part of violation.field ? String(violation.field).split(".") : []) {
            if (/^\d+$/.test(part)) { [schema, where] = follow(document, schema?.items, `${where}/items`); continue; }
            const props = properties(document, schema, where);
            if (!props[part]) break;
            [schema, where] = follow(document, ...props[part]);
          }
          pointer = where;
        } else pointer = at;
      }
      return { pointer: `specs/${entry.vendor}.yaml#${pointer}`, link };
    }
  }
  return null;
}

// -- copy as curl -----------------------------------------------------------------------------
const DROPPED = new Set(["host", "content-length", "connection", "accept-encoding", "transfer-encoding", "user-agent", "expect"]);
const quote = (text) => "'" + String(text).replaceAll("'", "'\\''") + "'";
function curl(entry) {
  // the path as sent: the decoded one reads %3F, %2F or %20 in an id as a query, a slash, a space
  const url = `${location.origin}${ROOT}${entry.raw_path ?? entry.path}${entry.query ? "?" + entry.query : ""}`;
  const parts = ["curl", "-s", "-X", entry.method, quote(url)];
  let note = "";
  const headers = entry.request.headers || {};
  for (const [name, value] of Object.entries(headers)) {
    // the session the call was served in is added below: a /__session/ prefix beat this header
    if (DROPPED.has(name) || name === "x-mock-session") continue;
    if (value === "[redacted]") {
      if (name !== "authorization") { note += ` ${name} was redacted and is left out.`; continue; }
      parts.push("-H", quote("Authorization: Bearer test-token"));
      note += " The journal redacts credentials: the line uses the built-in test-token.";
      continue;
    }
    parts.push("-H", quote(`${name}: ${value}`));
  }
  if (entry.session && (entry.session !== "default" || "x-mock-session" in headers)) parts.push("-H", quote(`X-Mock-Session: ${entry.session}`));
  const body = entry.request.body;
  if (body !== null && body !== undefined) parts.push("--data-raw", quote(typeof body === "string" ? body : JSON.stringify(body)));
  if (entry.request.body_truncated) note += " The body was cut in the journal: this line does not send all of it.";
  const text = parts.join(" ");
  return { text, note: note.trim(), node: h("pre", { class: "mono", "data-testid": "curl" }, text) };
}

async function copyText(text, node) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const range = document.createRange(); // no clipboard permission: select it for Ctrl+C
    range.selectNodeContents(node);
    getSelection().removeAllRanges();
    getSelection().addRange(range);
    document.execCommand("copy");
  }
  toast("curl line copied");
}

// -- rules ------------------------------------------------------------------------------------
async function loadRules() {
  const at = S.cursor;
  const { data } = await api("GET", "/rules");
  S.rules = data.rules;
  S.rulesAt = at;
  $("rule-ids").replaceChildren(...S.rules.map((r) => h("option", { value: r.id })));
  renderRules();
}

function renderRules() {
  const vendor = $("r-vendor").value, basis = $("r-basis").value, showing = $("r-show").value;
  const text = $("r-text").value.trim().toLowerCase();
  const body = $("rules-body");
  const shown = S.rules.filter((r) => (!vendor || (r.vendor || "general") === vendor) && (!basis || r.basis === basis)
    && (showing !== "session" || r.session_fired > 0) && (showing !== "never-session" || r.session_fired === 0)
    && (showing !== "never" || r.fired === 0)
    && (!text || `${r.id} ${r.summary} ${r.source}`.toLowerCase().includes(text)));
  body.replaceChildren(...shown.map((r) => h("tr", { class: r.fired === 0 ? "never" : "", "data-testid": "rule-row", "data-rule": r.id },
    h("td", {}, h("button", { type: "button", class: "rule", title: "show the calls where it fired", onclick: () => filterByRule(r.id) }, r.id), " ", tag(r.vendor), " ", h("span", { class: "hint" }, r.kind)),
    h("td", {}, h("span", { class: `basis ${r.basis}` }, r.basis)),
    h("td", {}, h("div", {}, r.summary), h("div", { class: "source" }, sourceWithLinks(r.source))),
    h("td", { class: `num ${r.session_fired ? "" : "zero"}`, "data-testid": "session-fired" }, r.session_fired),
    h("td", { class: `num ${r.fired ? "" : "zero"}`, "data-testid": "all-fired" }, r.fired))));
  const inSession = S.rules.filter((r) => r.session_fired > 0).length;
  const never = S.rules.filter((r) => r.fired === 0).length;
  $("rules-summary").textContent = `${S.rules.length} rules: ${inSession} fired in session '${S.session}', ${S.rules.length - inSession} not;`
    + ` ${never} never exercised in any session since the server started. Showing ${shown.length}.`;
  $("count-rules").textContent = S.rules.length ? `(${inSession}/${S.rules.length})` : "";
}
for (const id of ["r-vendor", "r-basis", "r-show", "r-text"]) $(id).addEventListener("input", renderRules);

function sourceWithLinks(source) {
  return source.split(/(https:\/\/[^\s;,)]+)/).map((part, i) => (i % 2 ? h("a", { href: part, target: "_blank", rel: "noopener noreferrer" }, part) : part));
}

// -- state ------------------------------------------------------------------------------------
const LABELS = ["name", "title", "display_name", "email", "full_name", "key", "external_id", "code"];
async function loadState() {
  const vendor = $("s-vendor").value;
  const { status, data } = await api("GET", `/state/${vendor}`);
  if ($("s-vendor").value !== vendor) return; // another vendor was chosen meanwhile: its answer wins
  if (status !== 200) { notice(data.message); return; }
  S.doc = data;
  const select = $("s-collection");
  const was = select.value;
  select.replaceChildren(...Object.keys(data).map((name) => h("option", { value: name, selected: name === was }, `${name} (${Object.keys(data[name]).length})`)));
  renderRecords();
}

function renderRecords() {
  if (!S.doc) return;
  const collection = $("s-collection").value;
  const text = $("s-text").value.trim().toLowerCase();
  const records = Object.entries(S.doc[collection] || {});
  const list = $("records");
  list.replaceChildren(...records
    .filter(([id, record]) => !text || id.toLowerCase().includes(text) || JSON.stringify(record).toLowerCase().includes(text))
    .map(([id, record]) => {
      const label = LABELS.map((k) => record[k]).find((v) => typeof v === "string" && v) || "";
      const current = S.record && S.record[0] === collection && S.record[1] === id;
      return h("li", {}, h("button", { type: "button", "aria-current": current ? "true" : "false", "data-testid": "record", "data-id": id,
        onclick: () => openRecord(collection, id) }, h("span", { class: "rid" }, id), label));
    }));
  if (!list.children.length) list.append(h("li", { class: "hint" }, " no record matches"));
}

function openRecord(collection, id) {
  S.record = [collection, id];
  const editor = $("editor");
  editor.hidden = false;
  $("editor-title").textContent = `${collection} / ${id}`;
  editor.querySelector(".v").textContent = $("s-vendor").value;
  $("record-json").value = pretty(S.doc[collection][id]);
  $("record-result").replaceChildren();
  renderRecords();
}

// An edit replaces the whole vendor document (PUT /__admin/state/{vendor}): the page reads the
// latest document first and changes only this record, so the admin API checks it as any other.
async function saveRecord(remove) {
  const [collection, id] = S.record;
  const result = $("record-result");
  let record = null;
  if (!remove) {
    try { record = JSON.parse($("record-json").value); } catch (error) {
      result.replaceChildren(h("div", { class: "bad-box" }, `Not JSON: ${error.message}`));
      return;
    }
  }
  const vendor = $("s-vendor").value;
  const latest = await api("GET", `/state/${vendor}`);
  const document = latest.data;
  delete document[collection][id];
  const key = record && typeof record === "object" && !Array.isArray(record) && "id" in record ? String(record.id) : id;
  if (!remove) document[collection][key] = record;
  const { status, data } = await api("PUT", `/state/${vendor}`, { body: document });
  if (status === 200) {
    result.replaceChildren(h("div", { class: "ok-box", "data-testid": "saved" }, remove ? `${collection}/${id} deleted` : `Saved: ${data.message}`));
    S.record = remove ? null : [collection, key];
    await loadState();
    if (remove) $("editor").hidden = true;
    return;
  }
  result.replaceChildren(h("div", { class: "bad-box", "data-testid": "rejected" },
    h("strong", {}, `${status}: nothing was changed. `), data.message || "",
    h("ul", {}, (data.problems || []).map((p) => h("li", { "data-testid": "problem" }, p)))));
}

$("editor").addEventListener("submit", (event) => { event.preventDefault(); saveRecord(false).catch(report); });
$("record-delete").addEventListener("click", () => { if (confirm(`Delete ${S.record.join("/")}?`)) saveRecord(true).catch(report); });
$("record-revert").addEventListener("click", () => openRecord(...S.record));
$("s-vendor").addEventListener("input", () => { S.record = null; $("editor").hidden = true; loadState().catch(report); });
$("s-collection").addEventListener("input", renderRecords);
$("s-text").addEventListener("input", renderRecords);
$("s-reload").addEventListener("click", () => loadState().catch(report));

// -- faults -----------------------------------------------------------------------------------
async function countFaults() {
  const { data } = await api("GET", "/faults");
  $("count-faults").textContent = data.faults.length ? `(${data.faults.length})` : "";
  return data.faults;
}

async function loadFaults() {
  const faults = await countFaults();
  $("faults-empty").hidden = faults.length > 0;
  $("faults-body").replaceChildren(...faults.map((f) => {
    const does = f.action === "status" ? `status ${f.status}` : f.action + (f.status ? ` ${f.status}` : "");
    const latency = f.latency_ms ? ` after ${f.latency_ms[0] === f.latency_ms[1] ? f.latency_ms[0] : f.latency_ms.join("–")} ms` : "";
    return h("tr", { "data-testid": "fault-row" },
      h("td", { class: "mono" }, f.id),
      h("td", {}, f.vendor ? tag(f.vendor) : "any vendor", " ", h("span", { class: "mono" }, `${f.method || "any method"} ${f.path || "*"}`)),
      h("td", {}, does + latency, Object.keys(f.headers || {}).length ? h("div", { class: "hint mono" }, JSON.stringify(f.headers)) : null),
      h("td", { class: "num" }, f.remaining === null ? "∞" : f.remaining),
      h("td", { class: "num" }, f.served),
      h("td", {}, h("button", { type: "button", class: "danger", "aria-label": `Remove fault ${f.id}`, "data-testid": "remove-fault",
        onclick: async () => { await api("DELETE", `/faults/${encodeURIComponent(f.id)}`); await loadFaults(); } }, "Remove")));
  }));
}

const INTEGER = /^-?\d+$/;
function parsed(text) { try { return JSON.parse(text); } catch { return text; } }
// The form's fields as POST /__admin/faults takes them. Anything that is not what the API wants
// is sent as typed, so the API itself says what is wrong with it.
function faultFromForm() {
  const form = $("fault-form");
  const fault = { action: form.action.value };
  for (const name of ["vendor", "method", "path"]) if (form[name].value.trim()) fault[name] = form[name].value.trim();
  for (const name of ["status", "times", "seed"]) {
    const text = form[name].value.trim();
    if (text) fault[name] = INTEGER.test(text) ? Number(text) : text;
  }
  const latency = form.latency_ms.value.trim();
  if (latency) {
    const range = /^(\d+)\s*[-–]\s*(\d+)$/.exec(latency);
    fault.latency_ms = range ? [Number(range[1]), Number(range[2])] : INTEGER.test(latency) ? Number(latency) : latency;
  }
  if (form.headers.value.trim()) fault.headers = parsed(form.headers.value.trim());
  if (form.body.value.trim()) fault.body = parsed(form.body.value.trim());
  return fault;
}

function showFaultProblem(data) {
  const box = $("fault-problem");
  for (const input of $("fault-form").querySelectorAll("[data-field]")) input.removeAttribute("aria-invalid");
  if (!data) { box.hidden = true; return; }
  box.hidden = false;
  box.textContent = data.message;
  const field = data.field && $("fault-form").querySelector(`[data-field="${data.field}"]`);
  if (field) {
    field.setAttribute("aria-invalid", "true");
    field.setAttribute("aria-describedby", "fault-problem");
  }
}

async function checkFault() {
  const ticket = (S.faultCheck += 1);
  const { status, data } = await api("POST", "/faults", { query: { dry_run: "true" }, body: faultFromForm() });
  if (ticket !== S.faultCheck) return null; // a later keystroke's check answers instead
  showFaultProblem(status === 200 ? null : data);
  return status === 200;
}

$("fault-form").addEventListener("input", () => {
  clearTimeout(checkFault.timer);
  checkFault.timer = setTimeout(() => checkFault().catch(report), 200);
});
$("fault-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  clearTimeout(checkFault.timer);
  S.faultCheck += 1;
  const { status, data } = await api("POST", "/faults", { body: faultFromForm() });
  if (status !== 201) { showFaultProblem(data); return; }
  showFaultProblem(null);
  toast(`fault ${data.id} added`);
  await loadFaults();
});
$("clear-faults").addEventListener("click", async () => { await api("DELETE", "/faults"); await loadFaults(); });

// -- start ------------------------------------------------------------------------------------
function report(error) {
  if (!(error instanceof Unauthorized)) notice(String(error.message || error));
}

function refreshView() {
  const jobs = { rules: loadRules, state: () => (S.doc ? Promise.resolve(renderRecords()) : loadState()), faults: loadFaults }[S.view];
  if (jobs) jobs().catch(report);
}

$("token-form").addEventListener("submit", (event) => {
  event.preventDefault();
  S.token = $("token").value;
  sessionStorage.setItem("mock-admin-token", S.token);
  start();
});

async function start() {
  try {
    const { data } = await api("GET", "/health");
    S.vendors = data.vendors;
    const options = () => S.vendors.map((v) => h("option", { value: v }, v));
    $("f-vendor").replaceChildren(h("option", { value: "" }, "all"), ...options());
    $("r-vendor").replaceChildren(h("option", { value: "" }, "all"), h("option", { value: "general" }, "general"), ...options());
    $("s-vendor").replaceChildren(...options());
    $("fault-form").vendor.replaceChildren(h("option", { value: "" }, "any"), ...options());
    await Promise.all([loadSessions(), api("GET", "/rules").then(({ data: rules }) => {
      S.rules = rules.rules;
      $("rule-ids").replaceChildren(...S.rules.map((r) => h("option", { value: r.id })));
    })]);
    notice("");
    show(S.view);
    poll(true);
  } catch (error) {
    if (error instanceof Unauthorized) {
      $("live").className = "live off";
      $("live").textContent = "needs the admin token";
      $("token").focus();
    }
    report(error);
  }
}

if (params.get("rule")) $("f-rule").value = params.get("rule");
start();
