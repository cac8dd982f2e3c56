// The trainer's page: every student's progress, refreshed; the fault panel, built from the
// world's own fault kinds (GET /api/trainer/faults), injecting one into one or all worlds.
"use strict";

const { api, $, el, say, time } = lab;
let kinds = [];
const selected = new Set();

// Changes of the world that are scenario steps rather than fault kinds (they do more than a
// fault: moving the proxy also gives its new name a DNS record), posted to
// /api/trainer/steps. Their fields are the steps' own (simulator/language/steps/).
const WORLD_STEPS = [
  { kind: "proxy_moved", step: true, description: "The network team moves the proxy to a new address (and port), with its DNS record; the connector keeps the old one until it is reconfigured.",
    params: { address: { type: "str", required: true, help: "the proxy's address now" }, to_address: { type: "str", required: true, help: "its new address" }, to_port: { type: "int", help: "its new port" } } },
  { kind: "proxy_password_changed", step: true, description: "The proxy account's password is rotated; the connector keeps sending the old one.",
    params: { password: { type: "str", required: true, secret: true }, address: { type: "str", help: "the proxy; every proxy when unset" }, user: { type: "str", help: "the account; the proxy's first when unset" } } },
  { kind: "server_down", step: true, description: "An Exchange server (every one when unset) stops answering: CAS down.",
    params: { server: { type: "str", help: "EX01" }, lasting: { type: "str", help: "e.g. 2h; until server_up when unset" } } },
  { kind: "server_up", step: true, description: "The Exchange server answers again.", params: { server: { type: "str", help: "EX01" } } },
  { kind: "lock_account", step: true, description: "An account is locked out (too many bad passwords).", params: { account: { type: "str", required: true, help: "DOMAIN\\user" } } },
  { kind: "unlock_account", step: true, description: "An administrator unlocks the account.", params: { account: { type: "str", required: true, help: "DOMAIN\\user" } } },
];

async function refreshStudents() {
  const data = await api("GET", "/api/trainer/students");
  const all = $("all").checked;
  lab.rows(
    document.querySelector("#students tbody"),
    data.students.map((s) => {
      const box = el("input", { type: "checkbox", checked: all || selected.has(s.student), "data-student": s.student });
      box.addEventListener("change", () => {
        if (box.checked) selected.add(s.student);
        else selected.delete(s.student);
        $("all").checked = false;
      });
      const last = s.last_action;
      return el(
        "tr",
        { "data-student": s.student },
        el("td", {}, box),
        el("td", {}, s.student),
        el("td", {}, time(s.now)),
        el("td", {}, s.speed ? s.speed + "×" : "paused"),
        el("td", { class: s.broken ? "bad" : "state-" + (s.connection || "none") }, s.broken ? "world stopped: " + s.broken : s.connection || "no connection"),
        el("td", { class: "score" }, s.total ? `${s.score} / ${s.total}` : "—"),
        el("td", {}, `${s.actions}` + (s.failed_actions ? ` (${s.failed_actions} failed)` : "")),
        el("td", {}, last ? `${last.do || "step"} at ${time(last.at)}${last.ok === false ? " — failed" : ""}` : "—"),
        el("td", {}, el("a", { href: `/api/trainer/students/${encodeURIComponent(s.student)}/export` }, "Export"))
      );
    })
  );
}

function targets() {
  if ($("fault-target").value === "all") return "all";
  return Array.from(document.querySelectorAll("#students tbody input[data-student]:checked")).map((b) => b.dataset.student);
}

function chosenKind() {
  const [group, name] = $("fault-kind").value.split(":");
  return kinds.find((k) => k.kind === name && !!k.step === (group === "step"));
}

function showParams() {
  const kind = chosenKind();
  $("fault-description").textContent = kind ? kind.description : "";
  $("fault-lasting").closest("label").hidden = !kind || !!kind.step;
  const rows = Object.entries((kind && kind.params) || {}).map(([name, p]) => {
    const input = p.choices && p.choices.length
      ? el("select", { "data-param": name, "data-type": p.type }, p.choices.map((c) => el("option", { value: c }, c)))
      : el("input", { type: p.secret ? "password" : p.type === "str" ? "text" : "number", "data-param": name, "data-type": p.type, autocomplete: p.secret ? "new-password" : "off", placeholder: p.help || "" });
    return el("label", { class: "row" }, el("span", {}, name + (p.required ? " *" : "")), input);
  });
  $("fault-params").replaceChildren(...rows);
}

async function inject(event) {
  event.preventDefault();
  const params = {};
  for (const input of document.querySelectorAll("#fault-params [data-param]")) {
    if (input.value === "") continue;
    params[input.dataset.param] = input.dataset.type === "str" ? input.value : Number(input.value);
    if (input.type === "password") input.value = "";
  }
  const kind = chosenKind();
  const lasting = $("fault-lasting").value.trim() || null;
  const request = kind.step
    ? ["/api/trainer/steps", { students: targets(), step: { do: kind.kind, ...params } }]
    : ["/api/trainer/faults", { students: targets(), kind: kind.kind, params, lasting }];
  try {
    const data = await api("POST", ...request);
    const lines = Object.entries(data.results).map(([s, r]) => `${s}: ${r.ok ? "injected at " + time(r.at) : r.error}`);
    say("fault-msg", lines.join("\n"), Object.values(data.results).every((r) => r.ok) ? "ok" : "error");
  } catch (error) {
    say("fault-msg", error.message, "error");
  }
  refreshStudents();
}

async function start() {
  const faults = (await api("GET", "/api/trainer/faults")).faults;
  kinds = [...WORLD_STEPS, ...faults];
  $("fault-kind").replaceChildren(
    el("optgroup", { label: "Changes in the world" }, WORLD_STEPS.map((k) => el("option", { value: "step:" + k.kind }, k.kind.replaceAll("_", " ")))),
    el("optgroup", { label: "Faults (for a while, or until cleared)" }, faults.map((k) => el("option", { value: "fault:" + k.kind }, k.kind.replaceAll("_", " "))))
  );
  $("fault-kind").addEventListener("change", showParams);
  showParams();
  $("fault-form").addEventListener("submit", inject);
  $("all").addEventListener("change", refreshStudents);
  for (const button of document.querySelectorAll("#clock [data-speed]")) {
    button.addEventListener("click", async () => {
      const data = await api("POST", "/api/trainer/clock", { students: targets(), speed: Number(button.dataset.speed) });
      $("clock-status").textContent = `${Object.keys(data.clocks).length} clocks at ${button.textContent}`;
      refreshStudents();
    });
  }
  await refreshStudents();
  setInterval(refreshStudents, 2000);
}

start();
