"""`exchange-twin why`: the causal chain behind a device's access state and Intune record,
and behind a connection that does not sync — from facts only.

Two sources, each used for what it knows:

* **the world**, re-run from the scenario and stopped at the moment asked about: Exchange's
  own decision (`exchange.access.decide`, in Exchange's order) and Intune's
  (`intune.access.decide`), the targeting, the enrolment, the inventory record. "What would
  change the outcome" is the same decision taken again with one fact removed (the list entry,
  the rule, the platform exception, the enrolment), so it is computed, never guessed;
* **the trace**, for history: which cmdlet put the device on a list, which Intune command
  asked for it and when, which sync uploaded the record, which call failed and which fault
  was active then.

A link that neither source holds is reported as unknown (`None` in `--json`, "unknown" in
the text) rather than inferred. With a saved trace only (`--trace`), the world's decisions
are not available and only the trace's history is given.

The package, along its seams: `moment` (running to the moment asked about, or cutting a saved
trace there; the shared error), `chain` (Exchange's and Intune's decisions and what-ifs from the
world), `history` (what the trace says about a device), `device` (the device's whole answer and
its text), `connection` (a connection that does not sync), `missing` (a user's missing devices).
"""
