"""The catalog: products, categories, images, search and CSV import/export."""
