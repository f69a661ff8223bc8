"""bindguard: where will this published port actually listen?

Only the version lives here so that ``import bindguard`` stays free: the CLI,
the YAML loader and the Docker SDK are imported by the modules that need them.
"""

__version__ = "0.1.0"
