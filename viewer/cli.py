"""``psoas-viewer``: open the window, or run one job from the command line.

The subcommands call the same functions as the window does, so a picture made here and a
picture made from the menu come from one code path.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from viewer.anatomy.atomic_file import OutputError
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
    if not all(math.isfinite(v) for v in (start, stop, step)):
        raise argparse.ArgumentTypeError(f"{text!r}: FROM, TO and STEP must be finite numbers of degrees")
    if step <= 0 or stop < start or (stop - start) / step > 10_000:
        raise argparse.ArgumentTypeError(f"{text!r}: STEP must be positive, TO at least FROM, and at most 10000 steps")
    return start, stop, step


def _scale(text: str) -> float:
    """A figure scale: a finite number giving sides between 16 and :data:`MAX_IMAGE_SIDE` pixels."""
    try:
        scale = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"scale {text!r} is not a number, for example 2") from None
    if not (math.isfinite(scale) and 800 * scale >= 16 and 1280 * scale <= MAX_IMAGE_SIDE):
        raise argparse.ArgumentTypeError(f"scale {text!r}: must be between {16 / 800:g} and {MAX_IMAGE_SIDE / 1280:g}")
    return scale


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad argument in one line (the usage is one --help away)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    from viewer.scene.views import VIEWS

    parser = _Parser(
        prog="psoas-viewer",
        description="3D anatomy viewer of the lumbar spine, pelvis, femurs and the psoas region.",
    )
    parser.add_argument("--pack", type=Path, help="folder of an anatomy pack (default: the built-in pack)")
    parser.add_argument("--annotations", type=Path,
                        help="your annotations file, laid over the built-in annotations.json "
                             "(same id replaces, new id adds); the window edits it in place")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    shot = commands.add_parser("screenshot", help="render the scene off-screen to a PNG (no display needed)")
    shot.add_argument("out", type=Path, help="PNG file to write")
    shot.add_argument("--view", choices=sorted(VIEWS), default="anterior")
    shot.add_argument("--size", type=_size, default=(1280, 800), metavar="WxH", help="image size (default 1280x800)")
    shot.add_argument("--pose", default="standing", help="named pose from the annotations (default: standing)")
    shot.add_argument("--strain", action="store_true", help="colour muscles by length change from standing")
    shot.add_argument("--mkdir", action="store_true", help="make the output's folder if it does not exist")
    _add_shape(shot)

    lengths = commands.add_parser("lengths", help="muscle length and hip-flexion moment arm over a range of hip angles")
    lengths.add_argument("--muscle", required=True, help="muscle id, for example psoas_major_r")
    lengths.add_argument("--hip-flexion", type=_angle_range, default=(-30.0, 120.0, 10.0), metavar="FROM:TO:STEP",
                         help="hip flexion angles in degrees (default -30:120:10)")
    lengths.add_argument("--sweep", type=_coordinate_range, metavar="COORDINATE=FROM:TO:STEP",
                         help="sweep any joint angle instead, for example lumbar_bending=-30:30:5 (moment arm about it)")
    lengths.add_argument("--pose", default="standing", help="named pose the sweep starts from (default: standing)")
    lengths.add_argument("--format", choices=("table", "csv", "json"), default="table")
    _add_shape(lengths)

    export = commands.add_parser("export", help="annotated figure (PNG, SVG, PDF) or 3D scene (.glb); or every built-in view")
    export.add_argument("--out", type=Path, help="file to write: .png, .svg, .pdf or .glb")
    export.add_argument("--view-file", type=Path, help="a saved view (JSON) to export")
    export.add_argument("--view", choices=sorted(VIEWS), default="anterior")
    export.add_argument("--pose", default="standing", help="named pose (default: standing)")
    export.add_argument("--labels", default="auto", help="landmark ids separated by commas, 'auto' or 'none'")
    export.add_argument("--title")
    export.add_argument("--caption")
    export.add_argument("--strain", action="store_true", help="colour muscles by length change from standing")
    export.add_argument("--transparent", action="store_true", help="transparent background")
    export.add_argument("--background", default="#2b323d", help="background colour (#rrggbb)")
    sizing = export.add_mutually_exclusive_group()
    sizing.add_argument("--size", type=_size, default=(1920, 1080), metavar="WxH", help="figure size (default 1920x1080, up to 7680)")
    sizing.add_argument("--scale", type=_scale, help="figure size as a multiple of 1280x800")
    export.add_argument("--all-views", type=Path, metavar="DIR", help="write every built-in view into DIR")
    export.add_argument("--format", choices=("png", "svg", "pdf"), default="png", help="format for --all-views")
    export.add_argument("--mkdir", action="store_true", help="make the output folder if it does not exist")
    _add_shape(export)

    stretches = commands.add_parser("stretches", help="popular psoas stretches ranked by how much they lengthen the psoas major")
    stretches.add_argument("--format", choices=("table", "csv", "json"), default="table")
    stretches.add_argument("--library", type=Path, help="stretch library file (default: the built-in stretches.json)")
    stretches.add_argument("--chart", type=Path, metavar="OUT", help="also write the ranked chart with pose pictures (.png or .svg)")
    stretches.add_argument("--mkdir", action="store_true", help="make the chart's folder if it does not exist")
    _add_shape(stretches)

    validate = commands.add_parser("validate", help="check an annotations file and list every problem (exit 1 if any)")
    validate.add_argument("file", type=Path, help="annotations file, checked as a layer over the built-in annotations")

    commands.add_parser("fit-muscles", help="fit the muscle surfaces to the pack's bones and keep the fit in the pack's folder "
                                            "(fitted_muscles.npz), so that the viewer starts without fitting them")
    build = commands.add_parser("build-meshes", help="rebuild the anatomy pack from myo-sim (needs the build extra)")
    build.add_argument("--out", type=Path, default=Path("meshes"), help="folder to write (default: meshes)")
    return parser


def _shape(text: str):
    from viewer.anatomy.body_shape import BodyShape, ShapeError

    try:
        return BodyShape.parse(text)
    except ShapeError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _add_shape(command: argparse.ArgumentParser) -> None:
    command.add_argument("--shape", type=_shape, default="mean", metavar="MODE=SD,...",
                         help="body shape from the LLP26 shape model, in standard deviations from the mean (-3 to +3): "
                              "size (body size), pelvis (pelvis width / leg length), robustness (bone robustness); "
                              "for example size=+2,pelvis=-1 (default: the mean body)")


def _body(args, pack, annotations):
    """The pack and annotations of the body ``--shape`` asks for (the mean ones by default)."""
    if args.shape.is_mean:
        return pack, annotations
    from viewer.anatomy.bodies import Bodies

    return Bodies(pack, annotations).shaped(args.shape)


def _load_pack(directory: Path | None):
    """Load a pack, reporting each bone that failed on stderr."""
    from viewer.anatomy.mesh_pack import load_pack

    pack = load_pack(directory)
    for problem in pack.problems:
        print(f"psoas-viewer: warning: {problem}; shown without it", file=sys.stderr)
    for warning in pack.warnings:
        print(f"psoas-viewer: warning: {warning}", file=sys.stderr)
    return pack


def _pack_with_bones(directory: Path | None):
    """The pack, or None (said on stderr) when not one of its bones could be loaded."""
    pack = _load_pack(directory)
    if not pack.bones:
        print(f"psoas-viewer: no bone of {pack.directory} could be loaded", file=sys.stderr)
        return None
    return pack


def _muscle_model(annotations, pack):
    """The muscles the pack can carry, reporting each one left out on stderr."""
    from viewer.anatomy.kinematics import Skeleton
    from viewer.anatomy.muscle_paths import MuscleModel

    model = MuscleModel(annotations, Skeleton.from_manifest(pack.manifest), set(pack.bones))
    for line in model.left_out:
        print(f"psoas-viewer: warning: {line}", file=sys.stderr)
    return model


def _named_pose(annotations, name: str):
    if name not in annotations.poses:
        raise InputError(annotations.path, f"no pose named {name!r}; known poses: {', '.join(annotations.poses)}")
    return annotations.poses[name].pose


def _screenshot(args) -> int:
    from viewer.anatomy.annotations import load_annotations
    from viewer.anatomy.output_file import check_output
    from viewer.scene.export import save_screenshot

    annotations = load_annotations(layer=args.annotations)
    _named_pose(annotations, args.pose)
    check_output(args.out, {".png"}, make_folders=args.mkdir)  # before the pack is read and anything rendered
    pack = _pack_with_bones(args.pack)
    if pack is None:
        return 1
    pack, annotations = _body(args, pack, annotations)
    _muscle_model(annotations, pack)
    out = save_screenshot(pack, annotations, args.out, args.view, args.size, args.pose, args.strain, args.mkdir)
    print(f"wrote {out} ({args.size[0]}x{args.size[1]}, {args.view} view, {args.pose})")
    return 0


def _figure_size(args) -> tuple[int, int]:
    if args.scale is not None:
        return (round(1280 * args.scale), round(800 * args.scale))
    return args.size


def _export(args) -> int:
    from viewer.anatomy.annotations import load_annotations
    from viewer.anatomy.kinematics import HipLimits, Skeleton
    from viewer.anatomy.view_file import builtin_views, check_view, load_view, structure_ids
    from viewer.scene.export import export_figure, offscreen_scene

    annotations = load_annotations(layer=args.annotations)
    pack = _pack_with_bones(args.pack)
    if pack is None:
        return 1
    pack, annotations = _body(args, pack, annotations)
    _muscle_model(annotations, pack)
    size = _figure_size(args)
    if args.all_views is not None:
        if args.all_views.exists() and not args.all_views.is_dir():
            raise OutputError(args.all_views, "is not a folder; --all-views needs a folder to write into")
        if not args.all_views.exists() and not args.mkdir:
            raise OutputError(args.all_views, "folder does not exist (add --mkdir to make it)")
        views = builtin_views(annotations)
        for k, (view_id, view) in enumerate(views.items(), start=1):
            out = args.all_views / f"{view_id}.{args.format}"
            export_figure(pack, annotations, view, out, size, args.mkdir)
            bar = "#" * (20 * k // len(views))
            print(f"\r[{bar:<20}] {k}/{len(views)} {out}", end="", file=sys.stderr, flush=True)
        print(file=sys.stderr)
        print(f"wrote {len(views)} figures to {args.all_views}")
        return 0
    if args.out is None:
        raise InputError("--out", "say where to write: --out FILE (.png, .svg, .pdf or .glb)")
    if args.view_file is not None:
        view = load_view(args.view_file, annotations, HipLimits.from_pack(pack, Skeleton.from_manifest(pack.manifest)))
    else:
        labels = args.labels if args.labels in ("auto", "none") else [x.strip() for x in args.labels.split(",") if x.strip()]
        panel = {"camera": {"preset": args.view}, "pose": args.pose, "labels": labels, "strain": args.strain}
        view = {"format_version": 1, "panels": [panel], "background": "transparent" if args.transparent else args.background}
        for key in ("title", "caption"):
            if getattr(args, key):
                view[key] = getattr(args, key)
        view = check_view(view, Path("(command line)"), annotations, structure_ids(annotations))
    if args.out.suffix.lower() == ".glb":
        from viewer.scene.gltf_export import export_glb  # trimesh and scipy: only a 3D scene needs them

        with offscreen_scene(pack, annotations, view["panels"][0], (64, 64)) as scene:
            export_glb(scene, args.out, args.mkdir)
    else:
        export_figure(pack, annotations, view, args.out, size, args.mkdir)
    print(f"wrote {args.out}")
    return 0


def _lengths(args) -> int:
    from viewer.anatomy.annotations import load_annotations
    from viewer.anatomy.length_table import coordinate_sweep, format_table, hip_flexion_sweep

    annotations = load_annotations(layer=args.annotations)
    if args.muscle not in annotations.muscles:
        raise InputError(annotations.path, f"no muscle {args.muscle!r}; known muscles: {', '.join(annotations.muscles)}")
    if args.pose not in annotations.poses:
        raise InputError(annotations.path, f"no pose {args.pose!r}; known poses: {', '.join(annotations.poses)}")
    pack, annotations = _body(args, _load_pack(args.pack), annotations)
    if args.sweep is None and args.pose == "standing":
        start, stop, step = args.hip_flexion
        rows = hip_flexion_sweep(annotations, pack.manifest, args.muscle, start, stop, step, available_bones=set(pack.bones))
    else:
        coordinate, (start, stop, step) = args.sweep or ("hip_flexion", args.hip_flexion)
        rows = coordinate_sweep(annotations, pack.manifest, args.muscle, coordinate, start, stop, step,
                                base=annotations.poses[args.pose].pose, available_bones=set(pack.bones))
    print(format_table(rows, args.muscle, args.format))
    return 0


def _stretches(args) -> int:
    from viewer.anatomy.annotations import load_annotations
    from viewer.anatomy.stretch_table import format_stretches
    from viewer.anatomy.stretches import load_stretches, measure_all, ranked

    annotations = load_annotations(layer=args.annotations)
    library = load_stretches(args.library)
    pack, annotations = _body(args, _load_pack(args.pack), annotations)
    results = ranked(measure_all(library, _muscle_model(annotations, pack)))
    print(format_stretches(results, args.format))
    if args.chart is not None:
        from viewer.scene.stretch_chart import export_chart

        out = export_chart(pack, annotations, results, args.chart, args.mkdir)
        print(f"wrote {out}", file=sys.stderr)
    return 0


def _validate(args) -> int:
    from viewer.anatomy.annotations import load_annotations
    from viewer.anatomy.json_input import ProblemsError

    pack = _load_pack(args.pack)
    try:
        annotations = load_annotations(args.annotations, layer=args.file, pack=pack)
    except ProblemsError as exc:
        for problem in exc.problems:
            print(problem)
        print(f"{args.file}: {len(exc.problems)} problem{'s' if len(exc.problems) != 1 else ''}", file=sys.stderr)
        return 1
    layer = annotations.layer
    discs = sum(bone.get("kind") == "disc" for bone in layer.get("bones", []))
    sizes = {"bones": len(layer.get("bones", [])) - discs, "discs": discs} | {key: len(layer.get(key, [])) for key in ("landmarks", "muscles", "poses")}
    counts = ", ".join(f"{size} {key}" for key, size in sizes.items() if key in layer or (key == "discs" and discs))
    print(f"{args.file}: valid ({counts or 'no items'})")
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


def _fit_muscles(args) -> int:
    from viewer.anatomy import fitted_sections
    from viewer.anatomy.annotations import load_annotations

    annotations = load_annotations(layer=args.annotations)
    pack = _pack_with_bones(args.pack)
    if pack is None:
        return 1
    _muscle_model(annotations, pack)
    print(f"wrote {fitted_sections.write_for(pack, annotations)}")
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
        annotations = load_annotations()
    except InputError as exc:
        print(f"psoas-viewer: {exc}; showing the bones without muscles", file=sys.stderr)
        return run_window(pack, None, f"The built-in annotations could not be loaded; showing the bones without muscles.\n\n{exc}")
    problems = None
    if args.annotations is not None:
        try:
            annotations = load_annotations(layer=args.annotations, pack=pack)
        except InputError as exc:
            problems = f"{args.annotations} was not loaded; showing the built-in annotations.\n\n{exc}"
            print(f"psoas-viewer: {problems}", file=sys.stderr)
    return run_window(pack, annotations, problems)


def _coordinate_range(text: str) -> tuple[str, tuple[float, float, float]]:
    """``lumbar_bending=-30:30:5`` as the coordinate and its FROM, TO, STEP."""
    from viewer.anatomy.sweep import COORDINATES

    name, sep, limits = text.partition("=")
    sides = {c.removesuffix("_r") for c in COORDINATES if c.endswith("_r")}
    if not sep or (name not in COORDINATES and name not in sides):
        raise argparse.ArgumentTypeError(f"expected COORDINATE=FROM:TO:STEP with a coordinate among {', '.join(sorted(set(COORDINATES) | sides))}")
    return name, _angle_range(limits)


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
    handlers = {"screenshot": _screenshot, "lengths": _lengths, "export": _export, "validate": _validate, "stretches": _stretches, "build-meshes": _build_meshes,
                "fit-muscles": _fit_muscles, None: _window}
    try:
        return handlers[args.command](args)
    except (InputError, PoseError, ValueError) as exc:
        print(f"psoas-viewer: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # an output that cannot be written (OutputError names it), or a system failure
        where = "" if isinstance(exc, OutputError) or not exc.filename else f"{exc.filename}: "
        print(f"psoas-viewer: {where}{exc.strerror if where else exc}", file=sys.stderr)
        return 1
