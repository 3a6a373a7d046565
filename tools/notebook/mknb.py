#!/usr/bin/python3
"""Writes a notebook from a list of code cells: mknb.py OUT.ipynb CELLFILE... (one file per cell)."""
import sys, nbformat
from nbformat.v4 import new_notebook, new_code_cell, new_markdown_cell
out, cells = sys.argv[1], sys.argv[2:]
nb = new_notebook()
nb.metadata["kernelspec"] = {"name": "java", "display_name": "Java (rapaio-jupyter-kernel 3.0.1)", "language": "java"}
nb.metadata["language_info"] = {"name": "java"}
for c in cells:
    src = open(c).read()
    nb.cells.append(new_markdown_cell(src[2:].strip()) if src.startswith("# ") else new_code_cell(src.rstrip("\n")))
nbformat.write(nb, out)
