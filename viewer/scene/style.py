"""Colours and surface materials shared by every view and export."""

BONE_COLOUR = "#e6dcc8"
BONE_MATERIAL = {"ambient": 0.18, "diffuse": 0.85, "specular": 0.22, "specular_power": 18.0}
# A plain background: a gradient costs about 6 ms a frame on software rendering (measured).
BACKGROUND = "#2b323d"
SELECTED_BONE_COLOUR = "#ffd27a"
SELECTED_MUSCLE_COLOUR = "#ff8a5c"
PRESENTATION_BACKGROUND = "#000000"

# The drawn lower legs (no bones in the pack: a plain stand-in showing where the shank points).
# Opaque and muted rather than translucent: a translucent actor costs every frame a second
# pass and the first frame about 19 MB more memory (measured with benchmarks/run.py's first frame).
LOWER_LEG_RADIUS_MM = 24.0
LOWER_LEG_COLOUR = "#7d848f"
LOWER_LEG_MATERIAL = {"ambient": 0.25, "diffuse": 0.7, "specular": 0.05}

# Muscles coloured by length change saturate at this many percent longer or shorter than standing.
STRAIN_RANGE_PERCENT = 25.0
