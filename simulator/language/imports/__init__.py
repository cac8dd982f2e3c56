"""`exchange-twin import`: what customers really send (Export-Csv of Exchange cmdlets) read
into scenario data. Language layer: it produces a scenario, it never builds or runs a world.

* `powershell_csv` — Export-Csv files: the `#TYPE` line, encodings, line-numbered errors;
  and the writer the twin's own samples are made with.
* `devices` — Get-MobileDevice / Get-ActiveSyncDevice (+ Get-CASMailbox) rows → a scenario.
* `anonymise` — keyed, consistent pseudonyms.
"""
