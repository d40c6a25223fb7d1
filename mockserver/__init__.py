"""Stateful, spec-first mock servers for vendor "update a project" APIs."""

from mockserver.config import ServerConfig

__all__ = ["ServerConfig", "__version__"]
__version__ = "0.1.0"
