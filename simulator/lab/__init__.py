"""The browser lab: exercises, live sessions, the pages and their server (imports nothing
at package level, so that `exchange-twin --help` stays light)."""
