pytest_plugins = ["tests.fixtures.mock"]
