"""tracker: slogans and numeric commitments in Chinese government texts."""

from pathlib import Path

__version__ = "0.1.0"

#: Repository root when run from a checkout (``pip install -e .``).
PROJECT_ROOT = Path(__file__).resolve().parent.parent
