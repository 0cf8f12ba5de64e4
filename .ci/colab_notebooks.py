"""Write the .ipynb copies of the chapters that Colab opens.

Colab opens .ipynb files from a GitHub branch; the chapters are MyST Markdown. This converts every
chapter listed in _toc.yml that has code cells (jupytext, no outputs) and puts one cell first that
installs `relu_lib` from the repository when it is missing (Colab already has NumPy, Matplotlib,
scikit-learn, ipywidgets and PyTorch). The publish workflow pushes the result to a branch and only
then builds the book with the Colab button pointing at it.

    python .ci/colab_notebooks.py OUTDIR --repository owner/name --ref main
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import jupytext
import nbformat

ROOT = Path(__file__).resolve().parents[1]
SETUP_TAG = "colab-setup"


def setup_source(repository: str, ref: str) -> str:
    return (
        "# On Colab: install relu_lib, the library this chapter calls, if it is missing.\n"
        "import importlib.util\n"
        "if importlib.util.find_spec('relu_lib') is None:\n"
        f"    %pip install --quiet --no-deps git+https://github.com/{repository}@{ref}"
    )


def chapters(root: Path = ROOT) -> list[Path]:
    toc = (root / "_toc.yml").read_text()
    files = [root / f"{f}.md" for f in re.findall(r"(?:root|file):\s*(\S+)", toc)]
    return [f for f in files if "```{code-cell}" in f.read_text()]


def colab_notebook(chapter: Path, repository: str, ref: str) -> nbformat.NotebookNode:
    nb = jupytext.read(chapter, fmt="md:myst")
    nb.metadata.pop("jupytext", None)
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    cell = nbformat.v4.new_code_cell(setup_source(repository, ref), metadata={"tags": [SETUP_TAG]})
    nb.cells.insert(0, cell)
    nbformat.validate(nb)
    return nb


def write_all(outdir: Path, repository: str, ref: str, root: Path = ROOT) -> list[Path]:
    written = []
    for chapter in chapters(root):
        target = outdir / chapter.relative_to(root).with_suffix(".ipynb")
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(colab_notebook(chapter, repository, ref), target)
        written.append(target)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--repository", required=True, help="owner/name on GitHub")
    parser.add_argument("--ref", default="main", help="branch or tag relu_lib is installed from")
    args = parser.parse_args()
    if args.repository.count("/") != 1:
        parser.error("--repository must be owner/name")
    for path in write_all(args.outdir, args.repository, args.ref):
        print(path.relative_to(args.outdir))


if __name__ == "__main__":
    main()
