"""Fuzzing the twin's front doors: the scenario loader, the shell and the lab server.

Each target module (``fuzz/<target>.py``) defines ``TARGET``, a :class:`fuzz.common.FuzzTarget`:
a hypothesis strategy of inputs and a ``check`` that feeds one input to the twin and says
how it ended (:class:`fuzz.common.Outcome`). ``python -m fuzz`` (``make fuzz``) runs every
target's long profile and prints the table of clean and unclean outcomes; the tests in
``tests/fuzz/`` run the same targets with few examples, and replay ``fuzz/corpus/<target>/``
(every input that ever failed) as regression cases.
"""
