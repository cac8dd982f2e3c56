"""The lab server's routes under fuzzing (issue 13): a bounded run in CI, every input that
ever failed replayed, and every catalogue entry refused with its message."""

from __future__ import annotations

import pytest

from fuzz.common import judge, run_target
from fuzz.corpus import corpus
from fuzz.server import TARGET, judge_reply
from simulator.intune.labclient import Reply

#: CI's share of the long profile (`make fuzz` runs 10,000).
CI_EXAMPLES = 150


def test_generated_requests_all_get_a_clean_answer():
    tally = run_target(TARGET, CI_EXAMPLES, seed=13)
    assert tally.inputs == CI_EXAMPLES
    assert tally.unclean == 0, tally.failures[:5]
    assert tally.counts["clean_error"] > 0 and tally.counts["accepted"] > 0


@pytest.mark.parametrize(("path", "value"), corpus(TARGET), ids=lambda p: getattr(p, "stem", ""))
def test_corpus_inputs_stay_clean(path, value):
    outcome = judge(TARGET, value)
    assert outcome.clean, (path.name, outcome)


@pytest.mark.parametrize("entry", TARGET.catalogue, ids=lambda e: e.kind)
def test_catalogue_entries_get_their_message(entry):
    outcome = judge(TARGET, entry.value)
    assert outcome.kind == "clean_error", outcome
    assert entry.expect in outcome.detail


@pytest.mark.parametrize(
    ("reply", "kind"),
    [
        (Reply(404, {}, b'{"error": "notFound", "message": "No route"}'), "clean_error"),
        (Reply(201, {}, b'{"connectorId": "x"}'), "accepted"),
        (Reply(500, {}, b'{"error": "internalError", "message": "boom"}'), "internal_error"),
        (Reply(400, {}, b"<html>Bad request</html>"), "internal_error"),
        (Reply(400, {}, b'{"detail": "no error field"}'), "internal_error"),
        (Reply(None, {}, b""), "internal_error"),
        (Reply(505, {}, b'{"error": "httpVersionNotSupported", "message": "2.0"}'), "clean_error"),
    ],
    ids=["4xx-json", "2xx", "500", "html", "no-error-field", "no-answer", "505"],
)
def test_the_judge_holds_answers_to_the_contract(reply, kind):
    assert judge_reply(reply).kind == kind
