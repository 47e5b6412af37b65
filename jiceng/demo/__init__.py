"""The demo city behind `jiceng demo`: a deterministic Xilinhot built from a seed."""
