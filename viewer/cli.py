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


def _parser() -> argparse.ArgumentParser:
    from viewer.scene.views import VIEWS

    parser = argparse.ArgumentParser(
        prog="psoas-viewer",
        description="3D anatomy viewer of the lumbar spine, pelvis, femurs and the psoas region.",
    )
    parser.add_argument("--pack", type=Path, help="folder of an anatomy pack (default: the built-in pack)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    shot = commands.add_parser("screenshot", help="render the scene off-screen to a PNG (no display needed)")
    shot.add_argument("out", type=Path, help="PNG file to write")
    shot.add_argument("--view", choices=sorted(VIEWS), default="anterior")
    shot.add_argument("--size", type=_size, default=(1280, 800), metavar="WxH", help="image size (default 1280x800)")

    build = commands.add_parser("build-meshes", help="rebuild the anatomy pack from myo-sim (needs the build extra)")
    build.add_argument("--out", type=Path, default=Path("meshes"), help="folder to write (default: meshes)")
    return parser


def _load_pack(directory: Path | None):
    """Load a pack, reporting each bone that failed on stderr."""
    from viewer.anatomy.mesh_pack import load_pack

    pack = load_pack(directory)
    for problem in pack.problems:
        print(f"psoas-viewer: warning: {problem}; shown without it", file=sys.stderr)
    return pack


def _screenshot(args) -> int:
    from viewer.scene.screenshot import render_png

    pack = _load_pack(args.pack)
    if not pack.bones:
        print(f"psoas-viewer: no bone of {pack.directory} could be loaded", file=sys.stderr)
        return 1
    out = render_png(pack, args.out, view=args.view, size=args.size)
    print(f"wrote {out} ({args.size[0]}x{args.size[1]}, {args.view} view)")
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
    from viewer.app.launch import run_window

    return run_window(args.pack)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    handlers = {"screenshot": _screenshot, "build-meshes": _build_meshes, None: _window}
    try:
        return handlers[args.command](args)
    except InputError as exc:
        print(f"psoas-viewer: {exc}", file=sys.stderr)
        return 2
