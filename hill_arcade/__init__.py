"""hill-arcade: put a human in the latent loop of model training (the HILL method)."""

from pathlib import Path

__version__ = "0.1.0"

REPO_ROOT = Path(__file__).resolve().parent.parent
SCENES_DIR = REPO_ROOT / "scenes"
ASSETS_DIR = REPO_ROOT / "assets"
