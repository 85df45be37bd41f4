"""Python SDK for the Mailman email API."""

__version__ = "0.1.0"
__all__ = ["__version__"]
