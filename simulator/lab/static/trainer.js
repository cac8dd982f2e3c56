// The trainer's page: every student's progress, refreshed; the fault panel, built from the
// world's own fault kinds (GET /api/trainer/faults), injecting one into one or all worlds.
"use strict";

const { api, $, el, say, time } = lab;
let kinds = [];
const selected = new Set();

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
        el("td", { class: "state-" + (s.connection || "none") }, s.connection || "no connection"),
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

function showParams() {
  const kind = kinds.find((k) => k.kind === $("fault-kind").value);
  $("fault-description").textContent = kind ? kind.description : "";
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
  const body = { students: targets(), kind: $("fault-kind").value, params, lasting: $("fault-lasting").value.trim() || null };
  try {
    const data = await api("POST", "/api/trainer/faults", body);
    const lines = Object.entries(data.results).map(([s, r]) => `${s}: ${r.ok ? "injected at " + time(r.at) : r.error}`);
    say("fault-msg", lines.join("\n"), Object.values(data.results).every((r) => r.ok) ? "ok" : "error");
  } catch (error) {
    say("fault-msg", error.message, "error");
  }
  refreshStudents();
}

async function start() {
  kinds = (await api("GET", "/api/trainer/faults")).faults;
  $("fault-kind").replaceChildren(...kinds.map((k) => el("option", { value: k.kind }, k.kind)));
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
