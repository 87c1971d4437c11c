"""Pure anatomy model: mesh packs, annotations, kinematics, muscle paths. No Qt, no VTK."""
