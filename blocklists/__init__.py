"""Rights holders' piracy-site lists: formats, validation, intake with provenance, matching.

Empty for now: the list intake and matcher land with their own issue; the package exists so the
project layout (and its import boundaries) is in place from the start.
"""
