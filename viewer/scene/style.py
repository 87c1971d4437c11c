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
# The strain colour map, chosen for a projector: strong ends (a blue and an orange-red, L* about 46
# and 48, chroma above 50) that people with red-green colour blindness still tell apart (the
# blue-yellow axis they keep; checked with the Machado et al. 2009 simulation in the tests), and a
# mid grey (L* 62) as "unchanged", far from the pale bone (L* 88) and the dark backgrounds (L* 21
# and 0). matplotlib's "coolwarm", used before, has a pale grey in its middle only 11 CIELAB units
# from the bone colour, so unchanged muscle read as bone.
STRAIN_SHORTER, STRAIN_NEUTRAL, STRAIN_LONGER = "#2b6cc4", "#959595", "#d7301f"


def strain_colour_map():
    """The strain colour map (matplotlib), blue for shorter through grey to red for longer."""
    from matplotlib.colors import LinearSegmentedColormap

    return LinearSegmentedColormap.from_list("strain", [STRAIN_SHORTER, STRAIN_NEUTRAL, STRAIN_LONGER], N=256)


def strain_end_texts() -> tuple[str, str, str]:
    """What the strain legend says: its title and its two ends, with the range in percent."""
    limit = f"{STRAIN_RANGE_PERCENT:.0f}%"
    return "Muscle length against standing", f"shorter \u2212{limit}", f"+{limit} longer"

# Tendon is drawn in a pale silver instead of its muscle's colour (blended over a few rings),
# so a student sees where the fleshy belly ends.
TENDON_COLOUR = "#dde1e6"
# Stripes along the fibres lighten and darken a muscle's colour by this share.
FIBRE_SHADING = 0.07
