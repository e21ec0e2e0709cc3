"""Pure builders of query strings and request bodies, one module per resource.

Both clients call these, so each wire format is written (and tested) once.
"""
