"""Reports built from traces and run results: JSON, JUnit XML, the HTML page with its
timeline, the catalogue, the first divergence between two traces.
"""
