"""Operation Soteria pilot evaluation dashboard: domain logic, storage, charts and command line."""

__version__ = "0.1.0"
