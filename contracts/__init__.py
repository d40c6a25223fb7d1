"""Contract-testing toolkit: spec conformance, scenarios and property tests for the vendor APIs.

Import name ``contracts`` is ours; we never depend on the unrelated PyContracts distribution.
"""

from contracts.conformance import SpecChecker

__all__ = ["SpecChecker"]
