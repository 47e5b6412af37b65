"""Run every benchmark: `make bench` (uses DATABASE_URL; PostgreSQL recommended)."""

import runpy
import sys
from pathlib import Path

here = Path(__file__).resolve().parent
for script in sorted(here.glob("*.py")):
    if script.name in {"run.py", "harness.py", "__init__.py"}:
        continue
    print(f"\n## {script.stem}", flush=True)
    runpy.run_path(str(script), run_name="__main__")
sys.exit(0)
