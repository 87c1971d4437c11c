"""``psoas-viewer``: open the window, or run one job from the command line.

The subcommands call the same functions as the window does, so a picture made here and a
picture made from the menu come from one code path.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from viewer.anatomy.json_input import InputError

MAX_IMAGE_SIDE = 7680


def _size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size {text!r} is not WIDTHxHEIGHT, for example 1280x800") from None
    if not (16 <= width <= MAX_IMAGE_SIDE and 16 <= height <= MAX_IMAGE_SIDE):
        raise argparse.ArgumentTypeError(f"size {text!r}: each side must be between 16 and {MAX_IMAGE_SIDE} pixels")
    return width, height


def _angle_range(text: str) -> tuple[float, float, float]:
    try:
        start, stop, step = (float(part) for part in text.split(":"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not FROM:TO:STEP, for example -30:120:10") from None
    if step <= 0 or stop < start or (stop - start) / step > 10_000:
        raise argparse.ArgumentTypeError(f"{text!r}: STEP must be positive, TO at least FROM, and at most 10000 steps")
    return start, stop, step


def _parser() -> argparse.ArgumentParser:
    from viewer.scene.views import VIEWS

    parser = argparse.ArgumentParser(
        prog="psoas-viewer",
        description="3D anatomy viewer of the lumbar spine, pelvis, femurs and the psoas region.",
    )
    parser.add_argument("--pack", type=Path, help="folder of an anatomy pack (default: the built-in pack)")
    parser.add_argument("--annotations", type=Path, help="annotations file (default: the built-in annotations.json)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    shot = commands.add_parser("screenshot", help="render the scene off-screen to a PNG (no display needed)")
    shot.add_argument("out", type=Path, help="PNG file to write")
    shot.add_argument("--view", choices=sorted(VIEWS), default="anterior")
    shot.add_argument("--size", type=_size, default=(1280, 800), metavar="WxH", help="image size (default 1280x800)")
    shot.add_argument("--pose", default="standing", help="named pose from the annotations (default: standing)")
    shot.add_argument("--strain", action="store_true", help="colour muscles by length change from standing")

    lengths = commands.add_parser("lengths", help="muscle length and hip-flexion moment arm over a range of hip angles")
    lengths.add_argument("--muscle", required=True, help="muscle id, for example psoas_major_r")
    lengths.add_argument("--hip-flexion", type=_angle_range, default=(-30.0, 120.0, 10.0), metavar="FROM:TO:STEP",
                         help="hip flexion angles in degrees (default -30:120:10)")
    lengths.add_argument("--format", choices=("table", "csv", "json"), default="table")

    build = commands.add_parser("build-meshes", help="rebuild the anatomy pack from myo-sim (needs the build extra)")
    build.add_argument("--out", type=Path, default=Path("meshes"), help="folder to write (default: meshes)")
    return parser


def _load_pack(directory: Path | None):
    """Load a pack, reporting each bone that failed on stderr."""
    from viewer.anatomy.mesh_pack import load_pack

    pack = load_pack(directory)
    for problem in pack.problems:
        print(f"psoas-viewer: warning: {problem}; shown without it", file=sys.stderr)
    for warning in pack.warnings:
        print(f"psoas-viewer: warning: {warning}", file=sys.stderr)
    return pack


def _named_pose(annotations, name: str):
    if name not in annotations.poses:
        raise InputError(annotations.path, f"no pose named {name!r}; known poses: {', '.join(annotations.poses)}")
    return annotations.poses[name].pose


def _screenshot(args) -> int:
    from viewer.anatomy.annotations import load_annotations
    from viewer.scene.screenshot import render_png

    annotations = load_annotations(args.annotations)
    pose = _named_pose(annotations, args.pose)
    pack = _load_pack(args.pack)
    if not pack.bones:
        print(f"psoas-viewer: no bone of {pack.directory} could be loaded", file=sys.stderr)
        return 1
    out = render_png(pack, args.out, args.view, args.size, annotations, pose, args.strain)
    print(f"wrote {out} ({args.size[0]}x{args.size[1]}, {args.view} view, {args.pose})")
    return 0


def _lengths(args) -> int:
    from viewer.anatomy.annotations import load_annotations
    from viewer.anatomy.length_table import format_table, hip_flexion_sweep

    annotations = load_annotations(args.annotations)
    if args.muscle not in annotations.muscles:
        raise InputError(annotations.path, f"no muscle {args.muscle!r}; known muscles: {', '.join(annotations.muscles)}")
    rows = hip_flexion_sweep(annotations, _load_pack(args.pack).manifest, args.muscle, *args.hip_flexion)
    print(format_table(rows, args.muscle, args.format))
    return 0


def _build_meshes(args) -> int:
    try:
        from viewer.anatomy.pack_build import build_pack

        build_pack(args.out)
    except ModuleNotFoundError as exc:
        print(f"psoas-viewer: build-meshes needs the build extra ({exc.name} is missing): pip install '.[build]'", file=sys.stderr)
        return 2
    print(f"wrote the anatomy pack to {args.out}")
    return 0


def _window(args) -> int:
    from viewer.anatomy.annotations import load_annotations
    from viewer.app.launch import display_problem, run_window

    problem = display_problem()
    if problem:
        print(f"psoas-viewer: {problem}; to render a picture without a window run: psoas-viewer screenshot out.png", file=sys.stderr)
        return 2
    pack = _load_pack(args.pack)
    try:
        annotations = load_annotations(args.annotations)
    except InputError as exc:
        print(f"psoas-viewer: {exc}; showing the bones without muscles", file=sys.stderr)
        annotations = None
    return run_window(pack, annotations)


def _join_negative_values(argv: list[str]) -> list[str]:
    """Let ``--hip-flexion -30:120:10`` through: argparse would take -30:... for an option."""
    out: list[str] = []
    for arg in argv:
        if out and out[-1] == "--hip-flexion" and arg.startswith("-"):
            out[-1] = f"--hip-flexion={arg}"
        else:
            out.append(arg)
    return out


def main(argv: list[str] | None = None) -> int:
    from viewer.anatomy.kinematics import PoseError

    args = _parser().parse_args(_join_negative_values(sys.argv[1:] if argv is None else list(argv)))
    handlers = {"screenshot": _screenshot, "lengths": _lengths, "build-meshes": _build_meshes, None: _window}
    try:
        return handlers[args.command](args)
    except (InputError, PoseError) as exc:
        print(f"psoas-viewer: {exc}", file=sys.stderr)
        return 2
