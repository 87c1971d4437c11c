"""Rendering of the anatomy model with pyvista; works off-screen, owns no Qt widgets."""
