// What both pages share: calling the lab's API (the cookie carries the token), building
// elements without ever parsing text as HTML (a message from the world is shown, never
// interpreted), and the clock's controls.
"use strict";

const lab = {};

lab.api = async function (method, path, body) {
  const init = { method, credentials: "same-origin", headers: {} };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const type = response.headers.get("Content-Type") || "";
  const data = type.includes("json") ? await response.json() : await response.text();
  if (!response.ok) {
    const error = new Error((data && data.error && data.error.message) || String(response.status));
    error.status = response.status;
    error.field = data && data.error && data.error.field;
    throw error;
  }
  return data;
};

lab.$ = (id) => document.getElementById(id);

// An element with text children only: nothing the server sends is ever read as markup.
lab.el = function (tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
};

lab.rows = function (tbody, rows) {
  tbody.replaceChildren(...rows);
};

lab.say = function (id, text, kind) {
  const box = lab.$(id);
  if (!box) return;
  box.className = "message" + (kind ? " " + kind : "");
  box.textContent = text || "";
};

lab.time = function (value) {
  if (!value) return "—";
  return String(value).replace("T", " ").replace(/\.\d+Z$/, " UTC").replace(/Z$/, " UTC");
};

// -- the clock: always visible; speed buttons, jumps, the simulated date --------------------
lab.clock = {
  state: null,
  base: "/api/clock",
  show(state) {
    lab.clock.state = state;
    lab.$("clock-now").textContent = lab.time(state.now);
    for (const button of document.querySelectorAll("#clock [data-speed]")) {
      const speed = Number(button.dataset.speed);
      const on = state.paused ? speed === 0 : speed === state.speed;
      button.setAttribute("aria-pressed", on ? "true" : "false");
    }
    lab.$("clock-status").textContent = state.paused ? "paused" : state.speed + "×";
    const job = document.querySelector('#clock [data-jump="next_job"]');
    if (job) job.title = state.next_job ? "next connector job at " + lab.time(state.next_job) : "no connector job scheduled";
  },
  async refresh() {
    try {
      lab.clock.show(await lab.api("GET", lab.clock.base));
    } catch (error) {
      lab.$("clock-status").textContent = "offline";
    }
  },
  wire(onChange) {
    for (const button of document.querySelectorAll("#clock [data-speed]")) {
      button.addEventListener("click", async () => {
        lab.clock.show(await lab.api("POST", lab.clock.base, { speed: Number(button.dataset.speed) }));
        onChange && onChange();
      });
    }
    for (const button of document.querySelectorAll("#clock [data-jump]")) {
      button.addEventListener("click", async () => {
        try {
          lab.clock.show(await lab.api("POST", lab.clock.base + "/jump", { to: button.dataset.jump }));
        } catch (error) {
          lab.$("clock-status").textContent = error.message;
        }
        onChange && onChange();
      });
    }
  },
};
