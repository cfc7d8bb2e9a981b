"""tmgen: threat models and shared-responsibility matrices for AWS Lambda workloads."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__", "analyze", "load_workload"]


def __getattr__(name: str):  # lazy, so `import tmgen` stays cheap for the CLI
    if name in ("analyze", "load_workload", "Analysis"):
        from tmgen import analysis

        return getattr(analysis, name)
    raise AttributeError(name)
