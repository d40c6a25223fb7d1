"""The framework-free core: violations, rules, store, clock, journal and the vendor protocol.

Nothing in here imports a web framework, so the mock, the proxy and the scenario runner share it.
"""
