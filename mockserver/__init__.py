"""Stateful, spec-first mock servers for vendor "update a project" APIs."""

# first: it decides whether the compiled build of the request path may be imported
from mockserver import native  # noqa: F401
from mockserver.config import ServerConfig

__all__ = ["ServerConfig", "__version__"]
__version__ = "0.1.0"
