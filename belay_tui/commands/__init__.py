"""Headless subcommands of ``belay-tui``; each module has ``register(subparsers)``."""
