"""Where the project and its built book are, for the tests of the built book."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"
SCREENSHOTS = ROOT / "_build" / "screenshots"
# axe-core, fetched from the npm registry by `make built` (never served with the book)
AXE = ROOT / "_build" / "tools" / "axe-core" / "axe.min.js"
