"""The ``streamlearn`` command line."""
