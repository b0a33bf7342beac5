"""The aligner's benchmarks: accuracy and speed (run ``pytest benchmarks/``; not part of the CI's tests).

A package so that ``pytest benchmarks/`` and ``python -m benchmarks.report`` work from the repository root.
"""
