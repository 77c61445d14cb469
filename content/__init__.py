"""The content domain: categories, locales, article states, rendering and the starter corpus importer.

No Flask and no database here: the backend persists what this package describes.
"""
