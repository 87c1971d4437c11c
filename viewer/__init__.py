"""Psoas viewer: a 3D anatomy viewer of the lumbar spine, pelvis, femurs and psoas region."""

__version__ = "0.1.0"
