"""The register: scan, adjust, pay, park; the till page and its dialogs."""
