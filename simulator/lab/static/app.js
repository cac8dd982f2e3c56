// The student's page: every control posts one step of the scenario language (POST
// /api/steps or /api/shell), every pane reads the world through the lab's GET routes. Nothing
// is computed here that the world does not say; passwords typed are sent once and cleared,
// never written into the page.
"use strict";

const { api, $, el, say, time } = lab;
const SETUP_FOLDER = "C:\\Users\\Administrator\\Downloads\\Exchange_Connector_Setup";
const state = { session: null, pane: "console", section: "exchange", host: null, hints: 0, configured: false };

// -- posting a step -------------------------------------------------------------------------
async function step(body, messageBox) {
  let result;
  try {
    result = await api("POST", "/api/steps", body);
  } catch (error) {
    say(messageBox, error.message, "error");
    return null;
  }
  if (result.clock) lab.clock.show(result.clock);
  if (result.ok) say(messageBox, "Done at " + time(result.at) + ".", "ok");
  else say(messageBox, result.error, "error");
  refreshAll();
  return result;
}

// -- tabs and console navigation -------------------------------------------------------------
function showPane(name) {
  state.pane = name;
  for (const tab of document.querySelectorAll(".tabs [data-pane]")) {
    tab.setAttribute("aria-selected", tab.dataset.pane === name ? "true" : "false");
  }
  for (const pane of document.querySelectorAll(".pane")) pane.classList.toggle("active", pane.id === "pane-" + name);
  refreshPane();
  if (name === "shell") $("shell-in").focus();
}

const CRUMBS = {
  exchange: ["ADMIN", "Mobile Device Management", "Microsoft Exchange", "Configure Exchange Connection"],
  ca: ["ADMIN", "Mobile Device Management", "Microsoft Exchange", "Conditional access for Exchange On-premises"],
  mdm: ["ADMIN", "Mobile Device Management", "Set Mobile Device Management Authority"],
  licences: ["ADMIN", "Administrator Management", "Licences"],
  devices: ["GROUPS", "All Devices", "All Mobile Devices"],
};

function showSection(name) {
  state.section = name;
  for (const link of document.querySelectorAll("#console-nav [data-section]")) link.classList.toggle("on", link.dataset.section === name);
  for (const sec of document.querySelectorAll(".content .section")) sec.classList.toggle("on", sec.id === "sec-" + name);
  const crumbs = CRUMBS[name];
  $("breadcrumb").replaceChildren(crumbs.slice(0, -1).join(" › ") + " › ", el("b", {}, crumbs[crumbs.length - 1]));
  refreshPane();
}

// -- the admin console -----------------------------------------------------------------------
async function refreshConsole() {
  if (state.section === "exchange") return refreshConnection();
  const tenant = await api("GET", "/api/console/tenant");
  if (state.section === "mdm") $("mdm-current").textContent = tenant.mdm_authority;
  if (state.section === "ca") fillConditionalAccess(tenant);
  if (state.section === "licences") fillLicences(tenant);
  if (state.section === "devices") await refreshDevices();
}

async function refreshConnection() {
  const data = await api("GET", "/api/console/connection");
  const conn = data.connection;
  $("connection-none").hidden = !!conn;
  $("connection-info").hidden = !conn;
  if (conn) {
    $("conn-server").textContent = conn.Server;
    $("conn-type").textContent = conn.Type;
    $("conn-account").textContent = conn.Account;
    $("conn-host").textContent = conn.Host;
    $("conn-org").textContent = conn.Organization || "";
    $("conn-status").textContent = conn.Status;
    $("conn-status").className = "state-" + conn.Status;
    $("conn-last").textContent = time(conn.LastSuccessfulSync);
  }
  for (const id of ["quick-sync", "full-sync", "delete-connection"]) $(id).disabled = !conn;
  lab.rows(
    document.querySelector("#connections tbody"),
    (data.connections || []).map((c) =>
      el("tr", {}, el("td", {}, c.Host), el("td", {}, c.Server), el("td", { class: "state-" + c.Status }, c.Status), el("td", {}, time(c.LastSuccessfulSync)))
    )
  );
}

let caFilled = false;
function fillConditionalAccess(tenant) {
  if (caFilled && document.activeElement && $("ca-form").contains(document.activeElement)) return;
  const ca = tenant.conditional_access || {};
  const groups = tenant.groups || [];
  for (const [id, chosen] of [["ca-included", ca.included_groups || []], ["ca-excluded", ca.excluded_groups || []]]) {
    $(id).replaceChildren(...groups.map((g) => el("option", { value: g, selected: chosen.includes(g) }, g)));
  }
  state.ca = ca;  // what the form does not show (platform exceptions, the notification) is kept
  $("ca-enabled").checked = !!ca.enabled;
  $("ca-unmanaged").value = ca.unmanaged_device_access || "allow";
  caFilled = true;
}

function fillLicences(tenant) {
  const licensed = new Set(tenant.licensed_users || []);
  lab.rows(
    document.querySelector("#licences tbody"),
    (tenant.users || []).map((upn) => {
      const has = licensed.has(upn);
      return el(
        "tr",
        {},
        el("td", {}, upn),
        el("td", { class: has ? "ok" : "muted" }, has ? "Licensed" : "Not licensed"),
        el("td", {}, el("button", { class: "btn", onclick: () => step({ do: has ? "remove_licence" : "assign_licence", user: upn }, "licence-msg") }, has ? "Remove" : "Assign"))
      );
    })
  );
}

async function refreshDevices() {
  const data = await api("GET", "/api/console/devices");
  const action = (kind, id) => el("button", { class: "btn small", onclick: () => step({ do: kind, device: id }, "device-msg") }, kind.replace("_device", "").replace("_", " "));
  lab.rows(
    document.querySelector("#devices tbody"),
    data.devices.map((d) => {
      const ex = d.exchange || {};
      const intune = d.intune;
      const access = d.access || ex.reported || (intune && intune.access_state) || "—";
      const reason = ex.reason ? ` (${ex.reason}${ex.rule ? ": " + ex.rule : ""})` : "";
      const command = intune && intune.last_command;
      const intuneText = intune
        ? [intune.compliance, intune.governed === false ? "not governed" : null, intune.wipe_state && intune.wipe_state !== "none" ? "wipe " + intune.wipe_state : null].filter(Boolean).join(", ")
        : "not reported";
      return el(
        "tr",
        { "data-device": d.id },
        el("td", {}, d.id),
        el("td", {}, d.user || ex.mailbox || (intune && intune.owner) || ""),
        el("td", {}, d.type || (intune && (intune.device_type || intune.platform)) || ""),
        el("td", {}, el("span", { class: "state-" + access }, access), reason),
        el("td", {}, intuneText, command ? el("div", { class: command.state === "succeeded" ? "muted" : "warn" }, `${command.type}: ${command.state}`) : null),
        el("td", {}, action("wipe_device", d.id), action("cancel_wipe", d.id), action("retire_device", d.id), action("remove_device", d.id))
      );
    })
  );
}

// -- the connector host ---------------------------------------------------------------------
async function refreshHost() {
  if (!state.host) return;
  const host = await api("GET", "/api/hosts/" + encodeURIComponent(state.host));
  lab.rows($("downloads"), (host.downloads || []).map((p) => el("li", {}, p.split("\\").pop())));
  if (!(host.downloads || []).length) $("downloads").replaceChildren(el("li", { class: "muted" }, "This folder is empty."));
  $("extract").disabled = !(host.downloads || []).length;
  const files = host.setup_folder;
  $("setup-folder").hidden = !files;
  if (files) {
    lab.rows($("setup-files"), files.map((f) => el("li", {}, f.split("\\").pop())));
    const cert = files.find((f) => /WindowsIntune\.accountcert$/i.test(f));
    $("cert-warning").hidden = !cert;
    state.certificate = cert && (cert.includes("\\") ? cert : SETUP_FOLDER + "\\" + cert);
  }
  const c = host.connector;
  state.configured = !!(c && c.configured);
  $("wizard-title").textContent = "Microsoft Intune Exchange Connector" + (state.configured ? " — reconfigure" : "");
  $("service-state").textContent = (c && c.service_state) || "not installed";
  $("service-state").className = c && c.service_state ? "state-" + c.service_state : "muted";
  $("service-last-sync").textContent = c && c.last_sync ? `${c.last_sync.type}, ${c.last_sync.devices} devices, finished ${time(c.last_sync.finished)}` : "—";
  $("service-last-error").textContent = (c && c.last_error) || "—";
  const findings = (c && c.findings) || [];
  lab.rows(
    document.querySelector("#findings tbody"),
    findings.map((f) => el("tr", {}, el("td", {}, f.requirement), el("td", {}, f.title), el("td", { class: "sev-" + f.severity }, f.severity), el("td", {}, f.found), el("td", {}, f.needed)))
  );
  await refreshLog();
}

async function refreshLog() {
  const params = new URLSearchParams({ limit: "200" });
  if ($("log-level").value) params.set("level", $("log-level").value);
  if ($("log-code").value.trim()) params.set("code", $("log-code").value.trim());
  let data;
  try {
    data = await api("GET", "/api/hosts/" + encodeURIComponent(state.host) + "/log?" + params);
  } catch (error) {
    data = { records: [], total: 0 };
  }
  $("log-total").textContent = data.total + " records";
  lab.rows(
    document.querySelector("#log tbody"),
    data.records.slice().reverse().map((r) => el("tr", {}, el("td", {}, time(r.time)), el("td", { class: "level-" + r.level }, r.level), el("td", {}, r.event), el("td", {}, r.code || ""), el("td", {}, r.message)))
  );
}

// What the configuration dialog holds, as the wizard's step fields.
function wizardFields() {
  const fields = {
    host: state.host,
    exchange: { type: document.querySelector('input[name="server-type"]:checked').value, server: $("wiz-server").value.trim() },
    account: { user: $("wiz-user").value.trim(), password: $("wiz-password").value },
  };
  if ($("wiz-notify-user").value.trim()) {
    fields.notification = { user: $("wiz-notify-user").value.trim(), password: $("wiz-notify-password").value };
  }
  if ($("proxy-use").checked) {
    fields.proxy = { address: $("proxy-address").value.trim(), port: Number($("proxy-port").value) };
    if ($("proxy-creds").checked) Object.assign(fields.proxy, { user: $("proxy-user").value.trim(), password: $("proxy-password").value });
  }
  if ($("wiz-replace").checked) fields.replace = true;
  return fields;
}

function clearPasswords() {
  for (const id of ["wiz-password", "wiz-notify-password", "proxy-password"]) $(id).value = "";
}

async function connect() {
  const progress = $("connect-progress");
  progress.className = "progress busy";
  say("connect-msg", "Connecting… this may take a few minutes.");
  const fields = wizardFields();
  clearPasswords();
  const result = await step({ do: state.configured ? "reconfigure" : "configure", ...fields }, "connect-msg");
  progress.className = "progress" + (result && result.ok ? " done" : "");
  if (result && result.ok) say("connect-msg", "The Exchange Connector is connected to Intune (" + time(result.at) + ").", "ok");
}

// -- the Exchange Management Shell ---------------------------------------------------------------
const shell = { history: [], cursor: 0, prompt: "[PS] C:\\Windows\\system32>" };

function shellPrint(text) {
  const out = $("shell-out");
  out.append(document.createTextNode(text.endsWith("\n") ? text : text + "\n"));
  $("shell").scrollTop = $("shell").scrollHeight;
}

async function shellRun(line) {
  shellPrint(shell.prompt + " " + line);
  shell.history.push(line);
  shell.cursor = shell.history.length;
  if (!line.trim()) return;
  if (/^(cls|clear|clear-host)$/i.test(line.trim())) {
    $("shell-out").textContent = "";
    return;
  }
  let result;
  try {
    result = await api("POST", "/api/shell", { line });
  } catch (error) {
    shellPrint(error.message);
    return;
  }
  if (result.output) shellPrint(result.output);
  else if (!result.ok && result.error) shellPrint(result.error);
  if (result.clock) lab.clock.show(result.clock);
}

async function shellComplete(input) {
  const line = input.value;
  const data = await api("GET", "/api/shell/complete?line=" + encodeURIComponent(line));
  const candidates = data.candidates || [];
  if (!candidates.length) return;
  const word = line.match(/(\S*)$/)[1];
  const head = line.slice(0, line.length - word.length);
  if (candidates.length === 1) {
    input.value = head + candidates[0] + " ";
    return;
  }
  let common = candidates[0];
  for (const c of candidates) while (!c.toLowerCase().startsWith(common.toLowerCase())) common = common.slice(0, -1);
  if (common.length > word.length) input.value = head + common;
  else shellPrint(candidates.join("  "));
}

function wireShell() {
  const input = $("shell-in");
  input.addEventListener("keydown", async (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      const line = input.value;
      input.value = "";
      await shellRun(line);
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      if (shell.cursor > 0) input.value = shell.history[--shell.cursor];
    } else if (event.key === "ArrowDown") {
      event.preventDefault();
      if (shell.cursor < shell.history.length - 1) input.value = shell.history[++shell.cursor];
      else {
        shell.cursor = shell.history.length;
        input.value = "";
      }
    } else if (event.key === "Tab") {
      event.preventDefault();
      await shellComplete(input);
    }
  });
  $("shell").addEventListener("click", () => input.focus());
}

async function loadShell() {
  try {
    const prompt = await api("GET", "/api/shell/prompt");
    shell.prompt = prompt.prompt;
    $("shell-prompt").textContent = prompt.prompt;
    shellPrint(`Welcome to the Exchange Management Shell!\nConnected to ${prompt.server} as ${prompt.account}.\nGet-Command lists what you may run; Get-Help <cmdlet> shows its syntax.\n`);
    shell.history = (await api("GET", "/api/shell/history")).lines || [];
    shell.cursor = shell.history.length;
  } catch (error) {
    shellPrint(error.message);
  }
}

// -- the timeline and the exercise -----------------------------------------------------------
// The chart is the HTML report's own SVG (reports/timeline.py), redrawn by the server as the
// trace grows. It is parsed by the HTML parser into an inert document (no script runs there)
// and its <svg> node adopted, so it is drawn inline with the report's styles (lab.css).
let timelineShown = "";
async function refreshTimeline() {
  const text = await api("GET", "/api/timeline");
  if (text === timelineShown) return;
  timelineShown = text;
  const parsed = new DOMParser().parseFromString(text, "text/html");
  const svg = parsed.querySelector("svg");
  if (svg) $("timeline-chart").replaceChildren(document.adoptNode(svg));
}

let exercise = null;
async function refreshExercise() {
  try {
    exercise = await api("GET", "/api/exercise");
  } catch (error) {
    if (error.status === 404) $("tab-exercise").hidden = true;
    return;
  }
  $("tab-exercise").hidden = false;
  $("ex-title").textContent = exercise.title;
  $("ex-task").textContent = exercise.task;
  $("ex-score").textContent = exercise.score;
  $("ex-total").textContent = exercise.total;
  lab.rows(
    $("ex-checks"),
    exercise.checks.map((c) => el("li", { class: c.passed ? "passed" : "" }, c.title, !c.passed && c.detail ? el("div", { class: "detail" }, c.detail) : null))
  );
  lab.rows($("ex-hints"), exercise.hints.slice(0, state.hints).map((h) => el("li", {}, h)));
  $("ex-hint").disabled = state.hints >= exercise.hints.length;
}

// -- refreshing ----------------------------------------------------------------------------------
async function refreshPane() {
  try {
    if (state.pane === "console") await refreshConsole();
    else if (state.pane === "host") await refreshHost();
    else if (state.pane === "timeline") await refreshTimeline();
    else if (state.pane === "exercise") await refreshExercise();
  } catch (error) {
    /* the next refresh tries again */
  }
}

async function refreshAll() {
  await Promise.all([lab.clock.refresh(), refreshPane()]);
}

// -- start --------------------------------------------------------------------------------------
async function start() {
  state.session = await api("GET", "/api/session");
  const s = state.session;
  $("who").textContent = `${s.student} · ${s.scenario}` + (s.broken ? ` — this world stopped: ${s.broken}` : "");
  state.host = s.hosts[0] || null;
  for (const id of ["download-host", "host-select"]) $(id).replaceChildren(...s.hosts.map((h) => el("option", { value: h }, h)));
  $("accounts").replaceChildren(...(s.accounts || []).map((a) => el("option", { value: a })));
  if (s.servers && s.servers.length) $("wiz-server").placeholder = s.servers[0];

  for (const tab of document.querySelectorAll(".tabs [data-pane]")) tab.addEventListener("click", () => showPane(tab.dataset.pane));
  for (const link of document.querySelectorAll("#console-nav [data-section]")) link.addEventListener("click", () => showSection(link.dataset.section));
  lab.clock.wire(refreshPane);

  $("download").addEventListener("click", () => step({ do: "download_package", host: $("download-host").value }, "console-msg"));
  $("quick-sync").addEventListener("click", () => step({ do: "request_sync", kind: "quick" }, "console-msg"));
  $("full-sync").addEventListener("click", () => step({ do: "request_sync", kind: "full" }, "console-msg"));
  $("delete-connection").addEventListener("click", () => ($("delete-confirm").hidden = false));
  $("delete-confirm").addEventListener("click", async () => {
    $("delete-confirm").hidden = true;
    await step({ do: "delete_connection" }, "console-msg");
  });
  $("set-mdm").addEventListener("click", () => step({ do: "set_mdm_authority", authority: "intune" }, "mdm-msg"));
  $("ca-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const chosen = (id) => Array.from($(id).selectedOptions).map((o) => o.value);
    const kept = {};
    const ca = state.ca || {};
    if ((ca.platform_exceptions || []).length) kept.platform_exceptions = ca.platform_exceptions.map((e) => ({ name: e.name, type: e.type, access: e.access }));
    if (ca.notification && (ca.notification.subject || ca.notification.body)) kept.notification = { subject: ca.notification.subject, body: ca.notification.body };
    step(
      { do: "set_conditional_access", ...kept, enabled: $("ca-enabled").checked, included_groups: chosen("ca-included"), excluded_groups: chosen("ca-excluded"), unmanaged_device_access: $("ca-unmanaged").value },
      "ca-msg"
    );
  });

  $("host-select").addEventListener("change", () => {
    state.host = $("host-select").value;
    refreshHost();
  });
  $("extract").addEventListener("click", () => step({ do: "extract_package", host: state.host }, "setup-msg"));
  $("install").addEventListener("click", () => step({ do: "install", host: state.host }, "setup-msg"));
  $("uninstall").addEventListener("click", () => step({ do: "uninstall", host: state.host }, "setup-msg"));
  $("delete-cert").addEventListener("click", () => step({ do: "delete_file", host: state.host, path: state.certificate }, "setup-msg"));
  $("restart-service").addEventListener("click", () => step({ do: "restart_service", host: state.host }, "setup-msg"));
  $("stop-service").addEventListener("click", () => step({ do: "stop_service", host: state.host }, "setup-msg"));
  $("proxy-open").addEventListener("click", () => ($("proxy-dialog").hidden = !$("proxy-dialog").hidden));
  $("proxy-ok").addEventListener("click", () => ($("proxy-dialog").hidden = true));
  $("connect").addEventListener("click", connect);
  $("check-prereqs").addEventListener("click", () => {
    const fields = wizardFields();
    clearPasswords();
    step({ do: "check_prerequisites", ...fields }, "connect-msg");
  });
  $("log-level").addEventListener("change", refreshLog);
  $("log-code").addEventListener("input", refreshLog);
  $("ex-hint").addEventListener("click", () => {
    state.hints += 1;
    refreshExercise();
  });

  wireShell();
  await loadShell();
  await refreshExercise();
  await refreshAll();
  setInterval(lab.clock.refresh, 1000);
  setInterval(refreshPane, 2000);
}

start();
