"""Precision study: how often `hybridize check` is right on real TensorFlow 2 code (issue 10).

    python -m bench.precision                 # download, analyze, sample, re-check, print the report
    python -m bench.precision --write-docs    # ... and write docs/precision.md

See docs/precision.md for the method and the latest numbers.
"""
