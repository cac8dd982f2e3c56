"""The lab in a real headless Chromium, against the real server (uvicorn on a free
127.0.0.1 port): a student installs and connects from the console and the configuration
dialog and completes exercise 1; a proxy fault from the trainer's panel turns the connection
red and reconfiguring fixes it; a shell command runs; the clock speeds up; a request without
a token is refused; an exported session replays to the same trace. Screenshots of every page
go to .lab-screens/ (docs/lab/*.png are copies of them).

Nothing sleeps: Playwright's `expect` waits for what the page shows, and simulated time is
driven by the clock's own controls (jumps, or 3600× while an `expect` waits for the outcome).
Each test has its own student (its own world), so the tests do not depend on one another.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from simulator.lab.classroom import Classroom
from simulator.lab.exercises import load_exercise
from simulator.language.loader import parse_scenario
from tests.lab.conftest import ROOT, LabServer, serve

# One worker runs them all (make test: --dist loadgroup): one browser, two servers.
pytestmark = pytest.mark.xdist_group("browser")
expect: Any = None  # playwright.sync_api.expect, imported with the browser (see `page_of`)

SERVICE_PASSWORD = "Lab-Svc-2016!"
NOTIFY_PASSWORD = "Lab-Notify-2016!"
WAIT = 20_000  # ms an expectation may wait for the page (a slow, shared CI machine)

PROXY_WORLD = r"""
name: proxied-contoso
summary: Contoso behind its proxy, the connector on CONN01 configured through it and syncing.
seed: 31
world:
  directory:
    domain: contoso.local
    accounts:
      - {name: CONTOSO\exadmin, password: "Lab-Ex-2016!", role_groups: [Organization Management], mailbox: true}
      - {name: CONTOSO\svc-intune, password: "Lab-Svc-2016!", role_groups: [Organization Management]}
  exchange: {version: "2013 CU12", servers: [{name: EX01}]}
  population: {users: 6, devices_per_user: 1, behaviour: false}
  network:
    direct_internet: false
    proxy: {address: proxy.contoso.local, port: 8080, allow: ["*.manage.microsoft.com"]}
  hosts: [{name: CONN01}]
steps:
  - do: download_package
  - do: install
  - do: configure
    exchange: {server: ex01.contoso.local}
    account: {user: CONTOSO\svc-intune, password: "Lab-Svc-2016!"}
    proxy: {address: proxy.contoso.local, port: 8080}
"""


@pytest.fixture(scope="module")
def lab(browser: Any) -> Iterator[LabServer]:
    """Exercise 1 for four students (s1 installs, s2 uses the shell, s3 the clock, s4 is
    exported)."""
    exercise = load_exercise(ROOT / "labs" / "01-install-and-connect.yaml")
    yield from serve(Classroom.create(exercise.scenario, 4, exercise=exercise))


@pytest.fixture(scope="module")
def proxied(browser: Any) -> Iterator[LabServer]:
    """A connector already syncing through the proxy, for the trainer's proxy fault."""
    yield from serve(Classroom.create(parse_scenario(PROXY_WORLD, "<proxied>"), 1))


def page_of(browser: Any, link: str) -> Any:
    """A page opened on `link` (its token is swapped for the cookie by the server)."""
    global expect
    from playwright.sync_api import expect as playwright_expect

    expect = playwright_expect
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors
    page.goto(link)
    expect(page.locator("#clock-now")).not_to_have_text("…", timeout=WAIT)
    return page


def jump_until(page: Any, locator: Any, text: str, to: str = "next_job", tries: int = 12) -> None:
    """Jump the clock (to the next job / event) until `locator` shows `text`."""
    for _ in range(tries):
        try:
            expect(locator).to_have_text(text, timeout=1500)
            return
        except AssertionError:
            page.click(f'#clock [data-jump="{to}"]')
    expect(locator).to_have_text(text, timeout=WAIT)


def test_a_request_without_a_token_is_refused(lab: LabServer, browser: Any):
    for path in ("/", "/trainer", "/api/session", "/api/exercise", "/static/app.js"):
        response = httpx.get(lab.url + path)
        assert response.status_code == 401, path
        assert response.json()["error"]["code"] == "unauthorized"
    assert httpx.get(lab.url + "/?token=not-a-token").status_code == 401
    student = lab.room.token_of("student", "s1")
    refused = httpx.get(lab.url + "/trainer", headers={"authorization": f"Bearer {student}"})
    assert refused.status_code == 403
    page = browser.new_page()
    response = page.goto(lab.url + "/")
    assert response.status == 401
    assert "Microsoft Intune" not in page.content()
    page.close()


def test_a_student_installs_connects_and_completes_the_exercise(
    lab: LabServer, browser: Any, screens: Path
):
    page = page_of(browser, lab.student_link("s1"))
    assert "token=" not in page.url  # the link's token became a cookie
    expect(page.locator("#tab-exercise")).to_be_visible(timeout=WAIT)
    page.screenshot(path=str(screens / "console-empty.png"))

    # ADMIN › Mobile Device Management: the authority first, as the guide's table asks
    page.click('#console-nav [data-section="mdm"]')
    page.click("#set-mdm")
    expect(page.locator("#mdm-current")).to_have_text("intune", timeout=WAIT)
    # ... › Microsoft Exchange › Configure Exchange Connection: download the connector
    page.click('#console-nav [data-section="exchange"]')
    expect(page.locator("#breadcrumb")).to_contain_text("Configure Exchange Connection")
    page.click("#download")
    expect(page.locator("#console-msg")).to_have_class("message ok", timeout=WAIT)

    # the connector host: extract, setup, the configuration dialog
    page.click('.tabs [data-pane="host"]')
    expect(page.locator("#downloads")).to_contain_text("Exchange_Connector_Setup.zip", timeout=WAIT)
    page.click("#extract")
    expect(page.locator("#setup-files")).to_contain_text("WindowsIntune.accountcert", timeout=WAIT)
    expect(page.locator("#cert-warning")).to_be_visible()
    page.click("#install")
    expect(page.locator("#service-state")).to_have_text("Stopped", timeout=WAIT)
    expect(page.locator("#findings")).to_contain_text(".NET Framework")
    page.fill("#wiz-server", "ex01.contoso.local")
    page.fill("#wiz-user", "CONTOSO\\svc-intune")
    page.fill("#wiz-password", SERVICE_PASSWORD)
    page.fill("#wiz-notify-user", "CONTOSO\\intune-notify")
    page.fill("#wiz-notify-password", NOTIFY_PASSWORD)
    page.click("#connect")
    expect(page.locator("#connect-msg")).to_contain_text("connected to Intune", timeout=WAIT)
    expect(page.locator("#service-state")).to_have_text("Running", timeout=WAIT)
    expect(page.locator("#log")).to_contain_text("Registered with Intune", timeout=WAIT)
    # a password typed in the dialog is sent once, never kept or shown in the page
    assert (
        page.input_value("#wiz-password") == "" and page.input_value("#wiz-notify-password") == ""
    )
    page.screenshot(path=str(screens / "host.png"), full_page=True)

    # the console shows the connection; the first full sync brings the devices
    page.click('.tabs [data-pane="console"]')
    expect(page.locator("#conn-server")).to_have_text("ex01.contoso.local", timeout=WAIT)
    jump_until(page, page.locator("#conn-status"), "connected")
    expect(page.locator("#conn-last")).not_to_have_text("—")
    page.screenshot(path=str(screens / "console.png"))
    page.click('#console-nav [data-section="devices"]')
    expect(page.locator("#devices tbody tr").first).to_be_visible(timeout=WAIT)
    page.screenshot(path=str(screens / "devices.png"))

    # the exercise: every check green, scored
    page.click('.tabs [data-pane="exercise"]')
    total = page.locator("#ex-total")
    expect(total).not_to_have_text("0", timeout=WAIT)
    jump_until(page, page.locator("#ex-score"), total.inner_text())
    expect(page.locator("#ex-checks li.passed")).to_have_count(int(total.inner_text()))
    page.click("#ex-hint")
    expect(page.locator("#ex-hints li")).to_have_count(1)
    page.screenshot(path=str(screens / "exercise.png"))

    # nothing the page shows or holds carries a typed password (the task, which tells the
    # student the password to type, aside)
    shown = page.evaluate(
        """() => ['pane-console', 'pane-host', 'pane-shell', 'pane-timeline']
              .map((id) => document.getElementById(id).innerHTML).join('')
            + document.getElementById('ex-checks').innerHTML
            + Array.from(document.querySelectorAll('input')).map((i) => i.value).join('|')"""
    )
    for secret in (SERVICE_PASSWORD, NOTIFY_PASSWORD):
        assert secret not in shown
    assert page.errors == []


def test_a_shell_command_runs_with_history_and_completion(
    lab: LabServer, browser: Any, screens: Path
):
    page = page_of(browser, lab.student_link("s2"))
    page.click('.tabs [data-pane="shell"]')
    shell_in = page.locator("#shell-in")
    expect(page.locator("#shell-out")).to_contain_text(
        "Connected to ex01.contoso.local", timeout=WAIT
    )
    shell_in.fill("Get-ExchangeSer")
    shell_in.press("Tab")
    expect(shell_in).to_have_value("Get-ExchangeServer ", timeout=WAIT)
    shell_in.press("Enter")
    out = page.locator("#shell-out")
    expect(out).to_contain_text("AdminDisplayVersion", timeout=WAIT)
    expect(out).to_contain_text("EX01")
    shell_in.fill("Get-Mailbox -ResultSize 3 | Format-Table Name, PrimarySmtpAddress")
    shell_in.press("Enter")
    expect(out).to_contain_text("PrimarySmtpAddress", timeout=WAIT)
    shell_in.press("ArrowUp")
    expect(shell_in).to_have_value(
        "Get-Mailbox -ResultSize 3 | Format-Table Name, PrimarySmtpAddress"
    )
    shell_in.press("ArrowUp")
    expect(shell_in).to_have_value("Get-ExchangeServer ")
    shell_in.fill("Get-Nothing")
    shell_in.press("Enter")
    expect(out).to_contain_text("is not recognized as the name of a cmdlet", timeout=WAIT)
    page.screenshot(path=str(screens / "shell.png"))
    assert page.errors == []


def test_the_clock_speeds_up_and_the_timeline_follows(lab: LabServer, browser: Any):
    page = page_of(browser, lab.student_link("s3"))
    now = page.locator("#clock-now")
    expect(page.locator('#clock [data-speed="0"]')).to_have_attribute("aria-pressed", "true")
    before = now.inner_text()
    page.click('#clock [data-speed="3600"]')
    expect(page.locator('#clock [data-speed="3600"]')).to_have_attribute(
        "aria-pressed", "true", timeout=WAIT
    )
    expect(page.locator("#clock-status")).to_have_text("3600×")
    expect(now).not_to_have_text(before, timeout=WAIT)  # simulated time runs, fast
    hour_later = lab.room.sessions["s3"].clock_state()
    page.click('#clock [data-speed="0"]')
    expect(page.locator("#clock-status")).to_have_text("paused", timeout=WAIT)
    assert hour_later["speed"] == 3600
    # nothing is installed in this world yet: no job to jump to, and the clock says so
    with page.expect_response("**/api/clock/jump") as jumped:
        page.click('#clock [data-jump="next_job"]')
    assert jumped.value.status == 400
    assert "nothing is scheduled" in jumped.value.json()["error"]["message"]
    page.click('.tabs [data-pane="timeline"]')
    expect(page.locator("#timeline-chart svg")).to_be_visible(timeout=WAIT)
    expect(page.locator("#timeline-chart svg text").first).to_be_visible()

    # the console's other panes post their steps too: conditional access, licences
    page.click('.tabs [data-pane="console"]')
    page.click('#console-nav [data-section="ca"]')
    expect(page.locator("#breadcrumb")).to_contain_text("Conditional access for Exchange")
    expect(page.locator("#ca-unmanaged")).to_have_value("allow", timeout=WAIT)
    page.check("#ca-enabled")
    page.select_option("#ca-unmanaged", "quarantine")
    page.click("#ca-form button[type=submit]")
    expect(page.locator("#ca-msg")).to_have_class("message ok", timeout=WAIT)
    assert lab.room.sessions["s3"].observe("intune.conditional_access.unmanaged_device_access") == (
        "quarantine"
    )
    page.click('#console-nav [data-section="licences"]')
    row = page.locator("#licences tbody tr").first
    expect(row).to_contain_text("Licensed", timeout=WAIT)
    row.locator("button").click()
    expect(row).to_contain_text("Not licensed", timeout=WAIT)
    assert page.errors == []


def test_a_proxy_fault_from_the_trainer_turns_the_connection_red_and_reconfiguring_fixes_it(
    proxied: LabServer, browser: Any, screens: Path
):
    student = page_of(browser, proxied.student_link("s1"))
    status = student.locator("#conn-status")
    jump_until(student, status, "connected")

    trainer = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
    trainer.goto(proxied.trainer_link())
    expect(trainer.locator("#students tbody tr")).to_have_count(1, timeout=WAIT)
    expect(trainer.locator("#students tbody tr").first).to_contain_text("connected")
    trainer.select_option("#fault-kind", "step:proxy_moved")
    trainer.fill('#fault-params [data-param="address"]', "proxy.contoso.local")
    trainer.fill('#fault-params [data-param="to_address"]', "proxy2.contoso.local")
    trainer.fill('#fault-params [data-param="to_port"]', "3128")
    trainer.screenshot(path=str(screens / "trainer-fault.png"))
    trainer.click("#inject")
    expect(trainer.locator("#fault-msg")).to_contain_text("s1: injected", timeout=WAIT)

    # the connector keeps using the proxy it was configured with: Intune stops hearing from it
    student.click('#clock [data-speed="3600"]')
    expect(status).to_have_text("disconnected", timeout=WAIT)
    student.click('#clock [data-speed="0"]')
    expect(status).to_have_class("state-disconnected")
    student.screenshot(path=str(screens / "console-disconnected.png"))
    expect(trainer.locator("#students tbody tr").first).to_contain_text(
        "disconnected", timeout=WAIT
    )

    # reconfigure with the new proxy, in the dialog's proxy settings
    student.click('.tabs [data-pane="host"]')
    expect(student.locator("#wizard-title")).to_contain_text("reconfigure", timeout=WAIT)
    student.locator("#log-level").select_option("Error")
    expect(student.locator("#log tbody")).to_contain_text("0x00000006", timeout=WAIT)
    student.fill("#wiz-server", "ex01.contoso.local")
    student.fill("#wiz-user", "CONTOSO\\svc-intune")
    student.fill("#wiz-password", SERVICE_PASSWORD)
    student.click("#proxy-open")
    student.check("#proxy-use")
    student.fill("#proxy-address", "proxy2.contoso.local")
    student.fill("#proxy-port", "3128")
    student.click("#proxy-ok")
    student.click("#connect")
    expect(student.locator("#connect-msg")).to_contain_text("connected to Intune", timeout=WAIT)
    student.click('.tabs [data-pane="console"]')
    jump_until(student, status, "connected")
    expect(status).to_have_class("state-connected")
    student.click('.tabs [data-pane="timeline"]')
    expect(student.locator("#timeline-chart svg")).to_contain_text("proxy_moved", timeout=WAIT)
    student.screenshot(path=str(screens / "timeline.png"))
    assert student.errors == []


def test_an_exported_session_replays_to_the_same_trace(
    lab: LabServer, browser: Any, tmp_path: Path, screens: Path
):
    """A few actions in the browser, then the trainer's Export: a scenario that
    `exchange-twin run` replays to the live world's trace, byte for byte."""
    page = page_of(browser, lab.student_link("s4"))
    page.click('#console-nav [data-section="mdm"]')
    page.click("#set-mdm")
    expect(page.locator("#mdm-current")).to_have_text("intune", timeout=WAIT)
    page.click('#console-nav [data-section="exchange"]')
    page.click("#download")
    expect(page.locator("#console-msg")).to_have_class("message ok", timeout=WAIT)
    before = page.locator("#clock-now").inner_text()
    page.click('#clock [data-speed="3600"]')
    expect(page.locator("#clock-now")).not_to_have_text(before, timeout=WAIT)
    page.click('#clock [data-speed="0"]')
    expect(page.locator("#clock-status")).to_have_text("paused", timeout=WAIT)

    trainer = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
    trainer.goto(lab.trainer_link())
    expect(trainer.locator("#students tbody tr")).to_have_count(4, timeout=WAIT)
    expect(trainer.locator('#students tbody tr[data-student="s4"]')).to_contain_text(
        "1 / 5", timeout=WAIT
    )
    trainer.screenshot(path=str(screens / "trainer.png"))
    with trainer.expect_download() as download:
        trainer.click('#students tbody tr[data-student="s4"] a:text("Export")')
    exported = tmp_path / "s4.yaml"
    download.value.save_as(exported)
    live = lab.room.sessions["s4"].trace_bytes()  # paused: nothing happens after the export
    text = exported.read_text()
    assert "set_mdm_authority" in text and "download_package" in text
    traces = tmp_path / "traces"
    done = subprocess.run(
        [sys.executable, "-m", "simulator.cli", "run", str(exported), "--trace", str(traces)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr  # 1: the starting world's own checks
    (replayed,) = traces.glob("*.jsonl")
    # The replay is the live run event for event, in order; what it adds is how a run ends
    # (the export's closing `at:` step, the last sample, the expectations, the fault
    # timeline, run.end) — the byte-for-byte comparison with the server's own export trace is
    # tests/lab/test_export.py's.
    closing = {"step", "sample", "expect", "fault", "run.end"}
    replay = [_event(line) for line in replayed.read_bytes().splitlines()]
    it = iter(replay)
    for event in (_event(line) for line in live.splitlines()):
        if event["kind"] == "fault":
            continue
        assert any(event == other for other in it), event
    extra = [e for e in replay if e not in [_event(x) for x in live.splitlines()]]
    assert {e["kind"] for e in extra} <= closing, extra


def _event(line: bytes) -> dict[str, Any]:
    """A trace line without its sequence number (an inserted step renumbers the rest)."""
    event = json.loads(line)
    event.pop("seq", None)
    return event
