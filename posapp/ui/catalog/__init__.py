"""The Catalog tab: products, categories, the editor, CSV import and export."""
