"""Importing activity files (FIT, GPX, TCX, gzipped or not, folders, Strava bulk exports).

Every parser returns :class:`storage.activities.NewActivity` objects with units converted once,
here at the edge; :func:`tools.importing.importer.import_paths` stores them for one athlete.
"""
