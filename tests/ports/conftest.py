"""The programs under ``programs/`` are PyTorch scripts that the tests port and run; pytest must
not import them itself (``--doctest-modules`` would)."""

collect_ignore = ["programs"]
