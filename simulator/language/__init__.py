"""The scenario language: the schema and its loader (file:line errors), the steps, the
expectations and the coverage table. It builds the world's configuration; its steps act on
the world through the interface the runner provides (`steps/base.py`).
"""
