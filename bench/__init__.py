"""numbagrad's benchmarks: ``python -m bench`` (see ``python -m bench --help``)."""
