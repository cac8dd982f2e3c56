"""The Exchange Management Shell twin: parsing, evaluation, pipelines, formatting, errors,
confirmation, completion, the REPL and `exchange-twin shell`."""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.cli import main
from simulator.exchange.shell import ShellParseError, parse
from simulator.exchange.shell.interpreter import completions
from simulator.exchange.shell.lab import open_shell
from simulator.exchange.shell.repl import incomplete, run_repl
from simulator.run.lab import default_scenario
from simulator.world.world import build_world
from tests.exchange.conftest import make_world, shell_on

# -- the parser ------------------------------------------------------------------------------------------
_ALPHABET = st.sampled_from(
    list("$-|;,(){}[]@'\"`.=!#:%?* \n\tabcAZ019_§\\/") + ["-eq", "-and", "$_", "@{", "$("]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_ALPHABET, max_size=40).map("".join) | st.text(max_size=60))
def test_parser_fails_only_with_its_own_parse_error(text):
    try:
        parse(text)
    except ShellParseError as exc:
        assert exc.message and exc.error_id and 0 <= exc.pos <= len(text)


def test_parse_errors_name_the_problem():
    for text, error_id in [
        ("Get-X (", "MissingEndParenthesisInExpression"),
        ("'abc", "TerminatorExpectedAtEndOfString"),
        ("Get-X | ", "EmptyPipeElement"),
        ("Get-X | 'a'", "ExpressionsMustBeFirstInPipeline"),
        ("@{a=1", "IncompleteHashLiteral"),
        ("$x -foo 1", "UnexpectedToken"),
        ("Get-X -Y:", "MissingArgument"),
        ("?{ $_.a", "MissingEndCurlyBrace"),
    ]:
        try:
            parse(text)
        except ShellParseError as exc:
            assert exc.error_id == error_id, text
        else:
            raise AssertionError(f"{text!r} parsed")


def test_incomplete_input_continues_in_the_repl():
    assert incomplete("Get-CASMailbox | ?{")
    assert incomplete("Get-CASMailbox |")
    assert not incomplete("Get-CASMailbox")


# -- running commands --------------------------------------------------------------------------------------


def test_table_layout_like_the_real_shell(shell):
    out = shell.execute("Get-CASMailbox -ResultSize 2 -WarningAction SilentlyContinue")
    lines = out.split("\n")
    assert lines[0] == ""
    assert lines[1].split() == [
        "Name",
        "ActiveSyncEnabled",
        "OWAEnabled",
        "PopEnabled",
        "ImapEnabled",
        "MAPIEnabled",
    ]
    assert lines[2].split() == [
        "----",
        "-----------------",
        "----------",
        "----------",
        "-----------",
        "-----------",
    ]
    assert lines[1].index("ActiveSyncEnabled") == lines[2].index("-----------------")
    assert len(lines) == 7 and lines[-2:] == ["", ""]
    assert shell.last_ok


def test_list_layout_pads_names(shell):
    out = shell.execute("Get-ActiveSyncOrganizationSettings | Format-List Name,DefaultAccessLevel")
    assert out.split("\n")[1:3] == [
        "Name               : Mobile Mailbox Settings",
        "DefaultAccessLevel : Allow",
    ]


def test_pipeline_where_select_sort_measure(world, shell):
    allowed = [
        d for d in world.org.devices() if d.device_type == "iPhone" and d.client_type == "EAS"
    ]
    out = shell.execute(
        "Get-ActiveSyncDevice -wa SilentlyContinue | Where-Object {$_.DeviceType -eq 'iPhone'} | "
        "Select-Object -ExpandProperty DeviceId | Sort-Object"
    )
    assert out.split("\n") == sorted((d.device_id for d in allowed), key=str.lower)
    count = shell.execute("(Get-ActiveSyncDevice -wa SilentlyContinue | measure).Count")
    assert count == str(len([d for d in world.org.devices() if d.client_type == "EAS"]))
    assert (
        shell.execute("Get-CASMailbox | Where-Object PopEnabled -eq $false | measure | % Count")
        == "0"
    )


def test_pipeline_input_binds_by_identity(world, shell):
    mailbox = world.org.mailboxes[0]
    out = shell.execute(
        f"Get-CASMailbox '{mailbox.primary_smtp}' | Set-CASMailbox -ActiveSyncBlockedDeviceIDs @{{Add='DEV1','DEV2'}}"
    )
    assert out == "" and mailbox.blocked_device_ids == ["DEV1", "DEV2"]
    shell.execute(
        f"Get-CASMailbox {mailbox.alias} | Set-CASMailbox -ActiveSyncBlockedDeviceIDs $null"
    )
    assert mailbox.blocked_device_ids == []
    devices = shell.execute(
        f"Get-CASMailbox {mailbox.alias} | Get-ActiveSyncDevice -wa SilentlyContinue | % DeviceId"
    )
    assert devices.split("\n") == [d.device_id for d in mailbox.devices]


def test_variables_hashtables_arrays_and_methods(shell):
    assert shell.execute("$a = 'x','y'; $a.Count") == "2"
    assert shell.execute("$h = @{Add='a'; Remove=$null}; $h.Add") == "a"
    assert shell.execute("'Contoso'.ToUpper()") == "CONTOSO"
    assert shell.execute('$n = 3; "n is $n and $(1) more"') == "n is 3 and 1 more"
    assert shell.execute("(Get-Date).AddDays(-1) -lt (Get-Date)") == "True"
    assert shell.execute("1,2,3 -gt 1").split("\n") == ["2", "3"]


def test_errors_print_like_powershell_and_never_a_traceback(shell):
    out = shell.execute("Set-CASMailbox nobody -PopEnabled $false")
    assert out.startswith(
        "The operation couldn't be performed because object 'nobody' couldn't be found"
    )
    assert (
        "    + CategoryInfo          : NotSpecified: (:) [Set-CASMailbox], ManagementObjectNotFoundException"
        in out
    )
    assert "    + FullyQualifiedErrorId : ManagementObjectNotFoundException,Set-CASMailbox" in out
    assert "Traceback" not in out and not shell.last_ok
    out = shell.execute("Get-CASMailbox -Colour red")
    assert out.split("\n")[:4] == [
        "Get-CASMailbox : A parameter cannot be found that matches parameter name 'Colour'.",
        "At line:1 char:16",
        "+ Get-CASMailbox -Colour red",
        "+                ~~~~~~~",
    ]
    out = shell.execute("$null.Foo()")
    assert out.startswith("You cannot call a method on a null-valued expression.")
    assert "InvokeMethodOnNull" in out
    assert "ParserError" in shell.execute("Get-CASMailbox (")


def test_error_action_and_next_statement(shell):
    out = shell.execute("Get-CASMailbox ghost -ErrorAction SilentlyContinue; 'after'")
    assert out == "after" and shell.last_ok
    out = shell.execute("'ghost','another' | Get-CASMailbox")
    assert out.count("couldn't be found") == 2  # non-terminating: the second input still ran


def test_confirmation_prompt_is_asked_when_the_host_can(world):
    asked = []
    shell = shell_on(world, prompter=lambda caption, text: asked.append(text) or True)
    device = world.org.devices()[0]
    shell.execute(f"Clear-ActiveSyncDevice '{device.identity}' -wa SilentlyContinue")
    assert asked and device.wipe_requested is not None
    out = shell_on(world).execute(f"Remove-ActiveSyncDevice '{device.identity}'")
    assert "HostFunctionNotImplemented" in out


def test_start_sleep_lets_simulated_time_pass(world, shell):
    before = world.clock.seconds
    shell.execute("Start-Sleep -Seconds 3600")
    assert world.clock.seconds - before >= 3600


def test_tab_completion_of_cmdlets_and_parameters(shell):
    assert "Get-CASMailbox" in completions(shell, "Get-CAS")
    assert completions(shell, "Get-CASMailbox -Res") == ["-ResultSize"]
    assert completions(shell, "Get-CASMailbox | Set-CASMailbox -ActiveSyncB") == [
        "-ActiveSyncBlockedDeviceIDs"
    ]
    assert "Where-Object" in completions(shell, "Get-CASMailbox | Wh")


def test_completion_offers_only_granted_parameters():
    world = make_world(
        directory={
            "accounts": [
                {
                    "name": "CONTOSO\\rm",
                    "password": "P@ssw0rd!",
                    "role_groups": ["Recipient Management"],
                }
            ]
        }
    )
    shell = shell_on(world, "CONTOSO\\rm")
    assert completions(shell, "Set-CASMailbox -ActiveSync") == [
        "-ActiveSyncDebugLogging",
        "-ActiveSyncEnabled",
        "-ActiveSyncMailboxPolicy",
    ]
    assert "Set-ActiveSyncOrganizationSettings" not in completions(shell, "Set-Active")


# -- the REPL and the command line --------------------------------------------------------------------------


def test_repl_reads_lines_until_exit():
    world = build_world(default_scenario())
    shell = open_shell(world)
    out = io.StringIO()
    code = run_repl(
        shell,
        "banner",
        io.StringIO(
            "Get-ExchangeServer | % Name\nGet-CASMailbox |\n % Alias | select -First 1\nexit\n"
        ),
        out,
    )
    text = out.getvalue()
    assert code == 0 and text.startswith("banner\n") and "EX01" in text
    assert len(shell.history) == 2


def test_cli_shell_command_exit_codes(capsys):
    assert main(["shell", "-c", "Get-ExchangeServer | Format-List Name,AdminDisplayVersion"]) == 0
    assert "AdminDisplayVersion : Version 15.0 (Build 1178.4)" in capsys.readouterr().out
    assert main(["shell", "-c", "Get-CASMailbox nobody"]) == 1
    assert "ManagementObjectNotFoundException" in capsys.readouterr().out
    assert main(["shell", "--as", "CONTOSO\\nobody", "-c", "Get-Command"]) == 2
    assert "no account" in capsys.readouterr().err


def test_cli_shell_over_a_scenario_as_a_chosen_account(tmp_path, capsys):
    path = tmp_path / "lab.yaml"
    path.write_text(
        "name: lab\n"
        "world:\n"
        "  directory:\n"
        "    accounts:\n"
        "      - {name: CONTOSO\\admin, password: pw1, role_groups: [Organization Management]}\n"
        "      - {name: CONTOSO\\helpdesk, password: pw2, role_groups: [Help Desk]}\n"
        "  population: {users: 5}\n"
    )
    assert (
        main(
            [
                "shell",
                str(path),
                "--as",
                "CONTOSO\\helpdesk",
                "-c",
                "Get-ActiveSyncOrganizationSettings",
            ]
        )
        == 1
    )
    assert "is not recognized as the name of a cmdlet" in capsys.readouterr().out
    assert (
        main(
            ["shell", str(path), "-c", "Get-ActiveSyncOrganizationSettings | % DefaultAccessLevel"]
        )
        == 0
    )
    assert capsys.readouterr().out.strip() == "Allow"
