"""Colours and surface materials shared by every view and export."""

BONE_COLOUR = "#e6dcc8"
BONE_MATERIAL = {"ambient": 0.18, "diffuse": 0.85, "specular": 0.22, "specular_power": 18.0}
# A plain background: a gradient costs about 6 ms a frame on software rendering (measured).
BACKGROUND = "#2b323d"
SELECTED_BONE_COLOUR = "#ffd27a"
# Intervertebral discs: a pale bluish white, the colour of fibrocartilage, apart from the bone.
DISC_COLOUR = "#cfe0e8"
SELECTED_MUSCLE_COLOUR = "#ff8a5c"
PRESENTATION_BACKGROUND = "#000000"

# Muscles coloured by length change saturate at this many percent longer or shorter than standing.
STRAIN_RANGE_PERCENT = 25.0

# Tendon is drawn in a pale silver instead of its muscle's colour (blended over a few rings),
# so a student sees where the fleshy belly ends.
TENDON_COLOUR = "#dde1e6"
# Stripes along the fibres lighten and darken a muscle's colour by this share.
FIBRE_SHADING = 0.07
