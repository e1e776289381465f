"""Benchmarks of voicesync: ``python -m bench [--quick]`` prints a table and writes ``bench/RESULTS.md``.

Every comparing figure is a ratio of two measurements taken in the same run on the same machine,
so the figures say something about voicesync rather than about the hardware. Targets are printed,
never asserted.
"""
