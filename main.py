"""Run posapp from a source checkout: ``python main.py``."""

from posapp.app import main

if __name__ == "__main__":
    raise SystemExit(main())
