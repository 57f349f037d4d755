"""Errors that end a command with a one-line reason."""


class UsageError(Exception):
    """Bad arguments or missing inputs: exit code 2."""
