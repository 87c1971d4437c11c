"""The one anatomical frame the whole scene lives in.

Right-handed, millimetres: x towards the subject's right, y anterior, z superior (the RAS
convention of 3D Slicer and neuroimaging). The origin is the midpoint of the two hip joint
centres in the upright standing pose. A bone's local frame has the same axes, with its origin
at the bone's joint centre (or the scene origin for a bone without one).
"""

UNITS = "mm"

FRAME_DESCRIPTION = {
    "name": "RAS",
    "x": "subject's right",
    "y": "anterior",
    "z": "superior",
    "origin": "midpoint of the hip joint centres, standing",
}
