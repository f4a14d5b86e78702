// swift-format-ignore-file
// The page is HTML, CSS and JavaScript as written, not Swift to format.

/// The console page: one HTML document with its style and script inline, so that it needs no build step, no files
/// beside the executable and nothing from another host.
enum ConsolePage {
    static let html = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Order console</title>
<style>
  :root {
    --ink: #1b1f24; --muted: #57606a; --line: #d0d7de; --panel: #f6f8fa; --accent: #0a58ca;
    --bad: #a40e26; --bad-bg: #ffebe9; --ok: #116329; --ok-bg: #dafbe1; --warn: #7d4e00; --warn-bg: #fff8c5;
  }
  * { box-sizing: border-box; }
  body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: #fff; }
  header { display: flex; flex-wrap: wrap; gap: 1rem; align-items: end; justify-content: space-between;
    padding: .8rem 1.2rem; border-bottom: 1px solid var(--line); background: var(--panel); }
  h1 { font-size: 1.25rem; margin: 0; }
  h2 { font-size: 1.1rem; margin: 0 0 .6rem; }
  h3 { font-size: 1rem; margin: 1rem 0 .4rem; }
  main { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1.2fr); gap: 1.2rem; padding: 1.2rem; }
  @media (max-width: 1100px) { main { grid-template-columns: 1fr; } }
  section { border: 1px solid var(--line); border-radius: 6px; padding: .9rem 1rem; min-width: 0; }
  label { display: block; font-size: .8rem; font-weight: 600; color: var(--muted); margin-bottom: .15rem; }
  input, select, textarea, button { font: inherit; }
  input, select, textarea { padding: .3rem .45rem; border: 1px solid #8c959f; border-radius: 4px; background: #fff; color: var(--ink); }
  textarea { width: 100%; min-height: 3.2rem; }
  button { padding: .3rem .8rem; border: 1px solid #8c959f; border-radius: 4px; background: #fff; color: var(--ink); cursor: pointer; }
  button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
  button.danger { border-color: var(--bad); color: var(--bad); }
  button:disabled { opacity: .55; cursor: not-allowed; }
  :focus-visible { outline: 3px solid #54aeff; outline-offset: 1px; }
  .row { display: flex; flex-wrap: wrap; gap: .6rem; align-items: end; }
  .field { display: flex; flex-direction: column; }
  .hint { color: var(--muted); font-size: .85rem; margin: .3rem 0 0; }
  .zone { color: var(--muted); font-size: .85rem; }
  table { width: 100%; border-collapse: collapse; font-size: .9rem; }
  th, td { text-align: left; padding: .35rem .45rem; border-bottom: 1px solid var(--line); vertical-align: top; }
  th { background: var(--panel); font-weight: 600; }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
  tbody tr.selectable { cursor: pointer; }
  tbody tr.selectable:hover, tbody tr.selected { background: #ddf4ff; }
  .table-wrap { overflow-x: auto; }
  .label { display: inline-block; padding: .05rem .5rem; border-radius: 999px; font-size: .8rem; font-weight: 600;
    border: 1px solid transparent; white-space: nowrap; }
  .status-pending_confirmation { background: #fff8c5; color: #7d4e00; border-color: #d4a72c; }
  .status-confirmed { background: #ddf4ff; color: #0550ae; border-color: #54aeff; }
  .status-sent_to_warehouse { background: #fbefff; color: #6e40c9; border-color: #c297ff; }
  .status-shipped { background: #fff1e5; color: #953800; border-color: #fb8f44; }
  .status-in_transit { background: #e6f6f6; color: #0b5e5e; border-color: #3fb8b8; }
  .status-delivered { background: var(--ok-bg); color: var(--ok); border-color: #4ac26b; }
  .status-cancelled { background: #eaeef2; color: #424a53; border-color: #8c959f; }
  .state-pending { background: var(--warn-bg); color: var(--warn); border-color: #d4a72c; }
  .state-delivered { background: var(--ok-bg); color: var(--ok); border-color: #4ac26b; }
  .state-dead { background: var(--bad); color: #fff; border-color: var(--bad); }
  tr.dead { background: var(--bad-bg); box-shadow: inset 4px 0 0 var(--bad); }
  .error { color: var(--bad); }
  #notice { margin: 0; padding: .6rem 1.2rem; border-bottom: 1px solid var(--line); }
  #notice[hidden] { display: none; }
  #notice.failure { background: var(--bad-bg); color: var(--bad); font-weight: 600; }
  #notice.success { background: var(--ok-bg); color: var(--ok); }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: .15rem .8rem; margin: 0; font-size: .9rem; }
  dt { color: var(--muted); }
  dd { margin: 0; overflow-wrap: anywhere; }
  .addresses { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
  .empty { color: var(--muted); font-style: italic; }
  .actions { display: flex; flex-wrap: wrap; gap: 1rem; align-items: end; margin: .6rem 0; padding: .6rem; background: var(--panel); border-radius: 6px; }
  .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
  code { font-size: .85rem; }
</style>
</head>
<body>
<header>
  <div>
    <h1>Order console</h1>
    <span class="zone" id="zone"></span>
  </div>
  <form id="token-form" class="row" autocomplete="off">
    <div class="field">
      <label for="token">API token (kept in this tab only)</label>
      <input id="token" type="password" size="34" placeholder="Paste a bearer token" spellcheck="false">
    </div>
    <button type="submit" class="primary" id="token-save">Use token</button>
    <button type="button" id="token-forget">Forget</button>
    <span id="token-state" class="hint" aria-live="polite"></span>
  </form>
</header>
<p id="notice" role="status" aria-live="polite" hidden></p>
<main>
  <div>
    <section aria-labelledby="orders-heading">
      <h2 id="orders-heading">Orders</h2>
      <form id="filters" class="row">
        <div class="field"><label for="f-status">Status</label>
          <select id="f-status"><option value="">Any</option></select></div>
        <div class="field"><label for="f-city">Shipping city</label><input id="f-city" size="10"></div>
        <div class="field"><label for="f-country">Shipping country</label><input id="f-country" size="6"></div>
        <div class="field"><label for="f-customer">Customer id</label><input id="f-customer" size="10"></div>
        <div class="field"><label for="f-from">Created from</label><input id="f-from" type="datetime-local"></div>
        <div class="field"><label for="f-to">Created before</label><input id="f-to" type="datetime-local"></div>
        <div class="field"><label for="f-limit">Per page</label>
          <select id="f-limit"><option>10</option><option selected>25</option><option>50</option><option>100</option></select></div>
        <button type="submit" class="primary" id="apply-filters">Show orders</button>
      </form>
      <div class="table-wrap">
        <table id="orders">
          <caption class="visually-hidden">Orders matching the filters; choose one to open it</caption>
          <thead><tr><th scope="col">Order</th><th scope="col">Status</th><th scope="col" class="num">Amount</th>
            <th scope="col">Ship to</th><th scope="col">Created</th></tr></thead>
          <tbody><tr><td colspan="5" class="empty">Paste a token, then choose “Show orders”.</td></tr></tbody>
        </table>
      </div>
      <div class="row" style="margin-top:.5rem">
        <button type="button" id="first-page" disabled>First page</button>
        <button type="button" id="next-page" disabled>Next page</button>
        <span id="page-info" class="hint"></span>
      </div>
    </section>

    <section aria-labelledby="events-heading" style="margin-top:1.2rem">
      <h2 id="events-heading">Events across orders</h2>
      <form id="events-filter" class="row">
        <div class="field"><label for="e-state">Delivery state</label>
          <select id="e-state"><option value="dead" selected>Dead</option><option value="pending">Pending</option>
            <option value="delivered">Delivered</option></select></div>
        <button type="submit" class="primary" id="load-events">Show events</button>
        <button type="button" id="events-next" disabled>Next page</button>
        <button type="button" id="redeliver-dead">Redeliver every dead event</button>
      </form>
      <p class="hint" id="events-info"></p>
      <div class="table-wrap">
        <table id="all-events">
          <caption class="visually-hidden">Events of every order in the chosen delivery state</caption>
          <thead><tr><th scope="col">Order</th><th scope="col">Event</th><th scope="col">Delivery</th>
            <th scope="col" class="num">Attempts</th><th scope="col">Last answer</th><th scope="col">Occurred</th>
            <th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
          <tbody><tr><td colspan="7" class="empty">Not loaded.</td></tr></tbody>
        </table>
      </div>
    </section>
  </div>

  <section aria-labelledby="order-heading" id="order-panel">
    <h2 id="order-heading">Order</h2>
    <p class="empty" id="order-empty">Choose an order in the list, or open one by id.</p>
    <form id="open-order" class="row">
      <div class="field"><label for="order-id">Order id</label><input id="order-id" size="18" spellcheck="false"></div>
      <button type="submit" id="open-order-button">Open</button>
    </form>
    <div id="order-detail" hidden>
      <p><span id="order-status"></span> version <span id="order-version"></span> · amount <strong id="order-amount"></strong>
        · created <span id="order-created"></span> · updated <span id="order-updated"></span></p>
      <div class="actions">
        <div><button type="button" class="primary" id="advance"></button>
          <p class="hint" id="advance-hint"></p></div>
        <form id="cancel-form" class="row">
          <div class="field"><label for="cancel-reason">Cancellation reason</label>
            <input id="cancel-reason" list="cancel-reasons" size="18" required>
            <datalist id="cancel-reasons"><option value="customer_request"><option value="out_of_stock">
              <option value="payment_failed"><option value="fraud_suspected"><option value="other"></datalist></div>
          <div class="field"><label for="cancel-note">Note</label><input id="cancel-note" size="22"></div>
          <button type="submit" class="danger" id="cancel-order">Cancel order</button>
        </form>
      </div>
      <h3>Lines</h3>
      <div class="table-wrap"><table id="lines"><thead><tr><th scope="col">SKU</th><th scope="col" class="num">Price</th>
        <th scope="col" class="num">Quantity</th><th scope="col" class="num">Total</th></tr></thead><tbody></tbody></table></div>
      <div class="addresses">
        <div><h3>Shipping address</h3><dl id="shipping-address"></dl></div>
        <div><h3>Billing address</h3><dl id="billing-address"></dl></div>
      </div>
      <h3>Status history</h3>
      <div class="table-wrap"><table id="history"><thead><tr><th scope="col">Status</th><th scope="col">Entered</th>
        <th scope="col">By</th></tr></thead><tbody></tbody></table></div>
      <h3>Shipment</h3><dl id="shipment"></dl>
      <h3>Cancellation</h3><dl id="cancellation"></dl>
      <h3>Events</h3>
      <p class="hint" id="webhook-state"></p>
      <div class="table-wrap"><table id="events"><thead><tr><th scope="col">Event</th><th scope="col">Delivery</th>
        <th scope="col" class="num">Attempts</th><th scope="col">Last answer</th><th scope="col">Next attempt</th>
        <th scope="col">Occurred</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead><tbody></tbody></table></div>
    </div>
  </section>
</main>
<script>
"use strict";
// The order's status flow, in order; each status may move only to the next one.
const STATUSES = ["pending_confirmation", "confirmed", "sent_to_warehouse", "shipped", "in_transit", "delivered"];
const TOKEN_KEY = "order-console-token";
const $ = (id) => document.getElementById(id);
const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });
const moneyFormat = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });

const state = { query: null, cursors: [], nextCursor: null, eventsCursor: null, eventsPage: undefined, order: null,
  etag: null };

// A refusal of the API: the envelope's `message`, or the gateway's `{"message": ...}` for 401 and 403.
class APIRefusal extends Error {
  constructor(status, body) {
    const message = body && typeof body.message === "string" ? body.message : `HTTP ${status}`;
    super(message);
    this.status = status;
    this.code = body && body.code;
  }
}

async function api(method, path, { body, headers = {} } = {}) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const sent = { Accept: "application/json", ...headers };
  if (token) sent.Authorization = `Bearer ${token}`;
  if (body !== undefined) sent["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, { method, headers: sent, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (error) {
    throw new APIRefusal(0, { message: `The service did not answer (${error.message}).` });
  }
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  if (!response.ok) throw new APIRefusal(response.status, json);
  return { status: response.status, body: json, etag: response.headers.get("ETag") };
}

function notify(message, kind) {
  const notice = $("notice");
  notice.textContent = message;
  notice.className = kind;
  notice.hidden = false;
  notice.setAttribute("role", kind === "failure" ? "alert" : "status");
}

function clearNotice() {
  $("notice").hidden = true;
  $("notice").textContent = "";
}

// Shows what the API said when it refused; a route this deployment lacks says so plainly.
function refused(action, error) {
  const suffix = error.code === "route_not_found" ? " (this service does not offer it yet)" : "";
  notify(`${action} refused: ${error.message}${suffix}`, "failure");
}

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "class") node.className = value; else node.setAttribute(name, value);
  }
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(child ?? ""));
  return node;
}

const humanize = (value) => String(value).replaceAll("_", " ");
const statusLabel = (status) => el("span", { class: `label status-${status}` }, humanize(status));
const stateLabel = (state) => el("span", { class: `label state-${state}` }, state === "dead" ? "dead ✕" : state);

function time(iso) {
  if (!iso) return el("span", { class: "empty" }, "—");
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return document.createTextNode(String(iso));
  return el("time", { datetime: iso, title: iso }, timeFormat.format(date));
}

function fillRows(tbody, rows, columns, emptyText) {
  tbody.replaceChildren();
  if (rows.length === 0) {
    tbody.append(el("tr", {}, el("td", { colspan: String(columns), class: "empty" }, emptyText)));
  }
  for (const row of rows) tbody.append(row);
}

function fillList(dl, object, emptyText) {
  dl.replaceChildren();
  if (!object || typeof object !== "object" || Object.keys(object).length === 0) {
    dl.append(el("dd", { class: "empty" }, emptyText));
    return;
  }
  for (const [key, value] of Object.entries(object)) {
    if (value === "" || value === null || value === undefined) continue;
    const shown = typeof value === "string" && /^\d{4}-\d\d-\d\dT/.test(value) ? time(value)
      : typeof value === "object" ? JSON.stringify(value) : String(value);
    dl.append(el("dt", {}, humanize(key)), el("dd", {}, shown));
  }
}

// Orders and their pages.
function currentQuery() {
  const query = new URLSearchParams();
  const add = (name, value) => { if (value.trim() !== "") query.set(name, value.trim()); };
  add("status", $("f-status").value);
  add("shipping_city", $("f-city").value);
  add("shipping_country", $("f-country").value);
  add("customer_id", $("f-customer").value);
  if ($("f-from").value) query.set("created_from", new Date($("f-from").value).toISOString());
  if ($("f-to").value) query.set("created_to", new Date($("f-to").value).toISOString());
  query.set("limit", $("f-limit").value);
  return query;
}

async function loadOrders(cursor) {
  const query = new URLSearchParams(state.query);
  if (cursor) query.set("cursor", cursor);
  try {
    const { body } = await api("GET", `/orders?${query}`);
    state.nextCursor = body.next_cursor;
    const rows = body.orders.map((order) => {
      const row = el("tr", { class: "selectable", tabindex: "0", "data-order-id": order.id },
        el("td", {}, el("code", {}, order.id)), el("td", {}, statusLabel(order.status)),
        el("td", { class: "num" }, moneyFormat.format(order.amount)),
        el("td", {}, `${order.shipping_address.city}, ${order.shipping_address.country}`),
        el("td", {}, time(order.created_at)));
      row.addEventListener("click", () => { clearNotice(); openOrder(order.id); });
      row.addEventListener("keydown", (event) => { if (event.key === "Enter") { clearNotice(); openOrder(order.id); } });
      return row;
    });
    fillRows($("orders").tBodies[0], rows, 5, "No orders match these filters.");
    $("next-page").disabled = !state.nextCursor;
    $("first-page").disabled = state.cursors.length === 0;
    $("page-info").textContent = `Page ${state.cursors.length + 1} · ${body.orders.length} order(s)`;
    markSelected();
  } catch (error) {
    refused("Listing orders", error);
  }
}

function markSelected() {
  for (const row of $("orders").tBodies[0].rows) {
    row.classList.toggle("selected", state.order !== null && row.dataset.orderId === state.order.id);
  }
}

// One order.
async function openOrder(id) {
  try {
    const { body, etag } = await api("GET", `/order/${encodeURIComponent(id)}`);
    state.order = body;
    state.etag = etag;
    showOrder();
    await loadOrderEvents();
  } catch (error) {
    refused(`Opening order ${id}`, error);
  }
}

function showOrder() {
  const order = state.order;
  $("order-empty").hidden = true;
  $("order-detail").hidden = false;
  $("order-id").value = order.id;
  $("order-heading").textContent = `Order ${order.id}`;
  $("order-status").replaceChildren(statusLabel(order.status));
  $("order-version").textContent = order.version;
  $("order-amount").textContent = moneyFormat.format(order.amount);
  $("order-created").replaceChildren(time(order.created_at));
  $("order-updated").replaceChildren(time(order.updated_at));

  // A cancelled order is not in the flow, and has no next status.
  const position = STATUSES.indexOf(order.status);
  const next = position >= 0 ? STATUSES[position + 1] : undefined;
  const advance = $("advance");
  advance.disabled = !next;
  advance.dataset.next = next ?? "";
  advance.textContent = next ? `Move to ${humanize(next)}` : "No next status";
  $("advance-hint").textContent = next ? `Sent with If-Match: ${state.etag ?? "(no ETag)"}` : "";
  const closed = order.status === "cancelled" || order.status === "delivered" || order.cancellation;
  $("cancel-order").disabled = Boolean(closed);

  fillRows($("lines").tBodies[0], order.order_lines.map((line) => el("tr", {},
    el("td", {}, el("code", {}, line.sku)), el("td", { class: "num" }, moneyFormat.format(line.price)),
    el("td", { class: "num" }, String(line.quantity)),
    el("td", { class: "num" }, moneyFormat.format(line.price * line.quantity)))), 4, "No lines.");
  fillList($("shipping-address"), order.shipping_address, "None.");
  fillList($("billing-address"), order.billing_address, "None.");
  fillRows($("history").tBodies[0], order.status_history.map((change) => el("tr", {},
    el("td", {}, statusLabel(change.status)), el("td", {}, time(change.entered_at)),
    el("td", { class: change.actor ? "" : "empty" }, change.actor ?? "not recorded"))), 3, "No history.");
  fillList($("shipment"), order.shipment, "Not shipped.");
  fillList($("cancellation"), order.cancellation, "Not cancelled.");
  markSelected();
}

function eventRow(event, { withOrder, withActions }) {
  const delivery = event.delivery;
  const what = el("span", {}, humanize(event.type), " → ", statusLabel(event.status));
  const cells = [];
  if (withOrder) {
    const link = el("button", { type: "button", class: "link" }, event.order_id);
    link.addEventListener("click", () => openOrder(event.order_id));
    cells.push(el("td", {}, link));
  }
  cells.push(el("td", { title: event.id }, what), el("td", {}, stateLabel(delivery.state)),
    el("td", { class: "num" }, String(delivery.attempts)));
  const lastAnswer = [delivery.last_status, delivery.last_error].filter((part) => part !== null && part !== undefined).join(" · ");
  cells.push(el("td", { class: delivery.last_error ? "error" : "" }, lastAnswer || "—"));
  if (withActions) cells.push(el("td", {}, delivery.state === "pending" ? time(delivery.next_attempt_at) : "—"));
  cells.push(el("td", {}, time(event.occurred_at)));
  // A dead or delivered event can be sent again; a pending one will be anyway.
  const button = el("button", { type: "button", class: "redeliver", "data-event-id": event.id }, "Redeliver");
  button.disabled = delivery.state === "pending";
  button.setAttribute("aria-label", `Redeliver event ${event.id}`);
  button.addEventListener("click", () => redeliver(event));
  cells.push(el("td", {}, button));
  return el("tr", { class: delivery.state === "dead" ? "dead" : "", "data-event-id": event.id, "data-state": delivery.state }, ...cells);
}

async function loadOrderEvents() {
  const id = state.order.id;
  try {
    const { body } = await api("GET", `/order/${encodeURIComponent(id)}/events`);
    $("webhook-state").textContent = body.webhook_configured
      ? "Events are delivered to the webhook."
      : "No webhook is configured: events are recorded, not sent.";
    fillRows($("events").tBodies[0], body.events.map((event) => eventRow(event, { withOrder: false, withActions: true })),
      7, "No events.");
  } catch (error) {
    refused(`Listing the events of order ${id}`, error);
  }
}

// Actions.
async function advance() {
  const order = state.order;
  const next = $("advance").dataset.next;
  if (!order || !next) return;
  try {
    const headers = state.etag ? { "If-Match": state.etag } : {};
    const { body, etag } = await api("PUT", `/order/${encodeURIComponent(order.id)}/status`, { body: { status: next }, headers });
    state.order = body;
    state.etag = etag;
    showOrder();
    notify(`Order ${order.id} is now ${humanize(body.status)}.`, "success");
    await loadOrderEvents();
    if (state.query) await loadOrders(state.cursors.at(-1));
  } catch (error) {
    refused(`Moving order ${order.id} to ${humanize(next)}`, error);
  }
}

async function cancelOrder(event) {
  event.preventDefault();
  clearNotice();
  const order = state.order;
  if (!order) return;
  const reason = $("cancel-reason").value.trim();
  const note = $("cancel-note").value.trim();
  try {
    const headers = state.etag ? { "If-Match": state.etag } : {};
    await api("POST", `/order/${encodeURIComponent(order.id)}/cancel`, { body: { reason, note: note || null }, headers });
    notify(`Order ${order.id} is cancelled.`, "success");
    await openOrder(order.id);
    if (state.query) await loadOrders(state.cursors.at(-1));
  } catch (error) {
    refused(`Cancelling order ${order.id}`, error);
  }
}

async function redeliver(event) {
  clearNotice();
  try {
    await api("POST", `/order/${encodeURIComponent(event.order_id)}/events/${encodeURIComponent(event.id)}/redeliver`);
    notify(`Event ${event.id} of order ${event.order_id} will be delivered again.`, "success");
    if (state.order && state.order.id === event.order_id) await loadOrderEvents();
    if (state.eventsPage !== undefined) await loadAllEvents(state.eventsPage);
  } catch (error) {
    refused(`Redelivering event ${event.id}`, error);
  }
}

async function loadAllEvents(cursor) {
  const query = new URLSearchParams({ state: $("e-state").value, limit: "25" });
  if (cursor) query.set("cursor", cursor);
  try {
    const { body } = await api("GET", `/events?${query}`);
    state.eventsPage = cursor;
    state.eventsCursor = body.next_cursor;
    $("events-next").disabled = !body.next_cursor;
    fillRows($("all-events").tBodies[0], body.events.map((event) => eventRow(event, { withOrder: true, withActions: false })),
      7, `No ${$("e-state").value} events.`);
    const skipped = body.skipped_events || [];
    $("events-info").textContent = skipped.length
      ? `${skipped.length} could not be read (the service's log names them): ` +
        skipped.map((entry) => `${entry.id || entry.order_id} (${entry.reason})`).join(", ")
      : "";
  } catch (error) {
    refused("Listing events", error);
  }
}

// Every dead event of every order, as POST /events/redeliver takes them: up to 500 a request.
async function redeliverDead() {
  clearNotice();
  try {
    const { body } = await api("POST", "/events/redeliver", { body: { state: "dead" } });
    const more = body.more ? " More are dead: press again to go on." : "";
    notify(`${body.redelivered} dead ${body.redelivered === 1 ? "event" : "events"} will be delivered again.${more}`, "success");
    if (state.eventsPage !== undefined) await loadAllEvents(state.eventsPage);
  } catch (error) {
    refused("Redelivering the dead events", error);
  }
}

// The token: pasted once, kept in sessionStorage, so it ends with the tab.
function showTokenState() {
  const saved = sessionStorage.getItem(TOKEN_KEY);
  $("token-state").textContent = saved ? "A token is in use." : "No token: the API will refuse every call.";
  $("token").value = "";
}

$("token-form").addEventListener("submit", (event) => {
  event.preventDefault();
  clearNotice();
  const token = $("token").value.trim().replace(/^Bearer\s+/i, "");
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  showTokenState();
});
$("token-forget").addEventListener("click", () => { sessionStorage.removeItem(TOKEN_KEY); showTokenState(); });
$("filters").addEventListener("submit", (event) => {
  event.preventDefault();
  clearNotice();
  state.query = currentQuery();
  state.cursors = [];
  loadOrders(null);
});
$("next-page").addEventListener("click", () => { clearNotice(); state.cursors.push(state.nextCursor); loadOrders(state.nextCursor); });
$("first-page").addEventListener("click", () => { clearNotice(); state.cursors = []; loadOrders(null); });
$("open-order").addEventListener("submit", (event) => {
  event.preventDefault();
  clearNotice();
  const id = $("order-id").value.trim();
  if (id) openOrder(id);
});
$("advance").addEventListener("click", () => { clearNotice(); advance(); });
$("cancel-form").addEventListener("submit", cancelOrder);
$("events-filter").addEventListener("submit", (event) => { event.preventDefault(); clearNotice(); loadAllEvents(null); });
$("events-next").addEventListener("click", () => { clearNotice(); loadAllEvents(state.eventsCursor); });
$("redeliver-dead").addEventListener("click", redeliverDead);

for (const status of STATUSES) $("f-status").append(el("option", { value: status }, humanize(status)));
$("f-status").append(el("option", { value: "cancelled" }, "cancelled"));
$("zone").textContent = `Times in ${Intl.DateTimeFormat().resolvedOptions().timeZone}`;
showTokenState();
</script>
</body>
</html>
"""#
}
